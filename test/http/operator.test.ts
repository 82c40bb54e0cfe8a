import express from 'express';
import request from 'supertest';
import { createApp } from '../../src/http/app';
import { createOperatorRouter } from '../../src/http/operator-router';
import { createFailedAuthLimiter, requireWebhookToken } from '../../src/http/security';
import { silentLogger } from '../../src/logging/logger';
import { createMetrics } from '../../src/metrics';
import type { PaymentServiceHandle } from '../../src/payments/service';
import type { PaymentRecord } from '../../src/payments/types';
import { intentOf, PHONE, requestFor, settledRecord, startHarness, type Harness } from '../payments/harness';
import { metricNow } from './sms-kit';
import { productMessages } from '../support/texts';

/**
 * The operator's views of the ledger over HTTP, mounted by the real app factory behind the webhook
 * token, on payments made by the real payment service (sandbox REGIDESO over HTTP, PostgreSQL,
 * BullMQ): one that succeeded, one whose PayFact answer REGIDESO dropped after applying it (landed
 * without a receipt: flagged), one REGIDESO refused (failed).
 */
const TOKEN = 'operator-webhook-token-0123456789';
const logger = silentLogger();
let h: Harness;
let service: PaymentServiceHandle;
let app: express.Express;
let succeeded: PaymentRecord;
let flagged: PaymentRecord;
let failed: PaymentRecord;
let limiterRedis: ReturnType<Harness['redis']['connect']>;

function appFor(token: string | undefined, payments = service): express.Express {
  const metrics = createMetrics({ defaults: false });
  return createApp({
    logger,
    metrics,
    readiness: async () => ({ required: { test: true } }),
    messages: productMessages(),
    guard: [requireWebhookToken(token, { logger, metrics, failedAuthLimiter: createFailedAuthLimiter({ redis: limiterRedis, prefix: `${h.prefix}op:`, limit: 1000, windowSeconds: 60 }) })],
    callbacks: [createOperatorRouter(payments, logger)],
  });
}

/** A calendar day in Kinshasa (UTC+1), as the route reads a bare date. */
const kinshasaDay = (d: Date) => new Date(d.getTime() + 3_600_000).toISOString().slice(0, 10);
const DAY = 86_400_000;

beforeAll(async () => {
  h = await startHarness();
  service = await h.service();
  limiterRedis = h.redis.connect('limiter');

  const first = await requestFor(h.regideso, { amountCentimes: 100_000 });
  const ok = await service.confirm(first);
  if (ok.kind !== 'succeeded') throw new Error(`expected succeeded, got ${ok.kind}`);
  succeeded = await settledRecord(service, intentOf(first));

  h.sandbox.faults.payFact.push({ kind: 'dropAfterApply' });
  const second = await requestFor(h.regideso, { amountCentimes: 200_000 });
  await service.confirm(second);
  flagged = await settledRecord(service, intentOf(second));

  // The subscriber saw a balance REGIDESO no longer has: the job's check refuses it, nothing paid.
  const third = await requestFor(h.regideso, { amountCentimes: 5_000_000 });
  const bill = third.bills[0];
  if (bill === undefined) throw new Error('no bill');
  third.bills = [{ ...bill, balanceCentimes: 10_000_000 }];
  await service.confirm(third);
  failed = await settledRecord(service, intentOf(third));

  app = appFor(TOKEN);
});

afterAll(async () => {
  await limiterRedis.quit();
  await h.cleanup();
});

const auth = (path: string) => `/${TOKEN}${path}`;

it('the payments are what the test made (the ledger holds them)', () => {
  expect(succeeded).toMatchObject({ status: 'succeeded', flagReason: null, phoneNumber: PHONE });
  expect(flagged).toMatchObject({ status: 'reconciled', ownReference: true, flagReason: 'landed_without_receipt' });
  expect(failed).toMatchObject({ status: 'failed', numAcquit: null });
});

