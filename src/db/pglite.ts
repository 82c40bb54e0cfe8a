import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { acquireFolderLock, type LockHolder } from './folder-lock';
import type { Db, QueryResult, Sql } from './types';

/** The embedded ledger cannot be opened here: the message is one sentence for the operator (folder, holder, what to do). */
export class LedgerOpenError extends Error {
  override name = 'LedgerOpenError';
}

/**
 * PostgreSQL compiled to WebAssembly, in this process: the embedded default's ledger. Its data
 * lives in a folder, so payments survive a restart of `npm start`; one process only (PGlite is a
 * single connection), which is why production refuses it. `dataDir` undefined: in memory (tests).
 *
 * Every opener (the product, `npm run db:migrate`, any CLI) comes through here, so the folder's
 * lock (`<dataDir>.lock`, beside it) is taken here, before PGlite reads or writes a file of it, and
 * released by `close()`. A second opener gets a LedgerOpenError naming the process that holds it.
 */
export async function createPgliteDb(opts: { dataDir?: string; onStaleLock?: (previous: LockHolder) => void }): Promise<Db> {
  if (opts.dataDir === undefined) return wrap(await PGlite.create(), () => undefined);
  const dataDir = path.resolve(opts.dataDir);
  const what = `the embedded ledger in ${dataDir}`;
  mkdirSync(path.dirname(dataDir), { recursive: true });
  const lock = acquireFolderLock(`${dataDir}.lock`, what);
  if (!lock.ok) throw new LedgerOpenError(capitalised(lock.message));
  if (lock.tookOverFrom !== undefined) opts.onStaleLock?.(lock.tookOverFrom);
  let pg: PGlite | undefined;
  try {
    mkdirSync(dataDir, { recursive: true });
    pg = await PGlite.create(dataDir);
    await pg.query('SELECT 1');
  } catch (err) {
    await pg?.close().catch(() => undefined);
    lock.release();
    // PGlite's own words for damaged files are WebAssembly's ("Aborted(). Build with -sASSERTIONS…").
    throw new LedgerOpenError(
      `${capitalised(what)} cannot be opened (${causeOf(err)}): restore that folder from a copy, or move it aside to start with an empty ledger (its payments are then no longer shown), and start again`,
    );
  }
  return wrap(pg, () => lock.release());
}

function capitalised(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

function causeOf(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  if (text.startsWith('Aborted(')) return 'PGlite stopped while reading its files, which are damaged or from another PGlite version';
  return text.split('\n')[0]?.slice(0, 160) ?? 'unknown error';
}

function wrap(pg: PGlite, release: () => void): Db {
  const toResult = <R>(r: { rows: unknown[]; affectedRows?: number }): QueryResult<R> => ({ rows: r.rows as R[], rowCount: r.affectedRows ?? 0 });
  let closed = false;
  return {
    kind: 'pglite',
    query: async (text, params) => toResult(await pg.query(text, params)),
    async exec(text) {
      await pg.exec(text);
    },
    transaction: (fn) =>
      pg.transaction(async (t) => {
        const tx: Sql = {
          query: async (text, params) => toResult(await t.query(text, params)),
          exec: async (text) => {
            await t.exec(text);
          },
        };
        return fn(tx);
      }),
    async ping() {
      try {
        await pg.query('SELECT 1');
        return true;
      } catch {
        return false;
      }
    },
    async close() {
      if (closed) return;
      closed = true;
      try {
        await pg.close();
      } finally {
        release();
      }
    },
  };
}
