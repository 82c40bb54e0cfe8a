import type { LockHolder } from './folder-lock';
import { createPgliteDb } from './pglite';
import { createPostgresDb } from './postgres';
import type { Db } from './types';

/**
 * The ledger as the config names it: PostgreSQL at DATABASE_URL, or the embedded PGlite in its
 * folder (locked to this process). One way to open it for the product and every CLI, so each gets
 * the same lock and the same refusal.
 */
export function openLedgerDb(
  where: { url: string | undefined; dataDir: string },
  hooks: { onError?: (err: Error) => void; onStaleLock?: (previous: LockHolder) => void } = {},
): Promise<Db> {
  if (where.url !== undefined) return Promise.resolve(createPostgresDb({ url: where.url, ...(hooks.onError ? { onError: hooks.onError } : {}) }));
  return createPgliteDb({ dataDir: where.dataDir, ...(hooks.onStaleLock ? { onStaleLock: hooks.onStaleLock } : {}) });
}
