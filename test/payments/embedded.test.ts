import express from 'express';
import request from 'supertest';
import { createOutboxRouter } from '../../src/http/outbox-router';
import { intentIdFor } from '../../src/payments/ids';
import { newIntent } from '../../src/payments/intent';
import { createIntentStore } from '../../src/payments/store';
import { eventually, PHONE, requestFor, settledRecord, startHarness, type Harness } from './harness';

/**
 * The embedded default: no Redis server (ioredis-mock), so no BullMQ; the same job runs in-process
 * with the same retries and reconciliation, and receipts go to the outbox.
 */
let h: Harness;
beforeEach(async () => {
  h = await startHarness({ inMemory: true });
});
afterEach(async () => {
  await h.cleanup();
});

it('pays the sandbox subscriber 83262 and puts the receipt in the outbox, listed by GET /outbox', async () => {
  expect(h.redis.inMemory).toBe(true);
  const service = await h.service();
  const req = await requestFor(h.regideso, { amountCentimes: 1_786_557, language: 'en' });
  const outcome = await service.confirm(req);
  if (outcome.kind !== 'succeeded') throw new Error(`expected succeeded, got ${JSON.stringify(outcome)}`);
  expect(h.sandbox.payments()).toEqual([expect.objectContaining({ numAcquit: outcome.numAcquit, refClient: '83262', amountCentimes: 1_786_557, billIds: ['108776771'] })]);
  expect(await service.findByNumAcquit(outcome.numAcquit)).toMatchObject({ status: 'succeeded', intentId: intentIdFor(req.sessionId) });

  await eventually(async () => (await h.outbox.list(PHONE)).length > 0);
  const app = express().use(createOutboxRouter(h.outbox));
  const res = await request(app).get('/outbox').query({ to: PHONE }).expect(200);
  expect(res.body).toEqual([{ to: PHONE, message: expect.stringContaining(outcome.numAcquit), at: expect.any(String) }]);
  expect(res.body[0].message).toContain('REGIDESO: paid 17 865,57 CDF bill 8326224601541');
});

it('runs the same reconciliation in-process: a dropped answer is not paid twice', async () => {
  const service = await h.service();
  h.sandbox.faults.payFact.push({ kind: 'dropAfterApply' });
  const req = await requestFor(h.regideso);
  await service.confirm(req);
  const record = await settledRecord(service, intentIdFor(req.sessionId));
  expect(record).toMatchObject({ status: 'reconciled', ownReference: true });
  expect(h.sandbox.calls.payFact).toBe(1);
  expect(h.sandbox.payments()).toHaveLength(1);
});

it('retries in-process after a 500 and pays once', async () => {
  const service = await h.service();
  h.sandbox.faults.payFact.push({ kind: 'error500' });
  const req = await requestFor(h.regideso);
  await service.confirm(req);
  const record = await settledRecord(service, intentIdFor(req.sessionId));
  expect(record.status).toBe('succeeded');
  expect(h.sandbox.calls.payFact).toBe(2);
  expect(h.sandbox.payments()).toHaveLength(1);
});

it('gives up after its last attempt when REGIDESO stays unreachable before any PayFact: failed, nothing paid', async () => {
  const service = await h.service({ retry: { attempts: 2, backoffMs: 10, jitter: 0 } });
  const req = await requestFor(h.regideso);
  // GetFact (and its one client-side retry) fails on every attempt of the job.
  for (let i = 0; i < 4; i++) h.sandbox.faults.getFact.push({ kind: 'error500' });
  await service.confirm(req);
  const record = await settledRecord(service, intentIdFor(req.sessionId));
  expect(record.status).toBe('failed');
  expect(h.sandbox.calls.payFact).toBe(0);
  await eventually(async () => (await h.outbox.list(PHONE)).length > 0);
  expect((await h.outbox.list(PHONE))[0]?.message).toContain("n'a pas abouti");
});

it('gives up after its last attempt when the outcome of a sent PayFact cannot be learnt: flagged, subscriber told not to pay again', async () => {
  h.sandbox.faults.payFact.push({ kind: 'error500' });
  // The precheck's GetFact answers; every GetFact after the uncertain PayFact fails (the client tries twice).
  const realPay = h.regideso.payBills;
  const regideso = {
    ...h.regideso,
    payBills: async (r: Parameters<typeof realPay>[0]) => {
      const out = await realPay(r);
      for (let i = 0; i < 4; i++) h.sandbox.faults.getFact.push({ kind: 'error500' });
      return out;
    },
  };
  const service = await h.service({ regideso, retry: { attempts: 3, backoffMs: 10, jitter: 0 } });
  const req = await requestFor(h.regideso);
  await service.confirm(req);
  const record = await settledRecord(service, intentIdFor(req.sessionId));
  expect(record).toMatchObject({ status: 'uncertain', ownReference: true });
  expect(h.sandbox.calls.payFact).toBe(1);
  expect(h.sandbox.payments()).toHaveLength(0);
  expect((await service.flagged(5)).map((r) => r.intentId)).toEqual([record.intentId]);
  await eventually(async () => (await h.outbox.list(PHONE)).length > 0);
  expect((await h.outbox.list(PHONE))[0]?.message).toContain('en vérification');
});

it('the recovery sweep runs in-process too: an intent created but never queued is settled as failed, nothing paid', async () => {
  const conn = h.redis.connect('test-store');
  try {
    const store = createIntentStore(conn, { prefix: h.prefix, ttlSeconds: 3600 });
    const req = await requestFor(h.regideso);
    const intentId = intentIdFor(req.sessionId);
    expect(await store.create(newIntent(req, intentId, 'FINCA', new Date()))).toBe(true);

    const service = await h.service({ staleAfterMs: 0 });
    const record = await settledRecord(service, intentId);
    expect(record.status).toBe('failed');
    expect(h.sandbox.calls.payFact).toBe(0);
    let trail: string[] = [];
    await eventually(async () => {
      trail = (await service.auditTrail(intentId)).map((e) => e.event);
      return trail.includes('sms_sent');
    });
    expect([...trail].sort()).toEqual(['sms_sent', 'sweep_expired']);
    expect(await service.sweep()).toMatchObject({ examined: 0 });
  } finally {
    await conn.quit();
  }
});

it('one payment at a time per account in-process too: two confirms of 10 000 CDF at once on a 17 865,57 CDF bill make one PayFact', async () => {
  const service = await h.service({ confirmWaitMs: 100 });
  const a = await requestFor(h.regideso, { amountCentimes: 1_000_000 });
  const b = await requestFor(h.regideso, { amountCentimes: 1_000_000 });
  await Promise.all([service.confirm(a), service.confirm(b)]);
  const records = await Promise.all([a, b].map((r) => settledRecord(service, intentIdFor(r.sessionId))));
  expect(records.map((r) => r.status).sort()).toEqual(['failed', 'succeeded']);
  expect(h.sandbox.calls.payFact).toBe(1);
  expect(h.sandbox.payments()).toHaveLength(1);
});
