import { Queue } from 'bullmq';
import type { RedisClient } from '../../src/redis';
import type { Db } from '../../src/db/types';
import { queuePrefix } from '../../src/jobs/bullmq-runner';
import { silentLogger } from '../../src/logging/logger';
import { newIntent, type Intent } from '../../src/payments/intent';
import { createPaymentJob } from '../../src/payments/job';
import { createLedger, type Ledger } from '../../src/payments/ledger';
import { createPaymentMetrics } from '../../src/payments/metrics';
import type { PaymentServiceHandle } from '../../src/payments/service';
import { createLocalSettleSignal } from '../../src/payments/settle-signal';
import { DEFAULT_TIMINGS } from '../../src/payments/steps/change';
import type { PaymentRequest } from '../../src/payments/types';
import { metricValue } from '../support/metrics';
import { deleteKeys } from '../support/redis';
import { eventually, FAST_TIMINGS, intentOf, PHONE, requestFor, settledRecord, smsTo, startHarness, storyOf, type Harness } from './harness';
import { receiptTexts } from '../../src/payments/sms-texts';
import { productMessages } from '../support/texts';
import { queueSmsIn } from '../../src/sms/store';

/**
 * The ledger is the truth, the queue a means: every so often the sweep lists the open intents whose
 * next look is past by a grace period and makes sure a job exists for each. A job lost with Redis,
 * dropped after its attempts, or never queued is found again; a job waiting its turn is left alone;
 * and a stale run that wakes up loses its compare-and-set and stops. The ledger in PostgreSQL,
 * BullMQ on the real Redis, the sandbox over HTTP.
 */
let h: Harness;
let conn: RedisClient;
let queue: Queue;
beforeEach(async () => {
  h = await startHarness();
  // The test's own look at the service's BullMQ queue (same name and hash-tagged prefix).
  conn = h.redis.connect('test-queue');
  queue = new Queue('payments', { connection: conn, prefix: queuePrefix(h.prefix) });
});
afterEach(async () => {
  await queue.close();
  await h.cleanup();
  await conn.quit();
});

/** Sweeps only when the test says so; `await`s the pass start() began, so later calls count alone. */
async function onDemand(overrides: Parameters<Harness['service']>[0] = {}): Promise<PaymentServiceHandle> {
  const service = await h.service({ sweep: { intervalMs: 3_600_000, graceMs: 300 }, ...overrides });
  await service.sweep();
  return service;
}

/** What confirm writes, with no job queued for it (the queue was unreachable, or lost it). */
function intentFor(req: PaymentRequest, patch: Partial<Intent> = {}, at = new Date(Date.now() - 2000)): Intent {
  return { ...newIntent(req, intentOf(req), { operator: 'FINCA', collection: 'none', at }), ...patch };
}

const events = async (service: PaymentServiceHandle, id: string) => storyOf((await service.auditTrail(id)).map((e) => e.event));

/** Every GetFact fails from now on (the client tries each twice), until `clear`. */
function regidesoUnreadable(): { clear(): void } {
  for (let i = 0; i < 2000; i++) h.sandbox.faults.getFact.push({ kind: 'error500' });
  return { clear: () => (h.sandbox.faults.getFact.length = 0) };
}

