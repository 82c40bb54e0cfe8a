import { createMetrics, type Metrics } from '../../src/metrics';
import { intentIdFor } from '../../src/payments/ids';
import { eventually, PHONE, requestFor, settledRecord, startHarness, type Harness } from './harness';
import { metricValue } from '../support/metrics';

/**
 * PayFact has no idempotency key: a payment that went through on a second or later PayFact may
 * also be taken by the first one, should REGIDESO apply it late (after the settle window). That
 * cannot be prevented here, so every such payment is flagged for a person to check, keeping
 * REGIDESO's receipt number. Real Redis, the sandbox over HTTP.
 */
let h: Harness;
let metrics: Metrics;

beforeEach(() => {
  metrics = createMetrics({ defaults: false });
});
afterEach(async () => {
  await h.cleanup();
});

const value = (series: string) => metricValue(metrics.registry, series);

it('a PayFact that hangs past the settle window and is applied after the job paid again: the money is taken twice, and the payment is flagged', async () => {
  h = await startHarness({ clientTimeoutMs: 300 });
  // The job gives up on the hung request at 300 ms, finds the balances unchanged after the settle
  // window (100 ms here) and pays again; REGIDESO applies the hung request at 1 500 ms.
  const service = await h.service({ metrics, reconcileSettleMs: 100 });
  h.sandbox.faults.payFact.push({ kind: 'hang', ms: 1500 });
  const req = await requestFor(h.regideso);
  await service.confirm(req);
  const record = await settledRecord(service, intentIdFor(req.sessionId));

  expect(record).toMatchObject({ status: 'succeeded', ownReference: false });
  // The late application happens: two payments at REGIDESO for one intent.
  await eventually(async () => h.sandbox.payments().length === 2);
  expect(h.sandbox.calls.payFact).toBe(2);
  // REGIDESO's receipt number of the PayFact that answered stays the receipt.
  expect(record.numAcquit).toBe(h.sandbox.payments()[0]?.numAcquit);
  expect((await service.flagged(10)).map((r) => r.intentId)).toEqual([record.intentId]);
  expect(await service.findByNumAcquit(record.numAcquit ?? '')).toMatchObject({ intentId: record.intentId, ownReference: false });
  let events: string[] = [];
  await eventually(async () => {
    events = (await service.auditTrail(record.intentId)).map((e) => e.event);
    return events.includes('sms_sent');
  });
  expect(events).toEqual(expect.arrayContaining(['payfact_uncertain', 'reconciled_not_landed', 'paid', 'repaid_after_uncertain']));
  expect(events.filter((e) => e === 'payfact_sent')).toHaveLength(2);
  expect(await value('payments_flagged_total')).toBe(1);
  // The subscriber gets the ordinary receipt: the money did reach REGIDESO.
  expect((await h.outbox.list(PHONE))[0]?.message).toContain(record.numAcquit);
});

it('a PayFact that answered 500 and a second one that paid: flagged once, with the receipt number', async () => {
  h = await startHarness();
  const service = await h.service({ metrics });
  h.sandbox.faults.payFact.push({ kind: 'error500' });
  const req = await requestFor(h.regideso);
  await service.confirm(req);
  const record = await settledRecord(service, intentIdFor(req.sessionId));
  expect(record).toMatchObject({ status: 'succeeded', ownReference: false });
  expect(record.numAcquit).toBe(h.sandbox.payments()[0]?.numAcquit);
  expect((await service.flagged(10)).map((r) => r.intentId)).toEqual([record.intentId]);
  await eventually(async () => (await service.auditTrail(record.intentId)).some((e) => e.event === 'repaid_after_uncertain'));
  expect(await value('payments_flagged_total')).toBe(1);
});

it('a payment that went through on its first PayFact is not flagged', async () => {
  h = await startHarness();
  const service = await h.service({ metrics });
  const req = await requestFor(h.regideso);
  expect((await service.confirm(req)).kind).toBe('succeeded');
  await eventually(async () => (await service.auditTrail(intentIdFor(req.sessionId))).some((e) => e.event === 'sms_sent'));
  expect(await service.flagged(10)).toEqual([]);
  expect(await value('payments_flagged_total')).toBe(0);
});
