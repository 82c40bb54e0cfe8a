import { randomBytes } from 'node:crypto';
import { Queue } from 'bullmq';
import { startSandboxWallet, type RunningSandboxWallet, type SandboxWalletOptions } from '../../src/collections/sandbox/server';
import type { Db } from '../../src/db/types';
import { queuePrefix } from '../../src/jobs/bullmq-runner';
import { startSandbox, type RunningSandbox } from '../../src/regideso/sandbox/server';
import { DATABASE_TEST_URL, schemaUrl, testDb } from './db';
import { connectTestRedis, deletePrefix, REDIS_ENV } from './redis';
import { until } from './wait';

/**
 * The environment of a product process (or several, as behind a load balancer) that collects from
 * the wallet as from pawaPay: the given Redis and key prefix, one PostgreSQL schema, and the
 * sandboxes REGIDESO and wallet the caller started (so PayFacts and deposits can be counted).
 */
export function walletProductEnv(o: {
  redis: Readonly<Record<string, string>>;
  prefix: string;
  databaseUrl: string;
  schema: string;
  regideso: Pick<RunningSandbox, 'baseUrl' | 'apiKey'>;
  wallet: Pick<RunningSandboxWallet, 'baseUrl' | 'apiToken'>;
  logLevel?: string;
}): Record<string, string> {
  return {
    LOG_LEVEL: o.logLevel ?? 'warn',
    ...o.redis,
    REDIS_KEY_PREFIX: o.prefix,
    DATABASE_URL: schemaUrl(o.databaseUrl, o.schema),
    REGIDESO_BASE_URL: o.regideso.baseUrl,
    REGIDESO_API_KEY: o.regideso.apiKey,
    REGIDESO_OPERATOR: 'FINCA',
    COLLECTION: 'pawapay',
    PAWAPAY_BASE_URL: o.wallet.baseUrl,
    PAWAPAY_API_TOKEN: o.wallet.apiToken,
    SMS_TRANSPORT: 'outbox',
  };
}

/** What product processes collecting from the wallet share, of a test file's own: its Redis prefix, its ledger schema, its sandboxes. */
export interface WalletRig {
  regideso: RunningSandbox;
  wallet: RunningSandboxWallet;
  /** The ledger the processes write, read by the test: empty until a process migrates it at start-up. */
  ledger: Db;
  prefix: string;
  /** The environment of each product process (walletProductEnv). */
  env: Record<string, string>;
  /** Stops the sandboxes, drops the schema and deletes the prefix's keys (stop the processes first). */
  close(): Promise<void>;
}

/** `area` names the schema and the prefix (letters and digits): whose leftovers they are, if a run is killed. */
export async function startWalletRig(area: string, walletOptions: SandboxWalletOptions = {}): Promise<WalletRig> {
  const prefix = `t${area}${randomBytes(4).toString('hex')}:`;
  const [regideso, wallet, pg] = await Promise.all([startSandbox(), startSandboxWallet(walletOptions), testDb(area, { migrated: false })]);
  return {
    regideso,
    wallet,
    ledger: pg.db,
    prefix,
    env: walletProductEnv({ redis: REDIS_ENV, prefix, databaseUrl: DATABASE_TEST_URL, schema: pg.schema, regideso, wallet }),
    async close() {
      await Promise.allSettled([regideso.close(), wallet.close()]);
      await pg.drop();
      await deletePrefix(prefix);
    },
  };
}

const QUEUES = ['payments', 'sms', 'sms-inbound'];

/**
 * Waits until no job waits, is delayed or runs in any of the product's queues under `prefix` (on
 * the tests' Redis; finished jobs are removed): what a dead instance held has been taken over and
 * done, and nothing more can run. A check that throws (a server still down) is "not yet".
 */
export async function queuesEmpty(prefix: string): Promise<void> {
  const conn = connectTestRedis();
  const queues = QUEUES.map((name) => new Queue(name, { connection: conn, prefix: queuePrefix(prefix) }));
  try {
    await until(
      async () => {
        for (const q of queues) {
          const counts = await q.getJobCounts('active', 'wait', 'delayed', 'prioritized', 'waiting-children');
          if (Object.values(counts).some((n) => n > 0)) return false;
        }
        return true;
      },
      { retryOnError: true, everyMs: 200 },
    );
  } finally {
    await Promise.all(queues.map((q) => q.close()));
    conn.disconnect();
  }
}