describe('work whose job is missing is found in the ledger and finished once', () => {
  it('an intent recorded but never queued: the sweep queues it, PayFact once, receipt once', async () => {
    const service = await onDemand();
    const req = await requestFor(h.regideso);
    const id = intentOf(req);
    await service.ledger.create(intentFor(req), { events: [{ event: 'confirmed' }] });
    expect(await queue.getJob(id)).toBeUndefined();

    expect(await service.sweep()).toBe(1);
    const record = await settledRecord(service, id);
    expect(record).toMatchObject({ status: 'succeeded', flagReason: null });
    expect(h.sandbox.calls.payFact).toBe(1);
    expect(h.sandbox.payments()).toHaveLength(1);
    expect(await events(service, id)).toEqual(['confirmed', 'payfact_sent', 'paid']);
    await eventually(async () => (await h.smsStore.load(`${id}-receipt`))?.status === 'sent');
    const texts = await h.outbox.list(PHONE);
    expect(texts).toHaveLength(1);
    expect(texts[0]?.message).toContain(record.numAcquit);
    // Settled: nothing left to sweep.
    expect(await service.sweep()).toBe(0);
    expect(await metricValue(h.metrics.registry, 'jobs_recovered_total{queue="payments"}')).toBe(1);
  });

  it('two instances sweeping the same intent at once: one job, PayFact once', async () => {
    const a = await onDemand();
    const b = await onDemand();
    const req = await requestFor(h.regideso);
    await a.ledger.create(intentFor(req));
    await Promise.all([a.sweep(), b.sweep(), a.sweep(), b.sweep()]);
    const record = await settledRecord(a, intentOf(req));
    expect(record.status).toBe('succeeded');
    expect(h.sandbox.calls.payFact).toBe(1);
    expect(h.sandbox.payments()).toHaveLength(1);
    expect(await events(a, intentOf(req))).toEqual(['payfact_sent', 'paid']);
  });

  it("an intent whose BullMQ job vanished with Redis' keys: found once its next look is due, paid once", async () => {
    // REGIDESO down: the job waits a minute before it looks again (a delayed job, next_check_at a minute away).
    const service = await onDemand({ confirmWaitMs: 100, timings: { ...FAST_TIMINGS, regidesoRetryMs: 60_000, slowPollMs: 60_000 } });
    const req = await requestFor(h.regideso);
    const id = intentOf(req);
    const down = regidesoUnreadable();
    await service.confirm(req);
    await eventually(async () => (await queue.getJobState(id)) === 'delayed');

    // Redis loses the queue (restarted empty, failed over): every key of it goes.
    await deleteKeys(conn, queuePrefix(h.prefix));
    expect(await queue.getJob(id)).toBeUndefined();
    down.clear();
    // Not yet due: the ledger says the job meant to look in a minute, and the sweep trusts it until then.
    expect(await service.sweep()).toBe(0);
    expect(await service.ledger.load(id)).toMatchObject({ status: 'pending' });

    // The minute passes.
    await service.ledger.postpone(id, new Date(Date.now() - 1000));
    expect(await service.sweep()).toBe(1);
    const record = await settledRecord(service, id);
    expect(record.status).toBe('succeeded');
    expect(h.sandbox.calls.payFact).toBe(1);
    expect(h.sandbox.payments()).toHaveLength(1);
    const texts = await smsTo(h.outbox, PHONE);
    expect(texts).toHaveLength(1);
    expect(texts[0]).toContain(record.numAcquit);
  });

  it('a `submitted` intent whose PayFact landed and whose job is gone: reconciled under our reference, flagged, no second PayFact', async () => {
    const service = await onDemand();
    const req = await requestFor(h.regideso);
    const id = intentOf(req);
    // What the job writes right before PayFact leaves; then PayFact, which REGIDESO applies; then the process dies.
    const sentAt = new Date(Date.now() - 2000);
    const baseline = req.bills.map((b) => ({ faeId: b.faeId, balanceCentimes: b.balanceCentimes }));
    await service.ledger.create(intentFor(req, { status: 'submitted', holdsAccount: true, baseline, payAttempts: 1, submittedAt: sentAt, nextCheckAt: sentAt }), { events: [{ event: 'confirmed' }] });
    expect((await h.regideso.payBills({ refClient: '83262', province: 'KIN', billIds: ['108776771'], amountCentimes: 500_000, paidAt: sentAt })).kind).toBe('paid');

    expect(await service.sweep()).toBe(1);
    const record = await settledRecord(service, id);
    expect(record).toMatchObject({ status: 'reconciled', ownReference: true, flagReason: 'landed_without_receipt' });
    expect(h.sandbox.calls.payFact).toBe(1);
    expect(h.sandbox.payments()).toHaveLength(1);
    expect(await events(service, id)).toEqual(['confirmed', 'reconciled_landed']);
    expect((await service.ledger.load(id))?.holdsAccount).toBe(false);
    const [sms] = await smsTo(h.outbox, PHONE);
    expect(sms).toContain(record.numAcquit);
    expect(sms).toContain('sans numéro de quittance');
  });

  it('a `submitted` intent whose PayFact never left (the process died between the mark and the call): paid once after the settle window, flagged for a person', async () => {
    const service = await onDemand();
    const req = await requestFor(h.regideso);
    const id = intentOf(req);
    const sentAt = new Date(Date.now() - 2000);
    const baseline = req.bills.map((b) => ({ faeId: b.faeId, balanceCentimes: b.balanceCentimes }));
    await service.ledger.create(intentFor(req, { status: 'submitted', holdsAccount: true, baseline, payAttempts: 1, submittedAt: sentAt, nextCheckAt: sentAt }));

    expect(await service.sweep()).toBe(1);
    const record = await settledRecord(service, id);
    // It cannot be told from a PayFact that is still to land: paid again, and a person checks.
    expect(record).toMatchObject({ status: 'succeeded', ownReference: false, flagReason: 'repaid_after_uncertain' });
    expect(h.sandbox.calls.payFact).toBe(1);
    expect(record.numAcquit).toBe(h.sandbox.payments()[0]?.numAcquit);
    expect(await events(service, id)).toEqual(['reconciled_not_landed', 'payfact_sent', 'paid']);
  });

  it('a job that used up its attempts (the ledger unreachable under it) is queued again by the sweep once the ledger is back; PayFact once', async () => {
    // The service's PostgreSQL goes away for a while: every query and transaction fails.
    let ledgerDown = false;
    let loadsRefused = 0;
    const flaky: Db = {
      ...h.db,
      query: async (text, params) => {
        if (ledgerDown) {
          if (text.startsWith('SELECT * FROM payment_intents WHERE id = $1')) loadsRefused++;
          throw new Error('connect ECONNREFUSED 127.0.0.1:5432');
        }
        return h.db.query(text, params);
      },
      transaction: async (fn) => {
        if (ledgerDown) throw new Error('connect ECONNREFUSED 127.0.0.1:5432');
        return h.db.transaction(fn);
      },
    };
    const service = await onDemand({ db: flaky, confirmWaitMs: 100, retry: { attempts: 2, backoffMs: 20, jitter: 0 } });
    const ledger = createLedger(h.db, { queueSms: queueSmsIn });
    const req = await requestFor(h.regideso);
    const id = intentOf(req);
    // REGIDESO down first, so the job is waiting (delayed) when the ledger goes.
    const down = regidesoUnreadable();
    expect(await service.confirm(req)).toEqual({ kind: 'pending', amountCentimes: 500_000 });
    await eventually(async () => (await queue.getJobState(id)) === 'delayed');
    ledgerDown = true;

    // The job wakes, cannot load its intent twice, and is dropped (removeOnFail): no job left.
    await eventually(async () => loadsRefused >= 2 && (await queue.getJob(id)) === undefined);
    expect(await ledger.load(id)).toMatchObject({ status: 'pending' });
    expect(h.sandbox.calls.payFact).toBe(0);

    down.clear();
    ledgerDown = false;
    // A sweep, as its timer would run one, finds it in the ledger once past the grace, with no job: queued.
    await eventually(async () => (await service.sweep()) === 1);
    const record = await settledRecord(service, id);
    expect(record.status).toBe('succeeded');
    expect(h.sandbox.calls.payFact).toBe(1);
    expect(h.sandbox.payments()).toHaveLength(1);
    const texts = await smsTo(h.outbox, PHONE);
    expect(texts).toHaveLength(1);
    expect(texts[0]).toContain(record.numAcquit);
  });
});

