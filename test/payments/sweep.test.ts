import { Queue } from 'bullmq';
import type Redis from 'ioredis';
import { createMetrics, type Metrics } from '../../src/metrics';
import { intentIdFor } from '../../src/payments/ids';
import { newIntent } from '../../src/payments/intent';
import type { PaymentServiceHandle } from '../../src/payments/service';
import { createIntentStore, type IntentStore } from '../../src/payments/store';
import type { PaymentRequest } from '../../src/payments/types';
import type { RedisFactory } from '../../src/redis';
import { eventually, PHONE, requestFor, settledRecord, startHarness, type Harness } from './harness';
import { metricValue } from '../support/metrics';

/**
 * The recovery sweep on the real Redis (BullMQ) and the sandbox REGIDESO over HTTP: an open intent
 * left without a job that will finish it gets one, and the job's own rule (reconcile a `submitted`
 * intent with GetFact before paying again) keeps the payment exactly once.
 */
let h: Harness;
let conn: Redis;
let store: IntentStore;
let metrics: Metrics;
let queue: Queue;
let queueConnection: Redis;

beforeEach(async () => {
  h = await startHarness();
  conn = h.redis.connect('test-store');
  store = createIntentStore(conn, { prefix: h.prefix, ttlSeconds: 3600 });
  metrics = createMetrics({ defaults: false });
  // The test's own look at the service's BullMQ queue (same name and hash-tagged prefix).
  queueConnection = h.redis.connect('test-queue');
  queue = new Queue('payments', { connection: queueConnection, prefix: `{${h.prefix}q}` });
});
afterEach(async () => {
  await queue.close();
  await queueConnection.quit();
  await h.cleanup();
  await conn.quit();
});

const value = (series: string) => metricValue(metrics.registry, series);

/**
 * The intent's audit events once all of `events` are there: the sweep writes its entry after
 * queueing the job, so the job's own entries may come before or after it.
 */
async function trailWith(service: PaymentServiceHandle, intentId: string, events: string[]): Promise<string[]> {
  let trail: string[] = [];
  await eventually(async () => {
    trail = (await service.auditTrail(intentId)).map((e) => e.event);
    return events.every((e) => trail.includes(e));
  });
  return trail;
}

const openKey = () => `${h.prefix}pay:open`;

/** What confirm writes before queueing the job: the intent, `pending`, in the open set. */
async function createPending(req: PaymentRequest): Promise<string> {
  const intentId = intentIdFor(req.sessionId);
  expect(await store.create(newIntent(req, intentId, 'FINCA', new Date()))).toBe(true);
  return intentId;
}

it('a `submitted` intent whose PayFact landed and whose job is gone: reconciled, flagged, no second PayFact', async () => {
  const req = await requestFor(h.regideso);
  const intentId = await createPending(req);
  // What the job writes right before PayFact leaves: the baseline and the `submitted` mark...
  const pending = await store.load(intentId);
  if (pending === undefined) throw new Error('intent not stored');
  const baseline = req.bills.map((b) => ({ faeId: b.faeId, balanceCentimes: b.balanceCentimes }));
  const submittedAt = new Date().toISOString();
  expect(await store.update(pending, { ...pending.intent, status: 'submitted', baseline, payAttempts: 1, submittedAt, updatedAt: submittedAt })).toBeDefined();
  // ...then PayFact, which REGIDESO applies; the process dies before recording anything, and no job is left.
  const paid = await h.regideso.payBills({ refClient: req.refClient, province: req.province, billIds: ['108776771'], amountCentimes: req.amountCentimes, paidAt: new Date() });
  expect(paid.kind).toBe('paid');
  expect(await queue.getJob(intentId)).toBeUndefined();
  expect(await conn.zscore(openKey(), intentId)).not.toBeNull();

  const service = await h.service({ metrics, staleAfterMs: 0 });
  const record = await settledRecord(service, intentId);

  expect(record).toMatchObject({ status: 'reconciled', ownReference: true });
  expect(h.sandbox.calls.payFact).toBe(1);
  expect(h.sandbox.payments()).toHaveLength(1);
  expect((await service.flagged(10)).map((r) => r.intentId)).toEqual([intentId]);
  const trail = await trailWith(service, intentId, ['sweep_requeued', 'reconciled_landed', 'sms_sent']);
  expect(trail).not.toContain('payfact_sent');
  expect((await h.outbox.list(PHONE))[0]?.message).toContain(record.numAcquit);
  expect(await value('payments_recovered_total{action="requeued"}')).toBe(1);
  expect(await value('payments_flagged_total')).toBe(1);
  expect(await value('payments_settled_total{status="reconciled"}')).toBe(1);
  expect(await conn.zscore(openKey(), intentId)).toBeNull();
});

