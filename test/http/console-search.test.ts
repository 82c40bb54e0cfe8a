import { randomUUID } from 'node:crypto';
import type express from 'express';
import request from 'supertest';
import { createOperatorStore } from '../../src/operators/store';
import { createReceiptResender } from '../../src/payments/receipt-resend';
import type { PaymentServiceHandle } from '../../src/payments/service';
import type { PaymentRecord } from '../../src/payments/types';
import { intentOf, PHONE, requestFor, settledRecord, smsTo, startHarness, type Harness } from '../payments/harness';
import { until } from '../support/wait';
import { bearer, operatorApp } from './operator-kit';

/**
 * What the console's pages ask of the operator routes: the payment search (phone, reference,
 * receipt number or our own RGD-… reference, deposit id) paged with its filters kept, the open
 * flags oldest first, and a receipt sent again through the durable SMS path, signed by the
 * operator. Real payment service, sandbox REGIDESO over HTTP, PostgreSQL, Redis.
 */
const TOKEN = 'console-webhook-token-0123456789';
const OTHER_PHONE = '+243998877690';
let h: Harness;
let service: PaymentServiceHandle;
let app: express.Express;
let limiterRedis: ReturnType<Harness['redis']['connect']>;
let succeeded: PaymentRecord;
let landed: PaymentRecord;
let other: PaymentRecord;
let failed: PaymentRecord;
const keys = { viewer: '', resolver: '' };

beforeAll(async () => {
  h = await startHarness();
  service = await h.service();
  limiterRedis = h.redis.connect('limiter');
  const operators = createOperatorStore(h.db);
  for (const [name, role] of [['Vicky Viewer', 'viewer'], ['Rose Resolver', 'resolver']] as const) {
    const out = await operators.add(name, role);
    if (out.kind !== 'added') throw new Error(name);
    keys[role] = out.key;
  }
  const first = await requestFor(h.regideso, { amountCentimes: 100_000 });
  await service.confirm(first);
  succeeded = await settledRecord(service, intentOf(first));
  // REGIDESO applies the payment and the answer is lost: recorded under our own RGD-… reference, flagged.
  h.sandbox.faults.payFact.push({ kind: 'dropAfterApply' });
  const second = await requestFor(h.regideso, { amountCentimes: 200_057 });
  await service.confirm(second);
  landed = await settledRecord(service, intentOf(second));
  const third = await requestFor(h.regideso, { amountCentimes: 30_000, phoneNumber: OTHER_PHONE });
  await service.confirm(third);
  other = await settledRecord(service, intentOf(third));
  const fourth = await requestFor(h.regideso, { amountCentimes: 5_000_000 });
  const bill = fourth.bills[0];
  if (bill === undefined) throw new Error('no bill');
  fourth.bills = [{ ...bill, balanceCentimes: 10_000_000 }];
  await service.confirm(fourth);
  failed = await settledRecord(service, intentOf(fourth));
  app = operatorApp({
    db: h.db,
    ledger: service.ledger,
    payments: service,
    redis: limiterRedis,
    prefix: `${h.prefix}op:`,
    token: TOKEN,
    resendReceipt: createReceiptResender(h.db, { sendNow: (ids) => h.smsQueue.sendNow(ids) }),
  });
});

afterAll(async () => {
  await limiterRedis.quit();
  await h.cleanup();
});

const ids = (body: { payments: PaymentRecord[] }) => body.payments.map((p) => p.intentId);
const search = (q: string) => request(app).get(`/payments?${q}`).set(bearer(keys.viewer));