describe('the sweep leaves alone', () => {
  it('a job waiting for its next look (delayed), even when its due time is past: not replaced, not run early', async () => {
    const service = await onDemand({ confirmWaitMs: 100, timings: { ...FAST_TIMINGS, regidesoRetryMs: 60_000, slowPollMs: 60_000 } });
    const req = await requestFor(h.regideso);
    const id = intentOf(req);
    const down = regidesoUnreadable();
    try {
      await service.confirm(req);
      await eventually(async () => (await queue.getJobState(id)) === 'delayed');
      const before = await queue.getJob(id);
      const getFacts = h.sandbox.calls.getFact;
      // Due by the ledger (a clock skew, a slow write): the sweep still finds the job there.
      await service.ledger.postpone(id, new Date(Date.now() - 60_000));
      expect(await service.ledger.due(new Date(Date.now() - 300), 10)).toEqual([id]);
      expect(await service.sweep()).toBe(0);
      const after = await queue.getJob(id);
      expect(await queue.getJobState(id)).toBe('delayed');
      expect(after?.timestamp).toBe(before?.timestamp);
      expect(after?.delay).toBe(before?.delay);
      expect(h.sandbox.calls.getFact).toBe(getFacts);
    } finally {
      down.clear();
    }
    expect(h.sandbox.calls.payFact).toBe(0);
  });

  it('a fresh intent, not yet past the grace period: no job queued for it', async () => {
    const service = await onDemand({ sweep: { intervalMs: 3_600_000, graceMs: 60_000 } });
    const req = await requestFor(h.regideso);
    const id = intentOf(req);
    await service.ledger.create(intentFor(req, {}, new Date()));
    expect(await service.sweep()).toBe(0);
    expect(await queue.getJob(id)).toBeUndefined();
    expect(await service.ledger.load(id)).toMatchObject({ status: 'pending', version: 1 });
    expect(h.sandbox.calls.payFact).toBe(0);
  });
});

