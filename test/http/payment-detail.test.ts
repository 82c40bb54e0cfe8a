import type express from 'express';
import request from 'supertest';
import { createPawapayCollection } from '../../src/collections/pawapay/adapter';
import { startSandboxWallet, type RunningSandboxWallet } from '../../src/collections/sandbox/server';
import { silentLogger } from '../../src/logging/logger';
import { createMetrics } from '../../src/metrics';
import { createOperatorStore } from '../../src/operators/store';
import type { PaymentDetail } from '../../src/payments/detail';
import type { PaymentServiceHandle } from '../../src/payments/service';
import { createDeliveryReports } from '../../src/sms/delivery-reports';
import { intentOf, requestFor, settledRecord, startHarness, storyOf, type Harness } from '../payments/harness';
import { until } from '../support/wait';
import { bearer, operatorApp } from './operator-kit';

/**
 * `GET /payments/:intentId` on wallet payments made by the real payment service (the sandbox
 * wallet over HTTP through the real pawaPay adapter, the sandbox REGIDESO, PostgreSQL): the story
 * of one payment as an operator answering "I paid and got no receipt" reads it.
 */
const TOKEN = 'detail-webhook-token-0123456789';
let wallet: RunningSandboxWallet;
let h: Harness;
let service: PaymentServiceHandle;
let app: express.Express;
let key: string;
let limiterRedis: ReturnType<Harness['redis']['connect']>;

beforeAll(async () => {
  wallet = await startSandboxWallet({ approveDelayMs: 50, refundDelayMs: 50 });
  h = await startHarness({ wallet: createPawapayCollection({ baseUrl: wallet.baseUrl, apiToken: wallet.apiToken, timeoutMs: 1000, logger: silentLogger() }) });
  service = await h.service();
  limiterRedis = h.redis.connect('limiter');
  const added = await createOperatorStore(h.db).add('Vicky Viewer', 'viewer');
  if (added.kind !== 'added') throw new Error('no key');
  key = added.key;
  app = operatorApp({ db: h.db, ledger: service.ledger, payments: service, redis: limiterRedis, prefix: `${h.prefix}op:`, token: TOKEN });
});

afterAll(async () => {
  await limiterRedis.quit();
  await h.cleanup();
  await wallet.close();
});

const detailOf = async (id: string) => (await request(app).get(`/payments/${id}`).set(bearer(key)).expect(200)).body as PaymentDetail;

it('a collected and paid payment: the trail in order with who and when, the deposit, the receipt SMS and each delivery report', async () => {
  const req = await requestFor(h.regideso, { phoneNumber: '+243812345990', provider: 'VODACOM_MPESA_COD' });
  await service.confirm(req);
  const id = intentOf(req);
  const record = await settledRecord(service, id);
  expect(record.status).toBe('succeeded');

  const sent = await until(async () => {
    const d = await detailOf(id);
    return d.sms[0]?.sends[0] !== undefined ? d : undefined;
  });
  // storyOf: a busy machine may add a withheld PayFact's detour, which is not this test's story.
  expect(storyOf(sent.trail.map((e) => e.event))).toEqual(['confirmed', 'collection_started', 'deposit_initiated', 'deposit_completed', 'payfact_sent', 'paid']);
  expect(sent.trail[0]).toMatchObject({ event: 'confirmed', by: 'subscriber +243812345990' });
  expect(sent.trail.slice(1).map((e) => e.by)).toEqual(sent.trail.slice(1).map(() => 'product'));
  expect(sent.trail.map((e) => e.at)).toEqual([...sent.trail.map((e) => e.at)].sort());
  expect(sent.deposit).toEqual({
    id: record.depositId,
    provider: 'VODACOM_MPESA_COD',
    status: 'COMPLETED',
    failureCode: null,
    collectedCentimes: 500_000,
    providerTransactionId: record.providerTransactionId,
  });
  expect(sent.deposit?.providerTransactionId).toEqual(expect.any(String));
  expect(sent.refund).toBeNull();

  // The phone was off: the gateway reports a failure that may pass, the receipt goes again and is delivered.
  const reports = createDeliveryReports({ store: h.smsStore, queue: h.smsQueue, logger: silentLogger(), metrics: createMetrics({ defaults: false }), maxResends: 2 });
  const first = sent.sms[0]?.sends[0]?.gatewayId ?? 'none';
  expect(await reports.handle({ id: first, status: 'Failed', failureReason: 'AbsentSubscriber' })).toBe('resend');
  const resent = await until(async () => {
    const d = await detailOf(id);
    return (d.sms[0]?.sends.length ?? 0) === 2 ? d : undefined;
  });
  const second = resent.sms[0]?.sends[1]?.gatewayId ?? 'none';
  expect(await reports.handle({ id: second, status: 'Success', failureReason: undefined })).toBe('delivered');

  const detail = await detailOf(id);
  expect(detail.sms).toHaveLength(1);
  expect(detail.sms[0]).toMatchObject({ kind: 'receipt', recipient: '+243812345990', status: 'sent', body: expect.stringContaining(record.numAcquit ?? 'none') });
  expect(detail.sms[0]?.sends).toEqual([
    // A phone out of reach is not final for the gateway: the first send's report stays open.
    { gatewayId: first, sentAt: expect.any(String), deliveryStatus: 'Failed', failureReason: 'AbsentSubscriber', finalStatus: null },
    { gatewayId: second, sentAt: expect.any(String), deliveryStatus: 'Success', failureReason: null, finalStatus: 'Success' },
  ]);
});

it('refused by REGIDESO after the debit: the refund with its id, status and amount, and the notice SMS', async () => {
  h.sandbox.faults.payFact.push({ kind: 'refuse', message: 'Montant invalide' });
  const req = await requestFor(h.regideso, { phoneNumber: '+243812345990', provider: 'VODACOM_MPESA_COD', amountCentimes: 300_000 });
  await service.confirm(req);
  const id = intentOf(req);
  const record = await settledRecord(service, id);
  expect(record.status).toBe('refunded');
  const detail = await detailOf(id);
  expect(detail.refund).toEqual({ id: record.refundId, status: 'COMPLETED', failureCode: null, amountCentimes: 300_000 });
  expect(detail.deposit).toMatchObject({ id: record.depositId, status: 'COMPLETED', collectedCentimes: 300_000 });
  expect(detail.trail.map((e) => e.event)).toEqual(expect.arrayContaining(['deposit_completed', 'refused', 'refund_initiated', 'refund_completed']));
  expect(detail.sms.map((m) => m.kind)).toEqual(['notice']);
});