describe('GET /payments', () => {
  it('lists the day in JSON, oldest first, every field of the record', async () => {
    const today = kinshasaDay(new Date());
    const res = await request(app).get(auth(`/payments?from=${today}&to=${today}`)).expect(200).expect('content-type', /json/);
    const rows = res.body as PaymentRecord[];
    expect(rows.map((r) => r.intentId)).toEqual([succeeded.intentId, flagged.intentId, failed.intentId]);
    expect(rows[0]).toEqual(succeeded);
  });

  it('filters by status', async () => {
    const res = await request(app).get(auth('/payments?status=reconciled')).expect(200);
    expect((res.body as PaymentRecord[]).map((r) => r.intentId)).toEqual([flagged.intentId]);
    expect((await request(app).get(auth('/payments?status=failed')).expect(200)).body).toEqual([failed]);
  });

  it('takes a range: a bare date is a whole Kinshasa day, `to` included; an ISO timestamp is taken as it is', async () => {
    const now = new Date();
    const tomorrow = kinshasaDay(new Date(now.getTime() + DAY));
    const yesterday = kinshasaDay(new Date(now.getTime() - DAY));
    expect((await request(app).get(auth(`/payments?from=${tomorrow}`)).expect(200)).body).toEqual([]);
    expect((await request(app).get(auth(`/payments?to=${yesterday}`)).expect(200)).body).toEqual([]);
    expect((await request(app).get(auth(`/payments?from=${yesterday}`)).expect(200)).body).toHaveLength(3);
    // From the second payment's own instant: the first is left out.
    const res = await request(app).get(auth('/payments')).query({ from: flagged.createdAt }).expect(200);
    expect((res.body as PaymentRecord[]).map((r) => r.intentId)).toEqual([flagged.intentId, failed.intentId]);
    const limited = await request(app).get(auth('/payments?limit=1')).expect(200);
    expect((limited.body as PaymentRecord[]).map((r) => r.intentId)).toEqual([succeeded.intentId]);
  });

  it('answers CSV to Accept: text/csv: a header line, one line per payment, a formula-looking field neutralised', async () => {
    const res = await request(app).get(auth('/payments')).set('Accept', 'text/csv').expect(200).expect('content-type', /text\/csv/);
    const lines = res.text.split('\r\n');
    expect(lines[0]).toBe(
      'createdAt,intentId,status,refClient,province,amountCentimes,numAcquit,ownReference,phoneNumber,billIds,collection,provider,depositId,depositStatus,providerTransactionId,refundId,refundStatus,flagReason,resolvedAt,updatedAt',
    );
    expect(lines).toHaveLength(5);
    expect(lines[4]).toBe('');
    const cells = (lines[2] ?? '').split(',');
    expect(cells.slice(0, 9)).toEqual([flagged.createdAt, flagged.intentId, 'reconciled', '83262', 'KIN', '200000', flagged.numAcquit, 'true', `'${PHONE}`]);
    // A cell starting with + would be read by a spreadsheet as a formula: kept as text.
    expect(res.text).not.toMatch(/(^|,)\+243/m);
    expect(cells[17]).toBe('landed_without_receipt');
  });

  it.each([
    ['from=2026-13-45', 'from'],
    ['from=yesterday', 'from'],
    ['to=2026-02-30T25:00:00Z', 'to'],
    ['from=2026-02-30', 'from'],
    ['to=2025-04-31', 'to'],
    ['from=2026-02-29T10:00:00Z', 'from'],
    ['from=1', 'from'],
    ['to=March%203%202026', 'to'],
    ['status=paid', 'status'],
    ['limit=0', 'limit'],
    ['limit=abc', 'limit'],
  ])('%s: 400 naming the field', async (query, field) => {
    const res = await request(app).get(auth(`/payments?${query}`)).expect(400);
    expect(res.body.error).toBe('bad_request');
    expect(res.body.message).toContain(`${field}:`);
  });

  it('a ledger that cannot be read is a 503, not a stack trace', async () => {
    const down = appFor(TOKEN, { ...service, list: () => Promise.reject(new Error('connection refused')), flagged: () => Promise.reject(new Error('connection refused')) });
    expect((await request(down).get(auth('/payments')).expect(503)).body).toEqual({ error: 'unavailable', message: 'Payment records cannot be read right now' });
    await request(down).get(auth('/payments/flagged')).expect(503);
  });
});