describe('a stale run loses its compare-and-set and stops', () => {
  it('two updates from the same version: the second returns undefined', async () => {
    const ledger = createLedger(h.db, { queueSms: queueSmsIn });
    const req = await requestFor(h.regideso);
    const { intent } = await ledger.create(intentFor(req));
    expect(await ledger.update(intent, { holdsAccount: true })).toMatchObject({ version: 2 });
    expect(await ledger.update(intent, { holdsAccount: true })).toBeUndefined();
  });

  /** The payment job itself, on the harness's ledger, with `onLoad` standing for another run writing first. */
  function jobWithRival(onLoad: (ledger: Ledger, it: Intent) => Promise<void>) {
    const ledger = createLedger(h.db, { queueSms: queueSmsIn });
    const sms: string[] = [];
    let rivalWrote = false;
    const racing: Ledger = {
      ...ledger,
      load: async (id) => {
        const it = await ledger.load(id);
        if (it !== undefined && !rivalWrote) {
          rivalWrote = true;
          await onLoad(ledger, it);
        }
        return it;
      },
    };
    const run = createPaymentJob({
      ledger: racing,
      regideso: h.regideso,
      wallet: undefined,
      logger: silentLogger(),
      metrics: createPaymentMetrics(undefined),
      now: () => new Date(),
      timings: { ...DEFAULT_TIMINGS, ...FAST_TIMINGS },
      signal: createLocalSettleSignal(),
      receiptTexts: receiptTexts(productMessages()),
      afterCommit: (m) => sms.push(...m.map((x) => x.id)),
    });
    return { ledger, run, sms };
  }

  it('a pending intent another run moved first: the stale run writes nothing, asks REGIDESO nothing', async () => {
    const req = await requestFor(h.regideso);
    const { ledger, run, sms } = jobWithRival(async (l, it) => {
      await l.update(it, { status: 'failed', failureMessage: 'settled by the other run' }, { events: [{ event: 'rival' }] });
    });
    const { intent } = await ledger.create(intentFor(req));
    const getFacts = h.sandbox.calls.getFact;

    expect(await run(intent.id)).toEqual({ kind: 'done' });
    expect(await ledger.load(intent.id)).toMatchObject({ status: 'failed', failureMessage: 'settled by the other run', holdsAccount: false, version: 2 });
    expect((await ledger.events(intent.id)).map((e) => e.event)).toEqual(['rival']);
    expect(h.sandbox.calls.getFact).toBe(getFacts);
    expect(h.sandbox.calls.payFact).toBe(0);
    expect(sms).toEqual([]);
  });

  it('an uncertain intent another run reconciled first: the stale run reads the bills, then loses, and queues no second notice', async () => {
    const req = await requestFor(h.regideso);
    const sentAt = new Date(Date.now() - 2000);
    const baseline = req.bills.map((b) => ({ faeId: b.faeId, balanceCentimes: b.balanceCentimes }));
    const { ledger, run, sms } = jobWithRival(async (l, it) => {
      await l.update(it, { status: 'reconciled', holdsAccount: false, numAcquit: 'RGD-RIVAL00000', ownReference: true }, { events: [{ event: 'rival' }] });
    });
    const { intent } = await ledger.create(intentFor(req, { status: 'uncertain', holdsAccount: true, baseline, payAttempts: 1, submittedAt: sentAt }));
    expect((await h.regideso.payBills({ refClient: '83262', province: 'KIN', billIds: ['108776771'], amountCentimes: 500_000, paidAt: sentAt })).kind).toBe('paid');

    expect(await run(intent.id)).toEqual({ kind: 'done' });
    expect(await ledger.load(intent.id)).toMatchObject({ status: 'reconciled', numAcquit: 'RGD-RIVAL00000', flagReason: null, version: 2 });
    expect((await ledger.events(intent.id)).map((e) => e.event)).toEqual(['rival']);
    expect(h.sandbox.calls.payFact).toBe(1);
    expect(sms).toEqual([]);
    const rows = await h.db.query('SELECT id FROM sms_messages WHERE intent_id = $1', [intent.id]);
    expect(rows.rows).toEqual([]);
  });
});
