import path from 'node:path';
import type express from 'express';
import { composePaymentFlagger, composePayments } from './compose/payments';
import { composeSms } from './compose/sms';
import type { Config } from './config';
import { migrate } from './db/migrate';
import { openLedgerDb } from './db/open';
import type { Db } from './db/types';
import { createPawapayCollection } from './collections/pawapay/adapter';
import { loadCallbackPublicKey } from './collections/pawapay/signature';
import { startSandboxWallet, type RunningSandboxWallet } from './collections/sandbox/server';
import { PROVIDERS, type CollectionPort } from './collections/types';
import { createApp } from './http/app';
import { createCallbacksRouter } from './http/callbacks-router';
import { sessionCookieReader } from './http/console-auth';
import { createConsoleRouter, type WalletAvailability } from './http/console-router';
import { bearerKeyReader, createOperatorGuard, openUntilFirstKey, operatorIdentifier, warnAboutOperatorAccess } from './http/operator-auth';
import { createOperatorRouter } from './http/operator-router';
import { createReconciliationRouter } from './http/reconciliation-router';
import { createOutboxRouter } from './http/outbox-router';
import { createFailedAuthLimiter, requireWebhookToken } from './http/security';
import { createSimulatorRouter, type SimulatorWallet } from './http/simulator-router';
import { createSmsRouter } from './http/sms-router';
import { createUssdHopHandler, createUssdRouter } from './http/ussd-router';
import { simulatorLanguage } from './http/simulator-language';
import { createWalletCallbacksRouter } from './http/wallet-callbacks-router';
import { createQueueDepth } from './jobs/queue-depth';
import type { Logger } from './logging/logger';
import { throttled } from './logging/throttle';
import { createMetrics } from './metrics';
import { createOperationsGauges } from './operations/gauges';
import { createHealthSnapshot, type HealthSnapshot } from './operations/health-snapshot';
import { createConsoleSessions } from './operators/console-sessions';
import { createOperatorStore } from './operators/store';
import { createPaymentDetails } from './payments/detail';
import { createReceiptResender } from './payments/receipt-resend';
import type { PaymentServiceDeps, PaymentServiceHandle } from './payments/service';
import { createReconciliationService, type ReconciliationService } from './reconciliation/service';
import { createRedisFactory, isCluster, type RedisClient } from './redis';
import { createRegidesoClient } from './regideso/client';
import { createRegidesoWatch } from './regideso/health-watch';
import { startSandbox, type RunningSandbox } from './regideso/sandbox/server';
import { createResumer } from './resume/resumer';
import { createRedisHopStore } from './sessions/hop-store';
import { createResumeStore } from './sessions/resume-store';
import { createLookupLimiter } from './sessions/lookup-limit';
import { createSubscriberPrefs } from './sessions/subscriber-prefs';
import { rememberPaidOn } from './privacy/remember-paid';
import { createAfricasTalkingTransport } from './sms/africastalking';
import { createOutboxTransport } from './sms/outbox';
import type { SmsTransport } from './sms/transport';
import { createMessages } from './texts/catalogue';
import { createUssdEngine } from './ussd/engine';
import { loadMenu } from './ussd/menu/load';
import { createSessionFunnel } from './ussd-events/funnel';
import { paidScreensOf } from './ussd/menu/paid-screens';

export interface Product {
  app: express.Express;
  regidesoBaseUrl: string;
  /** Starts the workers and the sweeps. */
  start(): Promise<void>;
  /** The product answers at `baseUrl` now: the embedded sandbox wallet learns where to send its callbacks. */
  listening(baseUrl: string): void;
  /** From now on /readyz says 503, so the load balancer stops sending new traffic; requests are still served. */
  drain(): void;
  /** Lets in-flight work finish, then closes workers and connections. */
  stop(): Promise<void>;
  /** The parts tests look into (the sandboxes only on the embedded default). */
  parts: {
    db: Db;
    payments: PaymentServiceHandle;
    sandbox: RunningSandbox | undefined;
    sandboxWallet: RunningSandboxWallet | undefined;
    reconciliation: ReconciliationService;
    /** The console's health view (src/operations/health-snapshot.ts) and the gauges' refresh, now. */
    operations: { healthSnapshot: () => Promise<HealthSnapshot>; refreshGauges: () => Promise<void> };
  };
}

