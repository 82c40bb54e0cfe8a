import { createMetrics, type Metrics } from '../../src/metrics';
import { intentIdFor } from '../../src/payments/ids';
import { eventually, requestFor, settledRecord, startHarness, type Harness } from './harness';
import { metricValue } from '../support/metrics';

/**
 * The operator's view of the money path, read as Prometheus scrapes it (the registry's text), for
 * payments made through the sandbox REGIDESO over HTTP with BullMQ on the real Redis.
 */
let h: Harness;
let metrics: Metrics;
beforeEach(async () => {
  h = await startHarness();
  metrics = createMetrics({ defaults: false });
});
afterEach(async () => {
  await h.cleanup();
});

const value = (series: string) => metricValue(metrics.registry, series);

it('a payment through the sandbox counts one PayFact paid, one intent settled succeeded, and its settle time', async () => {
  const service = await h.service({ metrics });
  expect(await value('payments_settled_total{status="succeeded"}')).toBe(0);
  const req = await requestFor(h.regideso);
  expect((await service.confirm(req)).kind).toBe('succeeded');
  await eventually(async () => (await value('payment_settle_seconds_count')) === 1);

  expect(await value('payfact_calls_total{outcome="paid"}')).toBe(1);
  expect(await value('payfact_calls_total{outcome="uncertain"}')).toBe(0);
  expect(await value('payments_settled_total{status="succeeded"}')).toBe(1);
  expect(await value('payments_settled_total{status="reconciled"}')).toBe(0);
  expect(await value('payments_flagged_total')).toBe(0);
  expect(await value('payment_settle_seconds_bucket{le="+Inf"}')).toBe(1);
  // A replayed confirm of a settled payment settles nothing more.
  await service.confirm(req);
  expect(await value('payments_settled_total{status="succeeded"}')).toBe(1);
  expect(await value('payfact_calls_total{outcome="paid"}')).toBe(1);
});

it('an answer dropped after REGIDESO applied the payment: PayFact uncertain, settled reconciled, flagged, once each', async () => {
  const service = await h.service({ metrics });
  h.sandbox.faults.payFact.push({ kind: 'dropAfterApply' });
  const req = await requestFor(h.regideso);
  await service.confirm(req);
  const record = await settledRecord(service, intentIdFor(req.sessionId));
  expect(record.status).toBe('reconciled');
  await eventually(async () => (await value('payments_flagged_total')) === 1);

  expect(await value('payfact_calls_total{outcome="uncertain"}')).toBe(1);
  expect(await value('payfact_calls_total{outcome="paid"}')).toBe(0);
  expect(await value('payments_settled_total{status="reconciled"}')).toBe(1);
  expect(await value('payments_settled_total{status="succeeded"}')).toBe(0);
  expect(await value('payment_settle_seconds_count')).toBe(1);
});

it('a refusal by PayFact counts as refused and settles failed', async () => {
  // The job's precheck passes; someone else pays the whole bill just before our PayFact leaves.
  const regideso = {
    ...h.regideso,
    payBills: async (r: Parameters<typeof h.regideso.payBills>[0]) => {
      expect((await h.regideso.payBills(r)).kind).toBe('paid');
      return h.regideso.payBills(r);
    },
  };
  const service = await h.service({ metrics, regideso });
  const req = await requestFor(h.regideso);
  await service.confirm({ ...req, amountCentimes: req.bills[0]?.balanceCentimes ?? 0 });
  const record = await settledRecord(service, intentIdFor(req.sessionId));
  expect(record.status).toBe('failed');
  await eventually(async () => (await value('payments_settled_total{status="failed"}')) === 1);
  expect(await value('payfact_calls_total{outcome="refused"}')).toBe(1);
  expect(await value('payfact_calls_total{outcome="paid"}')).toBe(0);
});

it('two services on one registry share the metrics instead of failing to register them twice', async () => {
  const a = await h.service({ metrics });
  const b = await h.service({ metrics });
  await a.confirm(await requestFor(h.regideso, { amountCentimes: 20_000 }));
  await b.confirm(await requestFor(h.regideso, { amountCentimes: 20_000 }));
  await eventually(async () => (await value('payments_settled_total{status="succeeded"}')) === 2);
  expect(await value('payfact_calls_total{outcome="paid"}')).toBe(2);
});
