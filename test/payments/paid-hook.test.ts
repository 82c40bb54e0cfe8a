import type { PaymentRecord } from '../../src/payments/types';
import { intentOf, PHONE, requestFor, settledRecord, smsTo, startHarness, type Harness } from './harness';

/**
 * When a payment's money lands, the service tells `onPaid` (the product keeps the reference for the
 * paying phone, so it sees the holder's name whole): once, after the commit, and nothing it does can
 * fail or hold the payment.
 */
let h: Harness;
beforeEach(async () => {
  h = await startHarness();
});
afterEach(async () => {
  await h.cleanup();
});

it('a landed payment is told once, with its record; a hook that throws changes nothing for the payment', async () => {
  const told: PaymentRecord[] = [];
  const service = await h.service({
    onPaid: (p) => {
      told.push(p);
      throw new Error('the hook broke');
    },
  });
  const req = await requestFor(h.regideso);
  const outcome = await service.confirm(req);
  expect(outcome.kind).toBe('succeeded');
  const record = await settledRecord(service, intentOf(req));
  expect(record.status).toBe('succeeded');
  expect((await service.auditTrail(intentOf(req))).map((e) => e.event)).toEqual(['confirmed', 'payfact_sent', 'paid']);
  expect(await smsTo(h.outbox, PHONE)).toHaveLength(1);
  expect(told).toHaveLength(1);
  expect(told[0]).toMatchObject({ intentId: intentOf(req), phoneNumber: PHONE, refClient: '83262', province: 'KIN', subscriberName: 'MUKEBA MUKEBA', status: 'succeeded' });
  // A replayed confirm lands on the same intent: not told again.
  await service.confirm(req);
  expect(told).toHaveLength(1);
});

it('a payment REGIDESO refuses is not told', async () => {
  const told: PaymentRecord[] = [];
  const service = await h.service({ onPaid: (p) => told.push(p) });
  const req = await requestFor(h.regideso);
  // The snapshot shows a balance; REGIDESO's books say the bill is settled (paid elsewhere meanwhile).
  const stale = { ...req, bills: [{ faeId: '108776770', billNumber: '8326224601540', issuedOn: '2024-02-29', balanceCentimes: 1_654_489 }] };
  expect(await service.confirm(stale)).toMatchObject({ kind: 'refused' });
  expect(await settledRecord(service, intentOf(stale))).toMatchObject({ status: 'failed' });
  expect(told).toEqual([]);
});
