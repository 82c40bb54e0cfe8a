import { mkdirSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import type { Db, QueryResult, Sql } from './types';

/**
 * PostgreSQL compiled to WebAssembly, in this process: the embedded default's ledger. Its data
 * lives in a folder, so payments survive a restart of `npm start`; one process only (PGlite is a
 * single connection), which is why production refuses it. `dataDir` undefined: in memory (tests).
 */
export async function createPgliteDb(opts: { dataDir?: string }): Promise<Db> {
  if (opts.dataDir !== undefined) mkdirSync(opts.dataDir, { recursive: true });
  const pg = await PGlite.create(opts.dataDir);
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
      await pg.close();
    },
  };
}
