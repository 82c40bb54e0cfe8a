import type { Db } from '../../src/db/types';
import { createMetrics, type Metrics } from '../../src/metrics';
import { newIntent } from '../../src/payments/intent';
import { metricValue } from '../support/metrics';
import { eventually, FAST_TIMINGS, intentOf, PHONE, requestFor, settledRecord, smsTo, startHarness, storyOf, type Harness } from './harness';

/**
 * PayFact has no idempotency key: a payment that went through on a second PayFact may also be taken
 * by the first one, should REGIDESO apply it after the settle window. That cannot be prevented
 * here, so such a payment is flagged `repaid_after_uncertain` for a person, keeping REGIDESO's
 * receipt number; and a reconciliation that sees the balances fall by twice the amount says so
 * (`double_payment`). The ledger in PostgreSQL, BullMQ on the real Redis, the sandbox over HTTP.
 *
 * The settle window is 1 s here (not FAST_TIMINGS' 150 ms) so that a slow compare-and-set on a busy
 * machine never withholds a PayFact (src/payments/steps/pay.ts, submit) and changes the story.
 */
const TIMINGS = { ...FAST_TIMINGS, settleMs: 1000 };
const BILL = '108776771';
const BALANCE = 1_786_557;

let h: Harness;
let metrics: Metrics;
beforeEach(() => {
  metrics = createMetrics({ defaults: false });
});
afterEach(async () => {
  await h.cleanup();
});

const value = (series: string) => metricValue(metrics.registry, series);

async function balanceAtRegideso(): Promise<number> {
  const read = await h.regideso.getBills('83262', 'KIN');
  if (read.kind !== 'ok') throw new Error(`GetFact: ${read.kind}`);
  return read.bills.find((b) => b.faeId === BILL)?.balanceCentimes ?? 0;
}

it('a PayFact that hangs past the settle window and is applied after the job paid again: the money is taken twice, the payment stands with the second receipt, flagged', async () => {
  h = await startHarness({ clientTimeoutMs: 300 });
  // The job gives up on the hung request at 300 ms, finds the balances unchanged when the settle
  // window ends (1 s) and pays again; REGIDESO applies the hung request at 3 s.
  const service = await h.service({ metrics, timings: TIMINGS });
  h.sandbox.faults.payFact.push({ kind: 'hang', ms: 3000 });
  const req = await requestFor(h.regideso);
  await service.confirm(req);
  const record = await settledRecord(service, intentOf(req));

  expect(record).toMatchObject({ status: 'succeeded', ownReference: false, flagReason: 'repaid_after_uncertain' });
  // The late application happens: two payments at REGIDESO for one intent, the bill down by twice the amount.
  await eventually(async () => h.sandbox.payments().length === 2);
  // The receipt is the second PayFact's, which REGIDESO applied first.
  expect(record.numAcquit).toBe(h.sandbox.payments()[0]?.numAcquit);
  expect(h.sandbox.calls.payFact).toBe(2);
  expect(h.sandbox.payments().map((p) => p.amountCentimes)).toEqual([500_000, 500_000]);
  expect(await balanceAtRegideso()).toBe(BALANCE - 2 * 500_000);
  // Nothing looks at a succeeded payment again: the flag is what brings a person to it.
  expect(await service.get(record.intentId)).toMatchObject({ status: 'succeeded', numAcquit: record.numAcquit, flagReason: 'repaid_after_uncertain', resolvedAt: null });
  expect((await service.flagged(10)).map((r) => r.intentId)).toEqual([record.intentId]);
  expect(await service.findByNumAcquit(record.numAcquit ?? '')).toMatchObject({ intentId: record.intentId, ownReference: false });
  const trail = storyOf((await service.auditTrail(record.intentId)).map((e) => e.event));
  expect(trail).toEqual(['confirmed', 'payfact_sent', 'payfact_uncertain', 'reconciled_not_landed', 'payfact_sent', 'paid']);
  expect(await value('payments_flagged_total{reason="repaid_after_uncertain"}')).toBe(1);
  expect(await value('payfact_calls_total{outcome="uncertain"}')).toBe(1);
  expect(await value('payfact_calls_total{outcome="paid"}')).toBe(1);
  // The subscriber gets the ordinary receipt: the money did reach REGIDESO.
  const texts = await smsTo(h.outbox, PHONE);
  expect(texts).toHaveLength(1);
  expect(texts[0]).toContain(record.numAcquit);
});

it('a PayFact that answered 500 and a second one that paid: flagged once, with the receipt number', async () => {
  h = await startHarness();
  const service = await h.service({ metrics, timings: TIMINGS });
  h.sandbox.faults.payFact.push({ kind: 'error500' });
  const req = await requestFor(h.regideso);
  await service.confirm(req);
  const record = await settledRecord(service, intentOf(req));
  expect(record).toMatchObject({ status: 'succeeded', ownReference: false, flagReason: 'repaid_after_uncertain' });
  expect(h.sandbox.payments()).toHaveLength(1);
  expect(record.numAcquit).toBe(h.sandbox.payments()[0]?.numAcquit);
  expect(await balanceAtRegideso()).toBe(BALANCE - 500_000);
  expect((await service.flagged(10)).map((r) => [r.intentId, r.flagReason, r.numAcquit])).toEqual([[record.intentId, 'repaid_after_uncertain', record.numAcquit]]);
  expect(await value('payments_flagged_total{reason="repaid_after_uncertain"}')).toBe(1);
});

