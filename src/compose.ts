import path from 'node:path';
import type express from 'express';
import type Redis from 'ioredis';
import type { Config } from './config';
import { createApp } from './http/app';
import { createCallbacksRouter } from './http/callbacks-router';
import { createOperatorRouter } from './http/operator-router';
import { createOutboxRouter } from './http/outbox-router';
import { createFailedAuthLimiter, requireWebhookToken } from './http/security';
import { createSmsRouter } from './http/sms-router';
import { createUssdRouter } from './http/ussd-router';
import type { Logger } from './logging/logger';
import { createMetrics } from './metrics';
import { createPaymentService, type PaymentServiceDeps } from './payments/service';
import { createRedisFactory } from './redis';
import { createRegidesoClient } from './regideso/client';
import { startSandbox } from './regideso/sandbox/server';
import { createRedisHopStore } from './sessions/hop-store';
import { createAfricasTalkingTransport } from './sms/africastalking';
import { createOutboxTransport } from './sms/outbox';
import { createSmsSender } from './sms/sender';
import type { SmsTransport } from './sms/transport';
import { createUssdEngine } from './ussd/engine';
import { loadMenu } from './ussd/menu/load';

export interface Product {
  app: express.Express;
  regidesoBaseUrl: string;
  /** Starts the payment worker. */
  start(): Promise<void>;
  /** From now on /readyz says 503, so the load balancer stops sending new traffic; requests are still served. */
  drain(): void;
  /** Lets in-flight work finish, then closes workers and connections. */
  stop(): Promise<void>;
}

export interface ComposeOptions {
  /** Overrides REDIS_KEY_PREFIX: tests pass their own. */
  prefix?: string;
  menuDir?: string;
  /** prom-client's process metrics; off in tests that build several products. */
  defaultMetrics?: boolean;
  /** Payment timings; tests shorten them to watch a retry without waiting minutes. */
  payments?: Pick<PaymentServiceDeps, 'reconcileSettleMs' | 'retry' | 'confirmWaitMs'>;
}

/** A hop must answer before the gateway's ~10 s: the engine plans its work within this. */
const HOP_BUDGET_MS = 8000;
const MENU_DIR = path.resolve(__dirname, '..', 'menus');

/**
 * The composition root: every part is built here from the config, and nowhere else. The
 * embedded default (no REDIS_URL, no REGIDESO_BASE_URL) differs only in what is passed in: an
 * in-memory Redis, the in-process sandbox REGIDESO and its key.
 */