it('a `pending` intent never queued (Redis failed right after creating it): settled as failed, no PayFact, the subscriber told nothing was taken', async () => {
  // The confirm hop could not queue it, so it told the subscriber to try again: paying it now
  // could pay twice.
  const req = await requestFor(h.regideso);
  const intentId = await createPending(req);

  const service = await h.service({ metrics, staleAfterMs: 0 });
  const record = await settledRecord(service, intentId);

  expect(record.status).toBe('failed');
  expect(h.sandbox.calls.payFact).toBe(0);
  expect(h.sandbox.payments()).toEqual([]);
  const trail = await trailWith(service, intentId, ['sweep_expired', 'sms_sent']);
  expect(trail).not.toContain('payfact_sent');
  expect((await h.outbox.list(PHONE))[0]?.message).toContain('Aucun montant prélevé');
  expect(await value('payments_recovered_total{action="expired"}')).toBe(1);
  expect(await value('payments_settled_total{status="failed"}')).toBe(1);
  expect(await conn.zscore(openKey(), intentId)).toBeNull();
});

it('a job that used up its attempts by throwing (Redis gone under it): retried by the sweep once Redis is back, one PayFact', async () => {
  // The job's connection is closed for real: every Redis command of the job fails at once.
  let jobConnection: Redis | undefined;
  const redis: RedisFactory = {
    inMemory: false,
    connect(role, opts) {
      const c = h.redis.connect(role, opts);
      if (role === 'payments-job') jobConnection = c;
      return c;
    },
  };
  const service = await h.service({
    redis,
    metrics,
    staleAfterMs: 0,
    sweepIntervalMs: 3_600_000,
    confirmWaitMs: 100,
    retry: { attempts: 2, backoffMs: 20, jitter: 0 },
  });
  await service.sweep(); // the one start() began is over: from here on, sweeps run only when called
  if (jobConnection === undefined) throw new Error('no job connection');
  jobConnection.disconnect();

  const req = await requestFor(h.regideso);
  const intentId = intentIdFor(req.sessionId);
  expect(await service.confirm(req)).toEqual({ kind: 'pending', amountCentimes: 500_000 });
  await eventually(async () => (await queue.getJobState(intentId)) === 'failed');
  const failed = await queue.getJob(intentId);
  expect(failed?.attemptsMade).toBe(2);
  expect(failed?.failedReason).toMatch(/Connection is closed/);
  expect((await service.get(intentId))?.status).toBe('pending');
  expect(h.sandbox.calls.payFact).toBe(0);

  await jobConnection.connect();
  const report = await service.sweep();
  expect(report).toMatchObject({ retried: 1, requeued: 0, errors: 0 });
  const record = await settledRecord(service, intentId);

  expect(record.status).toBe('succeeded');
  expect(h.sandbox.calls.payFact).toBe(1);
  expect(h.sandbox.payments()).toHaveLength(1);
  await eventually(async () => (await queue.getJobState(intentId)) === 'completed');
  await trailWith(service, intentId, ['sweep_retried', 'sms_sent']);
  expect((await h.outbox.list(PHONE))[0]?.message).toContain(record.numAcquit);
  expect(await value('payments_recovered_total{action="retried"}')).toBe(1);
  // Settled: the next sweep finds nothing to do.
  expect(await service.sweep()).toMatchObject({ examined: 0 });
});