it('its receipt SMS undelivered later (the SMS queue flags sms_undelivered) does not hide repaid_after_uncertain from the operator', async () => {
  h = await startHarness();
  const service = await h.service({ metrics, timings: TIMINGS });
  h.sandbox.faults.payFact.push({ kind: 'error500' });
  const req = await requestFor(h.regideso);
  await service.confirm(req);
  const record = await settledRecord(service, intentOf(req));
  expect(record.flagReason).toBe('repaid_after_uncertain');

  // What the composition root does when a payment's SMS keeps failing (src/compose.ts, onFailing).
  await service.flag(record.intentId, 'sms_undelivered', 'credentials: The supplied authentication is invalid');
  expect((await service.flagged(10)).map((r) => [r.intentId, r.flagReason])).toEqual([[record.intentId, 'repaid_after_uncertain']]);
  expect(await value('payments_flagged_total{reason="sms_undelivered"}')).toBe(0);
});

it('a payment that went through on its first PayFact is not flagged', async () => {
  h = await startHarness();
  const service = await h.service({ metrics, timings: TIMINGS });
  const req = await requestFor(h.regideso);
  expect((await service.confirm(req)).kind).toBe('succeeded');
  expect(await service.get(intentOf(req))).toMatchObject({ status: 'succeeded', flagReason: null, flaggedAt: null });
  expect(await service.flagged(10)).toEqual([]);
  expect((await metrics.registry.metrics()).includes('payments_flagged_total{')).toBe(false);
});

it('a reconciliation that sees the balances fall by twice the amount: reconciled under our reference, flagged double_payment, no further PayFact', async () => {
  h = await startHarness();
  // Staged as a crash leaves it: two PayFacts of one intent were sent (the first applied late),
  // neither answer recorded; the intent says `uncertain` after its second, and no job is left.
  const req = await requestFor(h.regideso);
  const id = intentOf(req);
  const sentAt = new Date(Date.now() - 5000);
  for (let i = 0; i < 2; i++) {
    expect((await h.regideso.payBills({ refClient: '83262', province: 'KIN', billIds: [BILL], amountCentimes: 500_000, paidAt: sentAt })).kind).toBe('paid');
  }
  const service = await h.service({ metrics, timings: TIMINGS });
  await service.ledger.create(
    {
      ...newIntent(req, id, { operator: 'FINCA', collection: 'none', at: new Date(sentAt.getTime() - 1000) }),
      status: 'uncertain',
      holdsAccount: true,
      baseline: [{ faeId: BILL, balanceCentimes: BALANCE }],
      payAttempts: 2,
      submittedAt: sentAt,
      nextCheckAt: sentAt,
    },
    { events: [{ event: 'confirmed' }] },
  );

  const record = await settledRecord(service, id);
  expect(record).toMatchObject({ status: 'reconciled', ownReference: true, flagReason: 'double_payment' });
  expect(record.numAcquit).toMatch(/^RGD-[0-9A-F]{10}$/);
  expect(h.sandbox.calls.payFact).toBe(2);
  expect(h.sandbox.payments()).toHaveLength(2);
  const trail = await service.auditTrail(id);
  expect(trail.map((e) => e.event)).toEqual(['confirmed', 'reconciled_landed_twice']);
  expect(trail[1]?.detail).toBe('balances fell by 1000000 centimes for a payment of 500000: paid twice, 2 PayFacts sent');
  expect((await service.ledger.load(id))?.holdsAccount).toBe(false);
  expect((await service.flagged(10)).map((r) => r.intentId)).toEqual([id]);
  expect(await value('payments_flagged_total{reason="double_payment"}')).toBe(1);
  expect(await value('payments_settled_total{status="reconciled"}')).toBe(1);
  const [sms] = await smsTo(h.outbox, PHONE);
  expect(sms).toContain(record.numAcquit);
  expect(sms).toContain('sans numéro de quittance');
});

it('a PayFact withheld (its compare-and-set to submitted took past a quarter of the settle window) then paid is not flagged: only one PayFact ever left', async () => {
  h = await startHarness();
  // The ledger answers the write that marks the intent `submitted` slowly, once (a stalled
  // database): the job must not send PayFact after it, and must not count a PayFact it never sent.
  let stallOnce = true;
  const slow: Db = {
    ...h.db,
    transaction: (fn) =>
      h.db.transaction((tx) =>
        fn({
          ...tx,
          query: async (text, params) => {
            if (stallOnce && text.startsWith('UPDATE payment_intents') && params?.includes('submitted')) {
              stallOnce = false;
              await new Promise((resolve) => setTimeout(resolve, TIMINGS.settleMs / 2));
            }
            return tx.query(text, params);
          },
        }),
      ),
  };
  const service = await h.service({ db: slow, metrics, timings: TIMINGS });
  const req = await requestFor(h.regideso);
  await service.confirm(req);
  const record = await settledRecord(service, intentOf(req));

  expect(stallOnce).toBe(false);
  expect(record).toMatchObject({ status: 'succeeded', ownReference: false });
  expect(h.sandbox.calls.payFact).toBe(1);
  const trail = (await service.auditTrail(record.intentId)).map((e) => e.event);
  expect(trail).toEqual(['confirmed', 'payfact_withheld', 'reconciled_not_landed', 'payfact_sent', 'paid']);
  expect(await service.ledger.load(record.intentId)).toMatchObject({ payAttempts: 1, flagReason: null });
  expect(await service.flagged(10)).toEqual([]);
  expect((await metrics.registry.metrics()).includes('payments_flagged_total{')).toBe(false);
});
