import { randomUUID } from 'node:crypto';
import type { CollectionPort } from '../../src/collections/types';
import type { Db } from '../../src/db/types';
import { silentLogger } from '../../src/logging/logger';
import { createMetrics, type Metrics } from '../../src/metrics';
import { intentIdFor } from '../../src/payments/ids';
import { composePayments, type PaymentsDeps } from '../../src/compose/payments';
import { composeSms } from '../../src/compose/sms';
import type { PaymentServiceHandle } from '../../src/payments/service';
import type { PaymentRecord, PaymentRequest } from '../../src/payments/types';
import { createRedisFactory, type RedisClient, type RedisFactory } from '../../src/redis';
import { startSandbox, type RunningSandbox } from '../../src/regideso/sandbox/server';
import type { RegidesoClient } from '../../src/regideso/types';
import { createOutboxTransport, type OutboxTransport } from '../../src/sms/outbox';
import type { SmsQueue } from '../../src/sms/queue';
import type { SmsStore } from '../../src/sms/store';
import type { SmsTransport } from '../../src/sms/transport';
import { testDb, testPglite } from '../support/db';
import { deleteKeys, newTestPrefix, testRedisFactory } from '../support/redis';
import { sandboxClient } from '../support/regideso';
import { productMessages } from '../support/texts';
import { until } from '../support/wait';

/**
 * One payment service against the sandbox REGIDESO over HTTP, a real PostgreSQL ledger (a schema of
 * this harness's own) and a real Redis under a random key prefix, with the real SMS queue sending
 * to the outbox; or, `inMemory`, the embedded default: PGlite, ioredis-mock, jobs in-process.
 * `cleanup` deletes what it made, and nothing else.
 */
export const PHONE = '+243812345990';

export interface Harness {
  sandbox: RunningSandbox;
  redis: RedisFactory;
  db: Db;
  prefix: string;
  regideso: RegidesoClient;
  outbox: OutboxTransport;
  smsStore: SmsStore;
  smsQueue: SmsQueue;
  metrics: Metrics;
  /** A payment service on this harness's ledger and Redis (call twice for a fresh worker after a crash). */
  service(overrides?: Partial<PaymentsDeps>): Promise<PaymentServiceHandle>;
  cleanup(): Promise<void>;
}

export interface HarnessOptions {
  inMemory?: boolean;
  /** With `inMemory`: PGlite keeps its data in this folder, as the embedded default does (a restart reopens it). */
  dataDir?: string;
  /**
   * A ledger the caller made and keeps open (cleanup leaves it): one PGlite shared by a file's tests,
   * emptied between them with `emptyLedger`, since starting PGlite takes seconds on a busy machine.
   */
  db?: Db;
  clientTimeoutMs?: number;
  /** Defaults to the outbox. */
  transport?: SmsTransport;
  wallet?: CollectionPort;
}

/**
 * Short waits: a retry or a settle window takes tens or hundreds of milliseconds here, not minutes.
 * The settle window stays long enough that a compare-and-set slowed by a busy machine (2 shared
 * cores, PGlite on the event loop) rarely passes a quarter of it, which withholds the PayFact
 * (src/payments/steps/pay.ts, submit) and adds a reconciliation round to the story a test tells.
 */
export const FAST_TIMINGS = {
  settleMs: 400,
  lockWaitMs: 30,
  pollMinMs: 30,
  pollMaxMs: 200,
  regidesoRetryMs: 30,
  slowPollMs: 300,
};