export async function composeProduct(config: Config, logger: Logger, opts: ComposeOptions = {}): Promise<Product> {
  const prefix = opts.prefix ?? config.redisPrefix;
  const retention = config.records.retentionSeconds;
  // Fails before anything listens: a broken menu must stop the deploy, not a subscriber.
  const menu = loadMenu(opts.menuDir ?? MENU_DIR);

  const sandbox = config.regideso.baseUrl === undefined ? await startSandbox({ apiKey: config.regideso.apiKey }) : undefined;
  const regidesoBaseUrl = config.regideso.baseUrl ?? sandbox?.baseUrl ?? unreachable();

  const metrics = createMetrics({ defaults: opts.defaultMetrics ?? true });
  const redisFactory = createRedisFactory(config.redisUrl, throttled(10_000, (role, err) => logger.warn('redis connection error', { role, err })));
  // Everything on the hop's path fails fast when Redis is down, rather than hold the hop.
  const redis = redisFactory.connect('stores', { failFast: true });

  const regideso = createRegidesoClient({
    baseUrl: regidesoBaseUrl,
    apiKey: config.regideso.apiKey,
    operator: config.regideso.operator,
    timeoutMs: config.regideso.timeoutMs,
    logger,
  });

  const outbox = config.sms.transport === 'outbox' ? createOutboxTransport(redis, { prefix }) : undefined;
  const transport: SmsTransport =
    outbox ??
    (config.sms.transport === 'africastalking'
      ? createAfricasTalkingTransport({ username: config.sms.username, apiKey: config.sms.apiKey, senderId: config.sms.senderId, logger })
      : unreachable());
  // One sender for receipts and replies, so delivery reports find every message we sent.
  const sender = createSmsSender({ transport, redis, prefix, logger, metrics, ttlSeconds: retention });

  const payments = createPaymentService({
    redis: redisFactory,
    prefix,
    regideso,
    sms: sender,
    logger,
    operator: config.regideso.operator,
    minCentimes: config.payments.minCentimes,
    recordTtlSeconds: retention,
    metrics,
    ...opts.payments,
  });

  // A hop's lease outlives its budget a little: a crashed holder frees its session by then. The
  // per-phone hop count travels in the hop's first round trip (a person types a hop every few
  // seconds; 40 a minute from one phone is a script).
  const sessions = createRedisHopStore(redis, { prefix, ttlSeconds: config.ussd.sessionTtlSeconds, leaseMs: HOP_BUDGET_MS + 2000, rateWindowSeconds: 60, prefsTtlSeconds: retention });
  const engine = createUssdEngine({
    menu,
    sessions,
    regideso,
    payments,
    minPaymentCentimes: config.payments.minCentimes,
    hopBudgetMs: HOP_BUDGET_MS,
    gatewayMode: config.ussd.textMode,
    hopsPerWindow: 40,
    metrics,
    logger,
  });

  const smsRouter = createSmsRouter({ regideso, records: payments, sender, redis, prefix, logger, metrics });
  const callbacksRouter = createCallbacksRouter({
    sender,
    redis,
    prefix,
    logger,
    metrics,
    retentionSeconds: retention,
    // The menu's own screen id (a small fixed set) says where a subscriber gave up, in any language.
    screenOf: async (event) => (await sessions.peek(event.sessionId).catch(() => undefined))?.screen,
  });

  let draining = false;
  const app = createApp({
    logger,
    metrics,
    readiness: async (): Promise<Record<string, boolean>> => {
      if (draining) return { accepting: false };
      const [redisOk, regidesoOk] = await Promise.all([
        redis.ping().then((r) => r === 'PONG', () => false),
        regideso.ping(),
      ]);
      return { redis: redisOk, regideso: regidesoOk };
    },
    guard: [
      requireWebhookToken(config.webhookToken, {
        logger,
        metrics,
        failedAuthLimiter: createFailedAuthLimiter({ redis, prefix, limit: 20, windowSeconds: 60 }),
      }),
    ],
    // The outbox and the operator's view hold subscribers' data: behind the same token as the callbacks.
    callbacks: [
      createUssdRouter({ engine, logger }),
      smsRouter,
      callbacksRouter,
      createOperatorRouter(payments),
      ...(outbox ? [createOutboxRouter(outbox)] : []),
    ],
  });

  return {
    app,
    regidesoBaseUrl,
    async start() {
      if (!redisFactory.inMemory) await warnWithoutPersistence(redis, logger);
      await payments.start();
    },
    drain: () => {
      draining = true;
    },
    async stop() {
      await Promise.allSettled([smsRouter.drain(), callbacksRouter.drain()]);
      await payments.close();
      await redis.quit().catch(() => undefined);
      await sandbox?.close();
    },
  };
}

/**
 * Payment intents and jobs live in Redis: one restarted without its data forgets payments in
 * flight (money may have landed with nobody told). Managed Redis may refuse CONFIG: then say nothing.
 */
async function warnWithoutPersistence(redis: Redis, logger: Logger): Promise<void> {
  const reply: unknown = await redis.config('GET', 'appendonly').catch(() => undefined);
  if (Array.isArray(reply) && reply[1] === 'no') {
    logger.warn('Redis runs without an append-only file (appendonly no): a Redis restart would lose payments in flight; run it with appendonly yes');
  }
}

/** While Redis is down ioredis reports every reconnect attempt: one line per connection per period is enough. */
function throttled(periodMs: number, log: (role: string, err: Error) => void): (role: string, err: Error) => void {
  const last = new Map<string, number>();
  return (role, err) => {
    const now = Date.now();
    if (now - (last.get(role) ?? 0) < periodMs) return;
    last.set(role, now);
    log(role, err);
  };
}

function unreachable(): never {
  throw new Error('unreachable: the config schema rules this out');
}