it('a job stalled once too often (its worker died mid-call): failed by BullMQ, retried by the sweep, reconciled without paying twice', async () => {
  // Worker A's PayFact reaches REGIDESO and is applied; then the process hangs for ever, as if dead.
  const dying = {
    ...h.regideso,
    payBills: async (r: Parameters<typeof h.regideso.payBills>[0]) => {
      await h.regideso.payBills(r);
      return new Promise<never>(() => undefined);
    },
  };
  const worker = { lockDurationMs: 500, stalledIntervalMs: 200, maxStalledCount: 0 };
  const a = await h.service({ regideso: dying, confirmWaitMs: 100, worker, sweepIntervalMs: 3_600_000 });
  const req = await requestFor(h.regideso);
  const intentId = intentIdFor(req.sessionId);
  expect((await a.confirm(req)).kind).toBe('pending');
  await eventually(async () => h.sandbox.payments().length === 1);
  await a.close({ force: true });

  // B's worker finds A's job stalled and, with no stall allowed, fails it for good.
  const b = await h.service({ metrics, worker, staleAfterMs: 0, sweepIntervalMs: 50 });
  const record = await settledRecord(b, intentId);

  expect(record).toMatchObject({ status: 'reconciled', ownReference: true });
  expect(h.sandbox.calls.payFact).toBe(1);
  expect(h.sandbox.payments()).toHaveLength(1);
  const trail = await trailWith(b, intentId, ['payfact_sent', 'sweep_retried', 'reconciled_landed']);
  expect(trail.filter((e) => e === 'payfact_sent')).toHaveLength(1);
  expect(await value('payments_recovered_total{action="retried"}')).toBe(1);
});

it('runs again on its timer: an intent that goes stale after start is picked up', async () => {
  const service = await h.service({ metrics, staleAfterMs: 200, sweepIntervalMs: 50 });
  const req = await requestFor(h.regideso);
  const intentId = await createPending(req);
  const record = await settledRecord(service, intentId);
  expect(record.status).toBe('failed');
  expect(h.sandbox.calls.payFact).toBe(0);
  await trailWith(service, intentId, ['sweep_expired']);
  expect(await value('payments_recovered_total{action="expired"}')).toBe(1);
});

it('leaves alone a job that is waiting for its next attempt, and a fresh intent', async () => {
  const service = await h.service({ metrics, staleAfterMs: 0, sweepIntervalMs: 3_600_000, confirmWaitMs: 100, retry: { attempts: 3, backoffMs: 3_600_000, jitter: 0 } });
  await service.sweep();
  const req = await requestFor(h.regideso);
  // GetFact fails (the client tries twice): the job's first attempt ends in a retry, an hour away.
  h.sandbox.faults.getFact.push({ kind: 'error500' }, { kind: 'error500' });
  const intentId = intentIdFor(req.sessionId);
  await service.confirm(req);
  await eventually(async () => (await queue.getJobState(intentId)) === 'delayed');

  expect(await service.sweep()).toMatchObject({ examined: 1, active: 1, requeued: 0, retried: 0 });
  expect(await queue.getJobState(intentId)).toBe('delayed');
  expect(await value('payments_recovered_total{action="requeued"}')).toBe(0);
  expect(await value('payments_recovered_total{action="retried"}')).toBe(0);

  const patient = await h.service({ staleAfterMs: 3_600_000, sweepIntervalMs: 3_600_000 });
  expect(await patient.sweep()).toMatchObject({ examined: 0 });
  expect(h.sandbox.calls.payFact).toBe(0);
});

it('keeps the open set to unsettled intents, and clears an entry whose intent is settled', async () => {
  const service = await h.service({ staleAfterMs: 0, sweepIntervalMs: 3_600_000 });
  await service.sweep();
  const req = await requestFor(h.regideso);
  const intentId = intentIdFor(req.sessionId);
  expect((await service.confirm(req)).kind).toBe('succeeded');
  await settledRecord(service, intentId);
  expect(await conn.zscore(openKey(), intentId)).toBeNull();

  // A removal lost to a Redis hiccup right after the settling write: the sweep tidies up.
  await conn.zadd(openKey(), 0, intentId);
  expect(await service.sweep()).toMatchObject({ examined: 1, cleared: 1, requeued: 0, retried: 0 });
  expect(await conn.zscore(openKey(), intentId)).toBeNull();
  expect(h.sandbox.calls.payFact).toBe(1);
});