export async function startHarness(opts: HarnessOptions = {}): Promise<Harness> {
  const sandbox = await startSandbox();
  const prefix = newTestPrefix('payments');
  const redis = opts.inMemory === true ? createRedisFactory(undefined) : testRedisFactory();
  const pg = opts.inMemory === true || opts.db !== undefined ? undefined : await testDb('payments');
  const db = opts.db ?? pg?.db ?? (await testPglite(opts.dataDir));
  const conn: RedisClient = redis.connect('test');
  const outbox = createOutboxTransport(conn, { prefix });
  const metrics = createMetrics({ defaults: false });
  const { store: smsStore, queue: smsQueue } = composeSms({ db, transport: opts.transport ?? outbox, redis, prefix, logger: silentLogger(), metrics, tuning: { firstRetryMs: 50, maxRetryMs: 200 } });
  await smsQueue.start();
  const regideso = sandboxClient(sandbox, { timeoutMs: opts.clientTimeoutMs ?? 2000 });
  const services: PaymentServiceHandle[] = [];

  return {
    sandbox,
    redis,
    db,
    prefix,
    regideso,
    outbox,
    smsStore,
    smsQueue,
    metrics,
    async service(overrides = {}) {
      const s = composePayments({
        db,
        redis,
        prefix,
        regideso,
        wallet: opts.wallet,
        logger: silentLogger(),
        operator: 'FINCA',
        minCentimes: 10_000,
        sms: smsQueue,
        messages: productMessages(),
        retry: { attempts: 10, backoffMs: 50, jitter: 0.5 },
        timings: FAST_TIMINGS,
        sweep: { intervalMs: 200, graceMs: 300 },
        metrics,
        ...overrides,
      });
      services.push(s);
      await s.start();
      return s;
    },
    async cleanup() {
      for (const s of services) await s.close();
      await smsQueue.close();
      await sandbox.close();
      await deleteKeys(conn, prefix);
      await conn.quit();
      if (pg !== undefined) await pg.drop();
      else if (opts.db === undefined) await db.close();
    },
  };
}

/** Empties a shared ledger between tests (see HarnessOptions.db). */
export async function emptyLedger(db: Db): Promise<void> {
  await db.exec('TRUNCATE payment_events, sms_sends, sms_messages, sms_inbound, payment_intents CASCADE');
}

/** A confirm as the USSD engine sends it: subscriber 83262's bill 108776771 as GetFact shows it. */
export async function requestFor(regideso: RegidesoClient, overrides: Partial<PaymentRequest> = {}, billIds = ['108776771']): Promise<PaymentRequest> {
  const read = await regideso.getBills('83262', 'KIN');
  if (read.kind !== 'ok') throw new Error(`GetFact: ${read.kind}`);
  const bills = billIds.map((id) => {
    const b = read.bills.find((x) => x.faeId === id);
    if (b === undefined) throw new Error(`no bill ${id}`);
    return { faeId: b.faeId, billNumber: b.billNumber, issuedOn: b.issuedOn, balanceCentimes: b.balanceCentimes };
  });
  return {
    sessionId: `ATUid_${randomUUID()}`,
    sessionNonce: randomUUID().slice(0, 16),
    phoneNumber: PHONE,
    language: 'fr',
    refClient: '83262',
    province: 'KIN',
    subscriberName: 'MUKEBA MUKEBA',
    bills,
    amountCentimes: 500_000,
    ...overrides,
  };
}

export const intentOf = (req: PaymentRequest) => intentIdFor(req.sessionId, req.sessionNonce);

const FINAL = new Set(['succeeded', 'reconciled', 'failed', 'refunded', 'refund_failed', 'partial']);

/** Polls (no deadline of its own: jest's test timeout is the bound) until the record is settled. */
export async function settledRecord(service: PaymentServiceHandle, intentId: string, done: (r: PaymentRecord) => boolean = (r) => FINAL.has(r.status)): Promise<PaymentRecord> {
  for (;;) {
    const r = await service.get(intentId);
    if (r !== undefined && done(r)) return r;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/**
 * A payment's audit events without the detour a withheld PayFact adds (`payfact_withheld`, then the
 * `reconciled_not_landed` that follows it): a compare-and-set slowed by a busy machine, which
 * src/payments/steps/pay.ts answers by waiting out the settle window, not the story a test tells.
 * (test/payments/repaid.test.ts stages that detour on purpose and reads the raw events.)
 */
export function storyOf(events: string[]): string[] {
  const out: string[] = [];
  let withheld = false;
  for (const e of events) {
    if (e === 'payfact_withheld') withheld = true;
    else if (withheld && e === 'reconciled_not_landed') withheld = false;
    else out.push(e);
  }
  return out;
}

/** Waits until `check` is true. */
export async function eventually(check: () => Promise<boolean>): Promise<void> {
  await until(check, { everyMs: 25 });
}

/** The outbox's messages to a phone, once there are at least `n`. */
export async function smsTo(outbox: OutboxTransport, phone: string, n = 1): Promise<string[]> {
  for (;;) {
    const list = await outbox.list(phone);
    if (list.length >= n) return list.map((m) => m.message);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
