import { randomBytes } from 'node:crypto';
import vm from 'node:vm';
import { migrate } from '../../src/db/migrate';
import { createPgliteDb } from '../../src/db/pglite';
import { createPostgresDb } from '../../src/db/postgres';
import type { Db } from '../../src/db/types';

/** The PostgreSQL the tests use; CI starts it (.ci/run). Each test file gets a schema of its own. */
export const DATABASE_TEST_URL = process.env.DATABASE_TEST_URL ?? 'postgres://root@127.0.0.1:5432/test';

/** A DATABASE_URL for a product process whose ledger is `schema` (its tables, and its migrations, there). */
export const schemaUrl = (url: string, schema: string): string => `${url}?options=${encodeURIComponent(`-c search_path=${schema}`)}`;

export interface TestDb {
  db: Db;
  schema: string;
  /** A DATABASE_URL naming this schema, for a product process. */
  url: string;
  /** Another pool on the same schema (a second product process, say). */
  connect(): Db;
  /** Drops this file's schema (its own, never a shared one) and closes the pools. */
  drop(): Promise<void>;
}

/** `migrated: false` leaves the schema empty, for product processes that migrate it at start-up. */
export async function testDb(area: string, { migrated = true }: { migrated?: boolean } = {}): Promise<TestDb> {
  const schema = `t_${area.replace(/[^a-z0-9]/gi, '_').toLowerCase()}_${randomBytes(4).toString('hex')}`;
  const admin = createPostgresDb({ url: DATABASE_TEST_URL, max: 1 });
  await admin.query(`CREATE SCHEMA ${schema}`);
  const pools: Db[] = [];
  const connect = () => {
    const db = createPostgresDb({ url: DATABASE_TEST_URL, schema, max: 5 });
    pools.push(db);
    return db;
  };
  const db = connect();
  if (migrated) await migrate(db);
  return {
    db,
    schema,
    url: schemaUrl(DATABASE_TEST_URL, schema),
    connect,
    async drop() {
      await Promise.allSettled(pools.map((p) => p.close()));
      await admin.query(`DROP SCHEMA ${schema} CASCADE`);
      await admin.close();
    },
  };
}

/**
 * PGlite loads Node built-ins with a dynamic `import()`, which jest's module sandbox only serves when
 * Node runs with --experimental-vm-modules; without it the import rejects inside PGlite, unhandled,
 * and takes the whole jest process down. Said plainly here instead, as a failing test.
 */
export function assertPgliteCanLoad(): void {
  // Outside jest (a script, the bench) there is no module sandbox to get in the way.
  if (process.env.JEST_WORKER_ID === undefined) return;
  if (typeof (vm as { SyntheticModule?: unknown }).SyntheticModule !== 'function') {
    throw new Error('PGlite under jest needs NODE_OPTIONS=--experimental-vm-modules (run `NODE_OPTIONS=--experimental-vm-modules npx jest …`)');
  }
}

/** The embedded default's ledger: PGlite in memory (or in `dataDir`), migrated. */
export async function testPglite(dataDir?: string): Promise<Db> {
  assertPgliteCanLoad();
  const db = await createPgliteDb(dataDir === undefined ? {} : { dataDir });
  await migrate(db);
  return db;
}