it('finds payments by phone (any way it is typed), by reference, by receipt number, by our own RGD-… reference', async () => {
  expect(landed.ownReference).toBe(true);
  expect(landed.numAcquit).toMatch(/^RGD-/);
  expect(ids((await search(`phone=${encodeURIComponent('0998877690')}`).expect(200)).body)).toEqual([other.intentId]);
  expect(ids((await search(`phone=${encodeURIComponent(PHONE)}`).expect(200)).body)).toEqual([succeeded.intentId, landed.intentId, failed.intentId]);
  expect(ids((await search(`numAcquit=${encodeURIComponent(succeeded.numAcquit ?? '')}`).expect(200)).body)).toEqual([succeeded.intentId]);
  expect(ids((await search(`numAcquit=${encodeURIComponent(landed.numAcquit ?? '')}`).expect(200)).body)).toEqual([landed.intentId]);
  expect(ids((await search('ref=83262&status=failed').expect(200)).body)).toEqual([failed.intentId]);
  expect(ids((await search('ref=99999').expect(200)).body)).toEqual([]);
  expect(ids((await search(`depositId=${randomUUID()}`).expect(200)).body)).toEqual([]);
});

it('bad search fields get a sentence, not a 500', async () => {
  expect((await search('phone=abc').expect(400)).body.message).toContain('phone: must be a phone number');
  expect((await search('depositId=not-a-uuid').expect(400)).body.message).toContain('depositId: must be a deposit id');
});

it('pages of a search keep its filters: every match once, never a silent cut', async () => {
  const first = await search(`phone=${encodeURIComponent(PHONE)}&limit=2`).expect(200);
  expect(ids(first.body)).toEqual([succeeded.intentId, landed.intentId]);
  expect(first.headers.link).toContain(`phone=${encodeURIComponent(PHONE)}`);
  const next = await search(`phone=${encodeURIComponent(PHONE)}&limit=2&cursor=${encodeURIComponent(first.body.next as string)}`).expect(200);
  expect(ids(next.body)).toEqual([failed.intentId]);
  expect(next.body.next).toBeNull();
});

it('open flags, oldest first on request', async () => {
  await service.flag(other.intentId, 'sms_undelivered', 'test: gateway refused');
  const oldest = await request(app).get('/payments/flagged?order=oldest').set(bearer(keys.viewer)).expect(200);
  expect((oldest.body as PaymentRecord[]).map((p) => p.intentId)).toEqual([landed.intentId, other.intentId]);
  const newest = await request(app).get('/payments/flagged').set(bearer(keys.viewer)).expect(200);
  expect((newest.body as PaymentRecord[]).map((p) => p.intentId)).toEqual([other.intentId, landed.intentId]);
});

it('a resolver resends the receipt: a new SMS of the payment with the same words, sent, and the operator in the trail; a viewer gets 403; no receipt, 409', async () => {
  await smsTo(h.outbox, OTHER_PHONE, 1);
  await request(app).post(`/payments/${other.intentId}/receipt/resend`).set(bearer(keys.viewer)).expect(403);
  const res = await request(app).post(`/payments/${other.intentId}/receipt/resend`).set(bearer(keys.resolver)).expect(202);
  expect(res.body).toMatchObject({ queued: true, intentId: other.intentId, by: 'Rose Resolver' });
  const texts = await smsTo(h.outbox, OTHER_PHONE, 2);
  expect(texts).toHaveLength(2);
  expect(texts[0]).toBe(texts[1]);
  // The gateway answers before the sender marks the row sent: wait for the mark, not a time.
  const rows = await until(async () => {
    const r = await h.db.query<{ id: string; status: string }>("SELECT id, status FROM sms_messages WHERE intent_id = $1 AND kind = 'receipt' ORDER BY created_at", [other.intentId]);
    return r.rows.every((row) => row.status !== 'queued') && r.rows;
  });
  expect(rows.map((r) => r.status)).toEqual(['sent', 'sent']);
  expect(rows[1]?.id).toBe(res.body.smsId);
  const trail = await service.auditTrail(other.intentId);
  expect(trail.at(-1)).toMatchObject({ event: 'receipt_resent', actor: 'Rose Resolver' });

  expect((await request(app).post(`/payments/${failed.intentId}/receipt/resend`).set(bearer(keys.resolver)).expect(409)).body.error).toBe('no_receipt');
  await request(app).post('/payments/pi-00000000000000000000000000000000/receipt/resend').set(bearer(keys.resolver)).expect(404);
});