export interface ComposeOptions {
  /** Overrides REDIS_KEY_PREFIX: tests pass their own. */
  prefix?: string;
  menuDir?: string;
  /** prom-client's process metrics; off in tests that build several products. */
  defaultMetrics?: boolean;
  /** The ledger, already open and migrated (tests give each file a schema of its own). */
  db?: Db;
  /** Payment timings; tests shorten them to watch a retry without waiting minutes. */
  payments?: Pick<PaymentServiceDeps, 'timings' | 'retry' | 'confirmWaitMs' | 'initiationWaitMs' | 'worker'>;
  /** How often the sweeps look for work whose job is missing, and how late it must be (defaults 20 s, 40 s). */
  sweep?: { intervalMs: number; graceMs: number };
  /** The wallet behind the browser phone's PIN prompt; until the sandbox wallet is wired here, tests pass one. */
  simulatorWallet?: SimulatorWallet;
  /** How often REGIDESO's health is checked in the background (default 30 s). */
  regidesoCheckMs?: number;
  /** The nightly reconciliation's scheduler (default on); tests that start it by hand turn it off. */
  reconciliationSchedule?: boolean;
}

/** A hop must answer before the gateway's ~10 s: the engine plans its work within this. */
const HOP_BUDGET_MS = 8000;
const MENU_DIR = path.resolve(__dirname, '..', 'menus');
const WEB_DIR = path.resolve(__dirname, '..', 'web');
const CONSOLE_DIR = path.join(WEB_DIR, 'console');
/** One call to the wallet aggregator, from the payment job (never inside a hop). */
const WALLET_TIMEOUT_MS = 10_000;
/** A job lost with Redis is queued again within about a minute (grace + interval). */
const DEFAULT_SWEEP = { intervalMs: 20_000, graceMs: 40_000 };
/** REGIDESO's background health check: often enough for /readyz and /metrics, one GetFact-route call per 30 s. */
const REGIDESO_CHECK_MS = 30_000;
/** The operator's gauges (open flags, jobs waiting, …) are read from the ledger and Redis this often, never per scrape. */
const GAUGES_REFRESH_MS = 30_000;
/** A backstop over each reconciliation read: the REGIDESO and pawaPay clients time out sooner on their own. */
const RECONCILIATION_CALL_TIMEOUT_MS = 15_000;

async function openLedger(config: Config, logger: Logger): Promise<Db> {
  const db = await openLedgerDb(config.database, {
    onError: (err) => logger.warn('ledger connection error', { err }),
    onStaleLock: (previous) => logger.warn('the embedded ledger was left locked by a process that is gone: lock taken over', { pid: previous.pid, since: previous.since }),
  });
  const applied = await migrate(db);
  if (applied.length > 0) logger.info('ledger migrations applied', { applied });
  return db;
}

/**
 * The composition root: every part is built here from the config, and nowhere else. The
 * embedded default (no REDIS_URL, no REGIDESO_BASE_URL, no DATABASE_URL) differs only in what is
 * passed in: an in-memory Redis, the in-process sandbox REGIDESO, PGlite for the ledger.
 */
