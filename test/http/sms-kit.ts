import { randomBytes } from 'node:crypto';
import { createPostgresDb } from '../../src/db/postgres';
import type { Db } from '../../src/db/types';
import { composeSms, type SmsDeps } from '../../src/compose/sms';
import type { Sweeper } from '../../src/jobs/sweep';
import { silentLogger, type Logger } from '../../src/logging/logger';
import { createMetrics, type Metrics } from '../../src/metrics';
import type { PaymentRecord, PaymentRecords } from '../../src/payments/types';
import type { RedisClient, RedisFactory } from '../../src/redis';
import type { RegidesoClient } from '../../src/regideso/types';
import { createLookupLimiter } from '../../src/sessions/lookup-limit';
import { createSubscriberPrefs } from '../../src/sessions/subscriber-prefs';
import type { SubscriberPrefs } from '../../src/sessions/types';
import type { InboundAnswerer } from '../../src/sms/inbound';
import { createOutboxTransport, type OutboxTransport } from '../../src/sms/outbox';
import type { SmsQueue } from '../../src/sms/queue';
import type { SmsMessage, SmsStore } from '../../src/sms/store';
import type { OutboxMessage, RetryReason, SmsSendOutcome, SmsTransport } from '../../src/sms/transport';
import { DATABASE_TEST_URL, testDb, type TestDb } from '../support/db';
import { deleteKeys, newTestPrefix, testRedisFactory } from '../support/redis';
import { hostPortOf, startTcpProxy, viaProxy, type TcpProxy } from '../support/tcp-proxy';
import { productMessages } from '../support/texts';
import { until } from '../support/wait';

/**
 * Shared pieces of the SMS and callback tests: the SMS side as compose.ts builds it (the store on a
 * PostgreSQL schema of the file's own, the durable queue and the inbound answerer on BullMQ under a
 * Redis prefix of the file's own), with the real outbox transport behind a gateway the test can
 * take down, and records for the keyword commands.
 */

/** The real outbox transport, with the message id it hands out for each send remembered. */
export interface RecordingOutbox extends OutboxTransport {
  sent: Array<{ to: string; message: string; id: string }>;
}

export function outboxWithIds(redis: RedisClient, prefix: string): RecordingOutbox {
  const outbox = createOutboxTransport(redis, { prefix });
  const sent: RecordingOutbox['sent'] = [];
  return {
    name: 'outbox',
    async send(to, message) {
      const out = await outbox.send(to, message);
      if (out.kind === 'sent' && out.messageId !== undefined) sent.push({ to, message, id: out.messageId });
      return out;
    },
    list: (to) => outbox.list(to),
    sent,
  };
}

/**
 * The gateway as the queue sees it: the outbox, unless the test takes it down (`down`: every send
 * answers `retry` with that reason, as Africa's Talking does when it is down, or our key or credit
 * is refused) or makes one number refused (`refuse`: the recipient's, final).
 */
export interface Gateway extends SmsTransport {
  down: RetryReason | undefined;
  refuse: Set<string>;
  /** Every hand-over, failed ones included, oldest first. */
  tries: Array<{ to: string; message: string; outcome: SmsSendOutcome['kind'] }>;
}

export function gatewayOver(outbox: SmsTransport): Gateway {
  const g: Gateway = {
    name: 'africastalking',
    down: undefined,
    refuse: new Set(),
    tries: [],
    async send(to, message) {
      let out: SmsSendOutcome;
      if (g.refuse.has(to)) out = { kind: 'refused', message: '406 UserInBlacklist' };
      else if (g.down !== undefined) out = { kind: 'retry', reason: g.down, message: `${g.down} failure staged by the test` };
      else out = await outbox.send(to, message);
      g.tries.push({ to, message, outcome: out.kind });
      return out;
    },
  };
  return g;
}

export interface SmsStack {
  pg: TestDb;
  db: Db;
  /** Set with `ledgerProxy`: the ledger's connections go through it, so a test can cut them. */
  proxy: TcpProxy | undefined;
  redis: RedisClient;
  factory: RedisFactory;
  prefix: string;
  metrics: Metrics;
  logger: Logger;
  outbox: RecordingOutbox;
  gateway: Gateway;
  smsStore: SmsStore;
  smsQueue: SmsQueue;
  /** The phones' preferences on the stack's prefix: the references each has paid. */
  prefs: SubscriberPrefs;
  /**
   * An inbound answerer on this stack (a process's worth); `start: false` leaves its worker off.
   * Answerers on one prefix share one job queue; `prefix` (under the stack's) gives one a queue of its own.
   */
  answerer(deps: { regideso: RegidesoClient; records: PaymentRecords; start?: boolean; prefix?: string; lookupsPerDay?: number }): Promise<InboundAnswerer>;
  /** The SMS sweep as compose.ts runs it, over the queue and the answerers made so far; no timer. */
  sweeper(): Sweeper;
  cleanup(): Promise<void>;
}

export interface SmsStackOptions {
  logger?: Logger;
  /** The ledger through a TCP relay the test can cut (PostgreSQL unreachable). */
  ledgerProxy?: boolean;
  queue?: SmsDeps['tuning'];
}

