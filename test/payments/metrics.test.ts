import { createMetrics, type Metrics } from '../../src/metrics';
import type { RegidesoClient } from '../../src/regideso/types';
import { metricValue } from '../support/metrics';
import { eventually, intentOf, requestFor, settledRecord, startHarness, type Harness } from './harness';

/**
 * The operator's view of the money path, read as Prometheus scrapes it (the registry's text), for
 * payments made through the sandbox REGIDESO over HTTP with the ledger in PostgreSQL and BullMQ on
 * the real Redis. Each test has a registry of its own.
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

it('every series is there at zero before the first payment', async () => {
  await h.service({ metrics });
  const text = await metrics.registry.metrics();
  for (const series of [
    'payfact_calls_total{outcome="paid"} 0',
    'payfact_calls_total{outcome="uncertain"} 0',
    'payfact_calls_total{outcome="refused"} 0',
    'payments_settled_total{status="succeeded"} 0',
    'payments_settled_total{status="reconciled"} 0',
    'payments_settled_total{status="failed"} 0',
    'payments_flag_resolutions_total 0',
    'payment_settle_seconds_count 0',
  ]) {
    expect(text.split('\n')).toContain(series);
  }
});

it('a payment through the sandbox counts one PayFact paid, one intent settled succeeded, and its settle time', async () => {
  const service = await h.service({ metrics });
  const req = await requestFor(h.regideso);
  expect((await service.confirm(req)).kind).toBe('succeeded');
  await eventually(async () => (await value('payment_settle_seconds_count')) === 1);

  expect(await value('payfact_calls_total{outcome="paid"}')).toBe(1);
  expect(await value('payfact_calls_total{outcome="uncertain"}')).toBe(0);
  expect(await value('payments_settled_total{status="succeeded"}')).toBe(1);
  expect(await value('payments_settled_total{status="reconciled"}')).toBe(0);
  expect(await value('payment_settle_seconds_bucket{le="+Inf"}')).toBe(1);
  // Settled within the confirm's wait: well inside the 2 s bucket.
  expect(await value('payment_settle_seconds_bucket{le="2"}')).toBe(1);
  expect((await metrics.registry.metrics()).includes('payments_flagged_total{')).toBe(false);
  // A replayed confirm of a settled payment settles nothing more.
  await service.confirm(req);
  expect(await value('payments_settled_total{status="succeeded"}')).toBe(1);
  expect(await value('payfact_calls_total{outcome="paid"}')).toBe(1);
  expect(await value('payment_settle_seconds_count')).toBe(1);
});

it('an answer dropped after REGIDESO applied the payment: PayFact uncertain, settled reconciled, flagged landed_without_receipt, once each', async () => {
  const service = await h.service({ metrics });
  h.sandbox.faults.payFact.push({ kind: 'dropAfterApply' });
  const req = await requestFor(h.regideso);
  await service.confirm(req);
  const record = await settledRecord(service, intentOf(req));
  expect(record.status).toBe('reconciled');

  expect(await value('payfact_calls_total{outcome="uncertain"}')).toBe(1);
  expect(await value('payfact_calls_total{outcome="paid"}')).toBe(0);
  expect(await value('payments_settled_total{status="reconciled"}')).toBe(1);
  expect(await value('payments_settled_total{status="succeeded"}')).toBe(0);
  expect(await value('payments_flagged_total{reason="landed_without_receipt"}')).toBe(1);
  expect(await value('payment_settle_seconds_count')).toBe(1);
});

it('a 500 then a PayFact that pays: one uncertain, one paid, settled succeeded, flagged repaid_after_uncertain once', async () => {
  const service = await h.service({ metrics });
  h.sandbox.faults.payFact.push({ kind: 'error500' });
  const req = await requestFor(h.regideso);
  await service.confirm(req);
  expect((await settledRecord(service, intentOf(req))).status).toBe('succeeded');

  expect(await value('payfact_calls_total{outcome="uncertain"}')).toBe(1);
  expect(await value('payfact_calls_total{outcome="paid"}')).toBe(1);
  expect(await value('payments_settled_total{status="succeeded"}')).toBe(1);
  expect(await value('payments_flagged_total{reason="repaid_after_uncertain"}')).toBe(1);
});

it('a refusal by PayFact counts as refused and settles failed', async () => {
  // The job's check passes; someone else pays the whole bill just before our PayFact leaves.
  const regideso: RegidesoClient = {
    ...h.regideso,
    payBills: async (r) => {
      expect((await h.regideso.payBills(r)).kind).toBe('paid');
      return h.regideso.payBills(r);
    },
  };
  const service = await h.service({ metrics, regideso });
  const req = await requestFor(h.regideso);
  await service.confirm({ ...req, amountCentimes: req.bills[0]?.balanceCentimes ?? 0 });
  const record = await settledRecord(service, intentOf(req));
  expect(record).toMatchObject({ status: 'failed', numAcquit: null });
  expect(await value('payments_settled_total{status="failed"}')).toBe(1);
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
