import { Queue } from 'bullmq';
import type { RunningSandboxWallet } from '../../src/collections/sandbox/server';
import { queuePrefix } from '../../src/jobs/bullmq-runner';
import type { RunningSandbox } from '../../src/regideso/sandbox/server';
import { connectTestRedis } from './redis';
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
    DATABASE_URL: `${o.databaseUrl}?options=${encodeURIComponent(`-c search_path=${o.schema}`)}`,
    REGIDESO_BASE_URL: o.regideso.baseUrl,
    REGIDESO_API_KEY: o.regideso.apiKey,
    REGIDESO_OPERATOR: 'FINCA',
    COLLECTION: 'pawapay',
    PAWAPAY_BASE_URL: o.wallet.baseUrl,
    PAWAPAY_API_TOKEN: o.wallet.apiToken,
    SMS_TRANSPORT: 'outbox',
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
