/**
 * The one interface the ledger talks SQL through. Two implementations: node-postgres against a
 * real PostgreSQL (production, tests), and PGlite in the process (the embedded default). Both run
 * the same SQL; rows come back as plain objects (bigint as number, timestamptz as Date, jsonb
 * parsed) and are parsed again by the store that reads them.
 */
export interface QueryResult<R> {
  rows: R[];
  /** Rows inserted, updated or deleted (0 for a SELECT on PGlite). */
  rowCount: number;
}

export interface Sql {
  query<R = Record<string, unknown>>(text: string, params?: unknown[]): Promise<QueryResult<R>>;
  /** Several statements, no parameters (migrations). */
  exec(text: string): Promise<void>;
}

export interface Db extends Sql {
  readonly kind: 'postgres' | 'pglite';
  /** Runs `fn` in one transaction: committed when it resolves, rolled back when it throws. */
  transaction<T>(fn: (tx: Sql) => Promise<T>): Promise<T>;
  /** For /readyz: a trivial query within a short time. */
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

/** PostgreSQL's code for a unique violation: another intent holds the account, or a duplicate id. */
export const UNIQUE_VIOLATION = '23505';

export function pgErrorCode(err: unknown): string | undefined {
  if (typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'string') return err.code;
  return undefined;
}

/**
 * COMMIT was sent and no answer came (the connection broke, the reply timed out): the transaction
 * may or may not have been committed. Any other error of a transaction means it was not: the
 * server rolls back a transaction whose COMMIT it never received.
 */
export class CommitOutcomeUnknown extends Error {
  constructor(cause: unknown) {
    super(`COMMIT sent, no answer: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = 'CommitOutcomeUnknown';
  }
}

/** An answer of the server (a SQLSTATE: five digits or capitals), not a fault of the connection (`ECONNRESET`, a timeout). */
export function isServerAnswer(err: unknown): boolean {
  const code = pgErrorCode(err);
  return code !== undefined && /^[0-9A-Z]{5}$/.test(code);
}
