import { Pool, types as pgTypes, type PoolClient } from 'pg';
import { CommitOutcomeUnknown, isServerAnswer, type Db, type QueryResult, type Sql } from './types';

/**
 * node-postgres. int8 (bigint, bigserial, count) comes back as a number, like PGlite does:
 * centimes and ids stay far below 2^53, and a value past it is an error, never a rounded amount.
 * The parser is given per pool, not set on pg's global type table.
 */
const INT8_OID = 20;

function parseInt8(text: string): number {
  const n = Number(text);
  if (!Number.isSafeInteger(n)) throw new Error(`int8 value ${text} is beyond a safe integer`);
  return n;
}

const typeParsers = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8_OID ? parseInt8 : pgTypes.getTypeParser(oid, format ?? 'text')) as typeof pgTypes.getTypeParser,
};

export interface PostgresOptions {
  url: string;
  /** Every connection's search_path: tests give each file a schema of its own. */
  schema?: string;
  /** A query (and a wait for a connection) that takes longer fails instead of holding its caller. */
  statementTimeoutMs?: number;
  max?: number;
  onError?: (err: Error) => void;
}

export function createPostgresDb(opts: PostgresOptions): Db {
  const timeout = opts.statementTimeoutMs ?? 5000;
  const pool = new Pool({
    connectionString: opts.url,
    max: opts.max ?? 10,
    connectionTimeoutMillis: timeout,
    // The server-side limit and, for a dead server or network, the client-side one.
    statement_timeout: timeout,
    query_timeout: timeout + 1000,
    ...(opts.schema !== undefined ? { options: `-c search_path=${opts.schema}` } : {}),
    types: typeParsers,
    application_name: 'regideso-ussd',
  });
  // An idle connection that dies (server restart) emits here; without a listener the process would crash.
  pool.on('error', (err) => opts.onError?.(err));

  const run = async <R>(c: Pool | PoolClient, text: string, params?: unknown[]): Promise<QueryResult<R>> => {
    const r = await c.query(text, params);
    return { rows: r.rows as R[], rowCount: r.rowCount ?? 0 };
  };

  return {
    kind: 'postgres',
    query: (text, params) => run(pool, text, params),
    async exec(text) {
      await pool.query(text);
    },
    async transaction(fn) {
      const client = await pool.connect();
      let broken = false;
      // A checked-out client has no listener of the pool's: its connection dying mid-transaction
      // would be an unhandled 'error' event, which ends the process. The query under way fails anyway.
      const onLost = (err: Error) => {
        broken = true;
        opts.onError?.(err);
      };
      client.on('error', onLost);
      try {
        await client.query('BEGIN');
        const tx: Sql = {
          query: (text, params) => run(client, text, params),
          exec: async (text) => {
            await client.query(text);
          },
        };
        const out = await fn(tx);
        await client.query('COMMIT').catch((err: unknown) => {
          // The server's refusal of COMMIT is an answer (rolled back); silence is not.
          throw isServerAnswer(err) ? err : new CommitOutcomeUnknown(err);
        });
        return out;
      } catch (err) {
        await client.query('ROLLBACK').catch(() => {
          broken = true;
        });
        throw err;
      } finally {
        client.removeListener('error', onLost);
        // A connection whose rollback failed is in an unknown state: destroyed, not reused.
        client.release(broken);
      }
    },
    async ping() {
      try {
        await pool.query('SELECT 1');
        return true;
      } catch {
        return false;
      }
    },
    close: () => pool.end(),
  };
}