export async function smsStack(area: string, opts: SmsStackOptions = {}): Promise<SmsStack> {
  const pg = await testDb(area);
  const proxy = opts.ledgerProxy === true ? await startTcpProxy(hostPortOf(DATABASE_TEST_URL)) : undefined;
  const db = proxy === undefined ? pg.db : createPostgresDb({ url: viaProxy(DATABASE_TEST_URL, proxy), schema: pg.schema, max: 3, statementTimeoutMs: 2000 });
  const factory = testRedisFactory();
  const redis = factory.connect('test');
  const prefix = newTestPrefix(area);
  const metrics = createMetrics({ defaults: false });
  const logger = opts.logger ?? silentLogger();
  const outbox = outboxWithIds(redis, prefix);
  const gateway = gatewayOver(outbox);
  const sms = composeSms({ db, transport: gateway, redis: factory, prefix, logger, metrics, tuning: { firstRetryMs: 40, maxRetryMs: 160, ...opts.queue } });
  const { store: smsStore, queue: smsQueue } = sms;
  await smsQueue.start();
  const answerers: InboundAnswerer[] = [];

  return {
    pg,
    db,
    proxy,
    redis,
    factory,
    prefix,
    metrics,
    logger,
    outbox,
    gateway,
    smsStore,
    smsQueue,
    prefs: createSubscriberPrefs(redis, { prefix, ttlSeconds: 3600 }),
    async answerer(deps) {
      const p = deps.prefix ?? prefix;
      const a = sms.inbound({
        regideso: deps.regideso,
        records: deps.records,
        redis: factory,
        prefix: p,
        logger,
        metrics,
        messages: productMessages(),
        prefs: createSubscriberPrefs(redis, { prefix: p, ttlSeconds: 3600 }),
        lookups: createLookupLimiter(redis, { prefix: p, perDay: deps.lookupsPerDay ?? 10, metrics }),
      });
      answerers.push(a);
      if (deps.start !== false) await a.start();
      return a;
    },
    sweeper: () => sms.sweeper(answerers, { graceMs: 0, intervalMs: 3_600_000 }),
    async cleanup() {
      for (const a of answerers) await a.close();
      await smsQueue.close();
      await deleteKeys(redis, prefix);
      await redis.quit();
      if (proxy !== undefined) {
        await db.close().catch(() => undefined);
        await proxy.close();
      }
      await pg.drop();
    },
  };
}

/** Polls until `check` gives a value (no deadline of its own: jest's test timeout is the bound). */
export { until };

/** The outbox's messages to `to`, newest first, once there are at least `n`. */
export function messagesTo(outbox: OutboxTransport, to: string, n: number): Promise<OutboxMessage[]> {
  return until(async () => {
    const list = await outbox.list(to);
    return list.length >= n ? list : undefined;
  });
}

/** One SMS row once `done` holds for it. */
export function smsRow(store: SmsStore, id: string, done: (m: SmsMessage) => boolean): Promise<SmsMessage> {
  return until(async () => {
    const m = await store.load(id);
    return m !== undefined && done(m) ? m : undefined;
  });
}

/** Every SMS row to one number: what was (or is still to be) sent to it. */
export async function rowsTo(db: Db, recipient: string): Promise<Array<{ id: string; kind: string; status: string; attempts: number; resends: number }>> {
  const r = await db.query<{ id: string; kind: string; status: string; attempts: number; resends: number }>(
    'SELECT id, kind, status, attempts, resends FROM sms_messages WHERE recipient = $1 ORDER BY created_at',
    [recipient],
  );
  return r.rows;
}

/** The payments' records as the interface promises them, in a list (the real ledger is another part). */
export function memoryRecords(list: PaymentRecord[]): PaymentRecords {
  return {
    get: async (id) => list.find((r) => r.intentId === id),
    findByNumAcquit: async (n) => list.find((r) => r.numAcquit === n),
    recentByPhone: async (phone, limit) =>
      list
        .filter((r) => r.phoneNumber === phone)
        .sort((a, b) => b.createdAt.localeCompare(a.createdAt))
        .slice(0, limit),
  };
}

export function record(overrides: Partial<PaymentRecord>): PaymentRecord {
  return {
    intentId: `intent-${randomBytes(4).toString('hex')}`,
    sessionId: `ATUid_${randomBytes(4).toString('hex')}`,
    phoneNumber: '+243810000001',
    language: 'fr',
    refClient: '83262',
    province: 'KIN',
    subscriberName: 'MUKEBA MUKEBA',
    billIds: ['108776771'],
    amountCentimes: 10_000,
    status: 'succeeded',
    numAcquit: null,
    ownReference: false,
    remainingCentimes: null,
    failureMessage: null,
    collection: 'none',
    provider: null,
    depositId: null,
    depositStatus: null,
    providerTransactionId: null,
    refundId: null,
    refundStatus: null,
    flagReason: null,
    flaggedAt: null,
    resolvedAt: null,
    resolvedBy: null,
    resolutionNote: null,
    createdAt: '2025-01-29T09:42:58.000Z',
    updatedAt: '2025-01-29T09:42:58.000Z',
    ...overrides,
  };
}

/** Sample value of one prom-client series in the text exposition (labels in any order), or undefined. */
export function metricValue(text: string, name: string, labels: Record<string, string>): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(name + '{') && line !== name && !line.startsWith(name + ' ')) continue;
    const m = /^([^{\s]+)(?:\{(.*)\})?\s+(\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const got: Record<string, string> = {};
    for (const pair of (m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) got[pair[1] ?? ''] = pair[2] ?? '';
    if (Object.entries(labels).every(([k, v]) => got[k] === v) && Object.keys(got).length === Object.keys(labels).length) return Number(m[3]);
  }
  return undefined;
}

/** The series' value now, 0 when absent. */
export async function metricNow(metrics: Metrics, name: string, labels: Record<string, string>): Promise<number> {
  return metricValue(await metrics.registry.metrics(), name, labels) ?? 0;
}
