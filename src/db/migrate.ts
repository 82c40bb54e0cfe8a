import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Db } from './types';

/**
 * The migration tool: plain SQL files under `migrations/`, named `NNN_what.sql`, applied in order
 * at start-up, each once, recorded in `schema_migrations`. Ours rather than a library's because it
 * must run the same files on node-postgres and on PGlite (the embedded default), which the usual
 * tools (node-pg-migrate, Flyway) do not drive; it is short enough to read in one go.
 *
 * All pending files run in one transaction under an advisory lock, so several instances starting
 * together apply them once, and a failing file leaves the schema as it was.
 */
export const MIGRATIONS_DIR = path.resolve(__dirname, '..', '..', 'migrations');

const FILE = /^(\d{3,})_[a-z0-9_]+\.sql$/;

export function migrationFiles(dir: string = MIGRATIONS_DIR): Array<{ version: string; file: string }> {
  const files = readdirSync(dir).filter((f) => f.endsWith('.sql')).sort();
  return files.map((f) => {
    if (!FILE.test(f)) throw new Error(`migration file ${f}: name it NNN_what.sql`);
    return { version: f.replace(/\.sql$/, ''), file: path.join(dir, f) };
  });
}

/** Applies what is pending; returns the versions applied now (empty when up to date). */
export async function migrate(db: Db, dir: string = MIGRATIONS_DIR): Promise<string[]> {
  const files = migrationFiles(dir);
  return db.transaction(async (tx) => {
    // One key per schema: test files each migrate a schema of their own, side by side.
    await tx.query(`SELECT pg_advisory_xact_lock(hashtext('regideso-migrations:' || current_schema()))`);
    await tx.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (version text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`);
    const done = new Set((await tx.query<{ version: string }>('SELECT version FROM schema_migrations')).rows.map((r) => r.version));
    const applied: string[] = [];
    for (const m of files) {
      if (done.has(m.version)) continue;
      await tx.exec(readFileSync(m.file, 'utf8'));
      await tx.query('INSERT INTO schema_migrations (version) VALUES ($1)', [m.version]);
      applied.push(m.version);
    }
    return applied;
  });
}