export async function composeProduct(config: Config, logger: Logger, opts: ComposeOptions = {}): Promise<Product> {
  const prefix = opts.prefix ?? config.redisPrefix;
  const retention = config.records.retentionSeconds;
  // Fails before anything listens: a broken menu must stop the deploy, not a subscriber.
  const menu = loadMenu(opts.menuDir ?? MENU_DIR);
  // The menu's catalogue holds every text the product sends: SMS and HTTP fallbacks too.
  const messages = createMessages(menu);

  const db = opts.db ?? (await openLedger(config, logger));
  const sweep = opts.sweep ?? DEFAULT_SWEEP;
  const sandbox = config.regideso.baseUrl === undefined ? await startSandbox({ apiKey: config.regideso.apiKey }) : undefined;
  const regidesoBaseUrl = config.regideso.baseUrl ?? sandbox?.baseUrl ?? unreachable();
  const collection = config.collection;
  // The embedded default collects from a pawaPay-compatible sandbox wallet, over HTTP like the real one.
  const sandboxWallet = collection.mode === 'sandbox' ? await startSandboxWallet({}) : undefined;
  const wallet: CollectionPort | undefined =
    collection.mode === 'pawapay'
      ? createPawapayCollection({ baseUrl: collection.baseUrl, apiToken: collection.apiToken, timeoutMs: WALLET_TIMEOUT_MS, logger })
      : sandboxWallet !== undefined
        ? createPawapayCollection({ baseUrl: sandboxWallet.baseUrl, apiToken: sandboxWallet.apiToken, timeoutMs: WALLET_TIMEOUT_MS, logger })
        : undefined;
  const callbackKey = collection.mode === 'pawapay' && collection.publicKeyPem !== undefined ? loadCallbackPublicKey(collection.publicKeyPem) : undefined;

  const metrics = createMetrics({ defaults: opts.defaultMetrics ?? true });
  const redisTarget = config.redisCluster !== undefined ? { cluster: config.redisCluster } : config.redisUrl;
  const redisFactory = createRedisFactory(redisTarget, throttled(10_000, (role, err) => logger.warn('redis connection error', { role, err })));
  // Everything on the hop's path fails fast when Redis is down, rather than hold the hop. Every hop
  // in flight shares this connection: its writes batched (on a single Redis, see src/redis.ts), the
  // scripts of hops that resume in the same turn reach Redis in one write and come back in one read
  // (a quarter to a third less of Redis's CPU per hop in `npm run bench`, bench/README.md round 5).
  const redis = redisFactory.connect('stores', { failFast: true, batchWrites: true });

  const regideso = createRegidesoClient({
    baseUrl: regidesoBaseUrl,
    apiKey: config.regideso.apiKey,
    operator: config.regideso.operator,
    timeoutMs: config.regideso.timeoutMs,
    logger,
  });

  // Names are private: shown whole only to a phone that has paid the reference (its preferences
  // keep the references it paid), and a phone looks up so many references a day.
  const prefs = createSubscriberPrefs(redis, { prefix, ttlSeconds: retention });
  const lookups = createLookupLimiter(redis, { prefix, perDay: config.privacy.lookupsPerPhoneDay, metrics });

  const outbox = config.sms.transport === 'outbox' ? createOutboxTransport(redis, { prefix }) : undefined;
  const transport: SmsTransport =
    outbox ??
    (config.sms.transport === 'africastalking'
      ? createAfricasTalkingTransport({ username: config.sms.username, apiKey: config.sms.apiKey, senderId: config.sms.senderId, logger })
      : unreachable());
  // A payment's SMS still failing puts the payment on the operator's list: the flag needs the ledger only.
  const sms = composeSms({ db, transport, redis: redisFactory, prefix, logger, metrics, flagPayment: composePaymentFlagger(db, metrics, logger) });
  const { store: smsStore, queue: smsQueue } = sms;

  const payments = composePayments({
    db,
    redis: redisFactory,
    prefix,
    regideso,
    wallet,
    logger,
    operator: config.regideso.operator,
    minCentimes: config.payments.minCentimes,
    sms: smsQueue,
    messages,
    metrics,
    sweep,
    onPaid: rememberPaidOn(prefs, logger),
    ...opts.payments,
  });
  const inbound = sms.inbound({ regideso, records: payments, redis: redisFactory, prefix, logger, metrics, messages, prefs, lookups });
  const smsSweeper = sms.sweeper([inbound], { ...sweep, ...(redisFactory.inMemory ? { firstGraceMs: 0 } : {}) });

  // A hop's lease outlives its budget a little: a crashed holder frees its session by then. The
  // per-phone hop count travels in the hop's first round trip (a person types a hop every few
  // seconds; 40 a minute from one phone is a script).
  const sessions = createRedisHopStore(redis, { prefix, ttlSeconds: config.ussd.sessionTtlSeconds, leaseMs: HOP_BUDGET_MS + 2000, rateWindowSeconds: 60, prefsTtlSeconds: retention });
  const engine = createUssdEngine({
    menu,
    sessions,
    regideso,
    payments,
    wallet,
    minPaymentCentimes: config.payments.minCentimes,
    hopBudgetMs: HOP_BUDGET_MS,
    gatewayMode: config.ussd.textMode,
    hopsPerWindow: 40,
    metrics,
    lookups,
    paidRefs: prefs,
    logger,
  });

  // Where sessions drop, counted once per session at its end from the session record: nothing on the hop's path.
  const funnel = createSessionFunnel({ redis, prefix, retentionSeconds: retention, paidScreens: paidScreensOf(menu) });
  const pathOf = (s: { screen: string; history: Array<[string, number]> }) => ({ screen: s.screen, shown: s.history.map(([screen]) => screen) });

  // A payment the network drops past the bills is kept for the phone, and an SMS says how to finish it.
  const resumer = createResumer({
    store: createResumeStore(redis, { prefix }),
    peek: (id) => sessions.peek(id),
    resumable: menu.resumable ?? [],
    messages,
    sms: smsQueue,
    logger,
    metrics,
    // The expiry scan is the only sign of a session no notice ended: the funnel counts it there.
    onExpired: (s) => funnel.count(pathOf(s), 'expired'),
  });
  const callbacksRouter = createCallbacksRouter({
    smsStore,
    smsQueue,
    redis,
    prefix,
    logger,
    metrics,
    retentionSeconds: retention,
    // The menu's own screen id (a small fixed set) says where a subscriber gave up, in any language.
    screenOf: async (event) => (await sessions.peek(event.sessionId).catch(() => undefined))?.screen,
    onSessionEnd: (event) => resumer.sessionEnded(event),
    onSessionEnded: async (event) => {
      const s = await sessions.peek(event.sessionId);
      await funnel.count(s === undefined ? undefined : pathOf(s), event.status);
    },
  });

  // REGIDESO's health, checked in the background: information for /readyz and /metrics, never a call per request.
  const regidesoWatch = createRegidesoWatch({ ping: () => regideso.ping(), intervalMs: opts.regidesoCheckMs ?? REGIDESO_CHECK_MS, metrics, logger });

  // The daily reconciliation with REGIDESO and pawaPay, and what the operator watches besides.
  const reconciliation = createReconciliationService({
    db,
    ledger: payments.ledger,
    flag: (id, reason, detail) => payments.flag(id, reason, detail),
    ports: { verify: (n, province) => regideso.verifyTransaction(n, province), wallet, callTimeoutMs: RECONCILIATION_CALL_TIMEOUT_MS },
    logger,
  });
  const queueDepth = createQueueDepth({ redis: redisFactory, prefix, queues: ['payments', 'sms', 'sms-inbound'] });
  const gauges = createOperationsGauges({ db, queueDepth, reconciliation: reconciliation.store, metrics, logger, intervalMs: GAUGES_REFRESH_MS });
  const healthSnapshot = createHealthSnapshot({ db, regidesoWatch, queueDepth });

  // Operators' own keys, checked in the ledger on every request; the webhook token opens none of their routes.
  const operators = createOperatorStore(db);
  await warnAboutOperatorAccess(operators.any, config.production, logger);
  // The console's sign-in sessions: a second reader after the Bearer key, so the same roles apply.
  const consoleSessions = createConsoleSessions({ redis, prefix });
  const operatorReaders = [bearerKeyReader(operators.authenticate), sessionCookieReader({ sessions: consoleSessions, authenticateHash: operators.authenticateHash })];
  const openWithoutKeys = config.production ? undefined : openUntilFirstKey(operators.any);
  const operatorFailedAuth = createFailedAuthLimiter({ redis, prefix, limit: 20, windowSeconds: 60 });
  const requireOperator = createOperatorGuard({
    readers: operatorReaders,
    ...(openWithoutKeys !== undefined ? { openWithoutKeys } : {}),
    logger,
    failedAuthLimiter: operatorFailedAuth,
  });

  let draining = false;
  const app = createApp({
    logger,
    metrics,
    messages,
    readiness: async (): Promise<{ required: Record<string, boolean>; info?: Record<string, boolean> }> => {
      if (draining) return { required: { accepting: false } };
      const [redisOk, ledgerOk] = await Promise.all([redis.ping().then((r) => r === 'PONG', () => false), db.ping()]);
      return { required: { redis: redisOk, ledger: ledgerOk }, info: { regideso: regidesoWatch.last()?.up ?? false } };
    },
    metricsToken: config.metricsToken,
    trustProxy: config.trustProxy,
    tokenGuard: requireWebhookToken(config.webhookToken, {
      logger,
      metrics,
      failedAuthLimiter: createFailedAuthLimiter({ redis, prefix, limit: 20, windowSeconds: 60 }),
    }),
    operators: [
      // First: its forgery guard sees every state-changing operator request.
      createConsoleRouter({
        webDir: CONSOLE_DIR,
        sessions: consoleSessions,
        authenticate: operators.authenticate,
        identify: operatorIdentifier(operatorReaders),
        ...(openWithoutKeys !== undefined ? { openWithoutKeys } : {}),
        requireOperator,
        failedAuthLimiter: operatorFailedAuth,
        health: healthSnapshot,
        ...(wallet !== undefined ? { availability: () => walletAvailability(wallet) } : {}),
        funnel: (day) => funnel.read(day),
        logger,
      }),
      createOperatorRouter({
        payments,
        details: createPaymentDetails(db, payments.ledger),
        requireOperator,
        resendReceipt: createReceiptResender(db, { sendNow: (ids) => smsQueue.sendNow(ids) }),
        logger,
      }),
      createReconciliationRouter({ reconciliation, requireOperator, logger }),
    ],
    ussdHop: createUssdHopHandler({ engine, logger, messages }),
    // The outbox holds subscribers' data: behind the same token as the callbacks.
    callbacks: [
      createUssdRouter({ engine, logger, messages }),
      createSmsRouter({ inbound, redis, prefix, logger, metrics }),
      callbacksRouter,
      ...(wallet !== undefined ? [createWalletCallbacksRouter({ nudge: (ref) => payments.nudge(ref), publicKey: callbackKey, logger, metrics })] : []),
      ...(outbox ? [createOutboxRouter(outbox)] : []),
      // The browser phone: a demo of the gateway routes above, so behind the same token.
      ...(config.simulator ? [createSimulatorRouter({ webDir: WEB_DIR, tokenConfigured: config.webhookToken !== undefined, wallet: opts.simulatorWallet ?? sandboxWallet?.simulator, language: simulatorLanguage(redis, prefix, retention) })] : []),
    ],
  });

  return {
    app,
    regidesoBaseUrl,
    parts: { db, payments, sandbox, sandboxWallet, reconciliation, operations: { healthSnapshot, refreshGauges: () => gauges.refresh() } },
    async start() {
      if (!redisFactory.inMemory) await warnWithoutPersistence(redis, logger);
      await regidesoWatch.start();
      await Promise.all([payments.start(), smsQueue.start(), inbound.start()]);
      smsSweeper.start();
      resumer.start();
      await gauges.start();
      if (opts.reconciliationSchedule ?? true) reconciliation.startSchedule();
    },
    listening(baseUrl) {
      const token = config.webhookToken === undefined ? '' : `?token=${encodeURIComponent(config.webhookToken)}`;
      sandboxWallet?.setCallbackUrls({ deposit: `${baseUrl}/collections/pawapay/deposits${token}`, refund: `${baseUrl}/collections/pawapay/refunds${token}` });
    },
    drain: () => {
      draining = true;
    },
    async stop() {
      regidesoWatch.close();
      await resumer.close();
      gauges.close();
      await reconciliation.close();
      await smsSweeper.close();
      await payments.close();
      await Promise.all([inbound.close(), smsQueue.close(), queueDepth.close()]);
      await redis.quit().catch(() => undefined);
      await sandbox?.close();
      await sandboxWallet?.close();
      if (opts.db === undefined) await db.close();
    },
  };
}

