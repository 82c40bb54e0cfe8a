import type { Db } from '../db/types';
import { createSweeper, type Sweeper } from '../jobs/sweep';
import type { Logger } from '../logging/logger';
import type { Metrics } from '../metrics';
import type { FlagPayment } from '../payments/flags';
import { recoveredCounter } from '../payments/service';
import type { RedisFactory } from '../redis';
import { createInboundAnswerer, type InboundAnswerer } from '../sms/inbound';
import { createSmsQueue, type SmsQueue, type SmsQueueDeps } from '../sms/queue';
import { createSmsStore, type SmsStore } from '../sms/store';
import type { SmsTransport } from '../sms/transport';

/**
 * The SMS area as compose.ts wires it, and the test kits with it (test/http/sms-kit.ts,
 * test/payments/harness.ts): a wiring change is made here once.
 */

export interface SmsDeps {
  db: Db;
  transport: SmsTransport;
  redis: RedisFactory;
  prefix: string;
  logger: Logger;
  metrics: Metrics;
  /** A payment's SMS still failing puts the payment on the operator's list (payments' narrow dependency). */
  flagPayment?: FlagPayment | undefined;
  /** The queue's pace; tests shorten it. */
  tuning?: Partial<Pick<SmsQueueDeps, 'firstRetryMs' | 'maxRetryMs' | 'failingAlertMs' | 'onFailing' | 'now'>>;
}

/** What an answerer of inbound SMS needs besides the SMS store and queue. */
export type InboundDeps = Omit<Parameters<typeof createInboundAnswerer>[0], 'store' | 'queue'>;

export interface SmsArea {
  store: SmsStore;
  queue: SmsQueue;
  /** An answerer of inbound SMS, replying through this queue. */
  inbound(deps: InboundDeps): InboundAnswerer;
  /** The sweep that finds again, in the ledger, the SMS jobs of the queue and these answerers lost with Redis. */
  sweeper(answerers: InboundAnswerer[], timing: { intervalMs: number; graceMs: number; firstGraceMs?: number }): Sweeper;
}

export function composeSms(deps: SmsDeps): SmsArea {
  const { flagPayment, logger } = deps;
  const store = createSmsStore(deps.db);
  const queue = createSmsQueue({
    store,
    transport: deps.transport,
    redis: deps.redis,
    prefix: deps.prefix,
    logger,
    metrics: deps.metrics,
    ...(flagPayment === undefined
      ? {}
      : {
          onFailing: (m) => {
            if (m.intent_id === null) return;
            flagPayment(m.intent_id, 'sms_undelivered', m.last_error ?? 'failing').catch((err: unknown) => logger.warn('could not flag an undelivered payment SMS', { jobId: m.intent_id, err }));
          },
        }),
    ...deps.tuning,
  });
  return {
    store,
    queue,
    inbound: (d) => createInboundAnswerer({ store, queue, ...d }),
    sweeper: (answerers, timing) =>
      createSweeper({ sources: [queue.sweepSource, ...answerers.map((a) => a.sweepSource)], logger, ...timing, onRecovered: recoveredCounter(deps.metrics) }),
  };
}