describe('flagged payments', () => {
  it('GET /payments/flagged lists the payments a person must look at, and only those', async () => {
    const res = await request(app).get(auth('/payments/flagged')).expect(200);
    expect((res.body as PaymentRecord[]).map((r) => [r.intentId, r.flagReason])).toEqual([[flagged.intentId, 'landed_without_receipt']]);
    await request(app).get(auth('/payments/flagged?limit=abc')).expect(400);
  });

  it.each([
    ['no body', undefined],
    ['no note', { by: 'alice' }],
    ['a note too short to say anything', { note: 'ok' }],
    ['a note that is not text', { note: 42 }],
    ['a note over 1000 characters', { note: 'x'.repeat(1001) }],
  ])('resolve with %s: 400, and the payment stays flagged', async (_what, body) => {
    const req = request(app).post(auth(`/payments/flagged/${flagged.intentId}/resolve`));
    const res = await (body === undefined ? req : req.send(body)).expect(400);
    expect(res.body.error).toBe('bad_request');
    expect((await request(app).get(auth('/payments/flagged')).expect(200)).body).toHaveLength(1);
  });

  it('an unknown id, or one never flagged: 404', async () => {
    await request(app).post(auth('/payments/flagged/no-such-intent/resolve')).send({ note: 'checked with REGIDESO' }).expect(404);
    const res = await request(app).post(auth(`/payments/flagged/${succeeded.intentId}/resolve`)).send({ note: 'checked with REGIDESO' }).expect(404);
    expect(res.body.error).toBe('not_found');
  });

  it('resolve with a note: 200, off the list, the note and who in the audit trail, counted; resolving it again is a 404', async () => {
    const resolutions = await metricNow(h.metrics, 'payments_flag_resolutions_total', {});
    const note = 'REGIDESO confirms the payment landed; receipt 29-01-25X-83262 given by phone';
    const res = await request(app).post(auth(`/payments/flagged/${flagged.intentId}/resolve`)).send({ note, by: 'alice' }).expect(200);
    expect(res.body).toEqual({ resolved: true, intentId: flagged.intentId });
    expect((await request(app).get(auth('/payments/flagged')).expect(200)).body).toEqual([]);
    const trail = await service.auditTrail(flagged.intentId);
    expect(trail.at(-1)).toMatchObject({ event: 'flag_resolved', detail: `by alice: ${note}` });
    expect((await service.get(flagged.intentId))?.resolvedAt).not.toBeNull();
    expect(await metricNow(h.metrics, 'payments_flag_resolutions_total', {})).toBe(resolutions + 1);
    await request(app).post(auth(`/payments/flagged/${flagged.intentId}/resolve`)).send({ note: 'again' }).expect(404);
    // Still in the ledger, as it was: only the flag is handled.
    const listed = await request(app).get(auth('/payments?status=reconciled')).expect(200);
    expect((listed.body as PaymentRecord[])[0]).toMatchObject({ intentId: flagged.intentId, flagReason: 'landed_without_receipt' });
  });
});

describe('behind the webhook token', () => {
  it.each([
    ['GET', '/payments'],
    ['GET', '/payments/flagged'],
    ['POST', '/payments/flagged/x/resolve'],
  ])('%s %s without the token, or with a wrong one: 401', async (method, path) => {
    const call = (p: string) => (method === 'GET' ? request(app).get(p) : request(app).post(p).send({ note: 'checked' }));
    expect((await call(path)).status).toBe(401);
    expect((await call(`/${TOKEN}x${path}`)).status).toBe(401);
    expect((await call(`${path}?token=${TOKEN}x`)).status).toBe(401);
    expect((await call(`${path}?token=${TOKEN}`)).status).not.toBe(401);
  });

  it('served without a token when none is configured (development)', async () => {
    await request(appFor(undefined)).get('/payments/flagged').expect(200);
  });
});