/**
 * BullMQ jobs live in Redis: one restarted without its data loses queued work until the sweep
 * finds it again in the ledger. Managed Redis may refuse CONFIG: then say nothing. On a cluster
 * every node is asked (a replica promoted by a failover must keep the file too).
 */
async function warnWithoutPersistence(redis: RedisClient, logger: Logger): Promise<void> {
  await redis.ping().catch(() => undefined);
  const nodes = isCluster(redis) ? redis.nodes('all') : [redis];
  const replies = await Promise.all(nodes.map((n) => n.config('GET', 'appendonly').catch(() => undefined) as Promise<unknown>));
  if (replies.some((reply) => Array.isArray(reply) && reply[1] === 'no')) {
    logger.warn('Redis runs without an append-only file (appendonly no): after a Redis restart, queued work waits for the sweep to find it in the ledger; run it with appendonly yes');
  }
}

function unreachable(): never {
  throw new Error('unreachable: the config schema rules this out');
}

/**
 * Each wallet's deposits as the console's health view shows them, from the rules the wallet port
 * keeps (pawaPay's active configuration and availability, cached and refreshed in the background):
 * a provider left out is closed, one marked delayed is slow. No call to pawaPay of its own.
 */
async function walletAvailability(wallet: CollectionPort): Promise<WalletAvailability[]> {
  const rules = await wallet.providerRules();
  return PROVIDERS.map((provider) => {
    const rule = rules.find((r) => r.provider === provider);
    return { provider, deposits: rule === undefined ? 'CLOSED' : rule.delayed === true ? 'DELAYED' : 'OPERATIONAL' };
  });
}
