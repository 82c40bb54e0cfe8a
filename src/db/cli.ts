import { loadConfigFromProcess } from '../config';
import { migrate, migrationFiles } from './migrate';
import { openLedgerDb } from './open';

/**
 * `npm run db:migrate`: applies the ledger's pending migrations (migrations/*.sql) to DATABASE_URL,
 * or to the embedded ledger in DATA_DIR, and says which. The product also applies them at start-up;
 * this is for an operator who wants the schema ready before the first instance starts.
 */
async function main(): Promise<void> {
  const result = loadConfigFromProcess();
  if (!result.ok) {
    console.error(`Invalid configuration:\n${result.errors.map((e) => `  - ${e}`).join('\n')}`);
    process.exit(1);
  }
  const { url, dataDir } = result.config.database;
  const db = await openLedgerDb({ url, dataDir });
  try {
    const applied = await migrate(db);
    const where = url !== undefined ? 'DATABASE_URL' : `the embedded ledger in ${dataDir}`;
    console.log(applied.length === 0 ? `${where}: up to date (${migrationFiles().length} migrations)` : `${where}: applied ${applied.join(', ')}`);
  } finally {
    await db.close();
  }
}

main().catch((err: unknown) => {
  console.error('Migration failed:', err instanceof Error ? err.message : err);
  process.exit(1);
});
