import request from 'supertest';
import { createPawapayCollection } from '../../src/collections/pawapay/adapter';
import { startSandboxWallet, type RunningSandboxWallet } from '../../src/collections/sandbox/server';
import { silentLogger } from '../../src/logging/logger';
import { createOperatorStore } from '../../src/operators/store';
import { kinshasaDay } from '../../src/reconciliation/day';
import { createReconciliationService, type RunReport } from '../../src/reconciliation/service';
import type { PaymentDetail } from '../../src/payments/detail';
import type { PaymentServiceHandle } from '../../src/payments/service';
import type { PaymentRecord } from '../../src/payments/types';
import { startProduct, REDIS_ENV, type RunningProduct } from '../e2e/product-kit';
import { bearer } from '../http/operator-kit';
import { intentOf, requestFor, settledRecord, startHarness, type Harness } from '../payments/harness';
import { testDb, type TestDb } from '../support/db';
import { sandboxClient } from '../support/regideso';
import { until } from '../support/wait';

/**
 * The daily reconciliation through the composed product (supertest, operator keys from the
 * operator store), on payments of today made by the real payment service in both modes (the
 * operator collecting upstream, and the wallet through the real pawaPay adapter), against the
 * sandbox REGIDESO and the sandbox wallet over HTTP, on a PostgreSQL schema of this file's own.
 */
let pg: TestDb;
let h: Harness;
let wallet: RunningSandboxWallet;
let p: RunningProduct;
const keys = { viewer: '', resolver: '' };
const paid: PaymentRecord[] = [];
let refunded: PaymentRecord;
const today = kinshasaDay(new Date());

async function pay(service: PaymentServiceHandle, amountCentimes: number, provider?: 'VODACOM_MPESA_COD'): Promise<PaymentRecord> {
  const req = await requestFor(h.regideso, { amountCentimes, ...(provider !== undefined ? { provider } : {}) });
  await service.confirm(req);
  return settledRecord(service, intentOf(req));
}

beforeAll(async () => {
  pg = await testDb('reconciliation');
  wallet = await startSandboxWallet({ approveDelayMs: 50, refundDelayMs: 50 });
  h = await startHarness({ db: pg.db });
  // The operator collecting upstream first, then the wallet: one payment service at a time, since
  // each sweeps the whole ledger and would take up the other's open payments.
  const upstream = await h.service();
  paid.push(await pay(upstream, 100_000), await pay(upstream, 150_000));
  await upstream.close();
  const collecting = await h.service({ wallet: createPawapayCollection({ baseUrl: wallet.baseUrl, apiToken: wallet.apiToken, timeoutMs: 2000, logger: silentLogger() }) });
  paid.push(await pay(collecting, 200_000, 'VODACOM_MPESA_COD'), await pay(collecting, 250_057, 'VODACOM_MPESA_COD'));
  // REGIDESO refuses after the debit: the money goes back to the wallet.
  h.sandbox.faults.payFact.push({ kind: 'refuse', message: 'Montant invalide' });
  refunded = await pay(collecting, 300_000, 'VODACOM_MPESA_COD');
  await collecting.close();
  expect(paid.map((r) => r.status)).toEqual(['succeeded', 'succeeded', 'succeeded', 'succeeded']);
  expect(refunded.status).toBe('refunded');

  // The product as main.ts builds it, pointed at the same sandboxes and ledger.
  p = await startProduct(
    {
      ...REDIS_ENV,
      LOG_LEVEL: 'error',
      REGIDESO_BASE_URL: h.sandbox.baseUrl,
      REGIDESO_API_KEY: h.sandbox.apiKey,
      REGIDESO_TIMEOUT_MS: '500',
      COLLECTION: 'pawapay',
      PAWAPAY_BASE_URL: wallet.baseUrl,
      PAWAPAY_API_TOKEN: wallet.apiToken,
    },
    { db: pg.db, reconciliationSchedule: false },
  );
  const operators = createOperatorStore(pg.db);
  for (const [name, role] of [['Vicky Viewer', 'viewer'], ['Rose Resolver', 'resolver']] as const) {
    const added = await operators.add(name, role);
    if (added.kind !== 'added') throw new Error(added.kind);
    keys[role] = added.key;
  }
});

afterAll(async () => {
  await p?.close();
  await h?.cleanup();
  await wallet?.close();
  await pg?.drop();
});

const app = () => p.product.app;
const latest = (day = today, key = keys.viewer) => request(app()).get(`/reconciliation/runs?day=${day}`).set(bearer(key));

/** Starts a run as the resolver and waits for it to finish. */
async function reconcile(): Promise<RunReport> {
  const res = await request(app()).post('/reconciliation/runs').set(bearer(keys.resolver)).send({ day: today }).expect(202);
  const started = res.body as RunReport;
  return until(async () => {
    const r = (await latest().expect(200)).body as RunReport;
    return r.id === started.id && r.status !== 'running' ? r : undefined;
  });
}

const ledgerTotal = () => [...paid, refunded].reduce((sum, r) => sum + r.amountCentimes, 0);

it('a day whose payments all agree with REGIDESO and pawaPay: the ledger count and total are matched, per provider too', async () => {
  const run = await reconcile();
  expect(run).toMatchObject({ day: today, status: 'done', startedBy: 'Rose Resolver', finishedAt: expect.any(String), mismatches: [] });
  expect(run.totals.ledger).toEqual({ count: 5, amountCentimes: ledgerTotal() });
  expect(run.totals.matched).toEqual(run.totals.ledger);
  expect(run.totals.open).toEqual({ count: 0 });
  expect(run.totals.unchecked).toEqual({ count: 0 });
  expect(run.totals.byProvider).toEqual({
    none: { count: 2, amountCentimes: 250_000, matched: 2, mismatched: 0 },
    VODACOM_MPESA_COD: { count: 3, amountCentimes: 750_057, matched: 3, mismatched: 0 },
  });
});

it('a receipt REGIDESO no longer knows is listed with its kind, and the payment is flagged for the operator; the gauges and the health view show the flag', async () => {
  const lost = paid[1] as PaymentRecord;
  expect(h.sandbox.forget(lost.numAcquit ?? '')).toBe(true);
  const run = await reconcile();
  expect(run.mismatches).toEqual([{ intentId: lost.intentId, kind: 'unknown_receipt', detail: expect.stringContaining(lost.numAcquit ?? ''), numAcquit: lost.numAcquit, amountCentimes: 150_000, provider: null }]);
  expect(run.totals.matched).toEqual({ count: 4, amountCentimes: ledgerTotal() - 150_000 });
  expect(run.totals.mismatched).toEqual({ count: 1, amountCentimes: 150_000 });
  expect(run.totals.byProvider.none).toEqual({ count: 2, amountCentimes: 250_000, matched: 1, mismatched: 1 });

  const detail = (await request(app()).get(`/payments/${lost.intentId}`).set(bearer(keys.viewer)).expect(200)).body as PaymentDetail;
  expect(detail.flag).toMatchObject({ reason: 'reconciliation_mismatch', resolvedAt: null });
  expect(detail.trail.map((e) => e.event)).toContain('flagged_reconciliation_mismatch');

  await p.product.parts.operations.refreshGauges();
  const metrics = (await request(app()).get('/metrics').expect(200)).text;
  expect(metrics).toMatch(/^payments_open_flags\{reason="reconciliation_mismatch"\} 1$/m);
  expect(metrics).toMatch(/^reconciliation_last_run_mismatches 1$/m);
  expect(metrics).toMatch(/^wallet_deposits_open_oldest_seconds 0$/m);
  expect(metrics).toMatch(/^jobs_waiting\{queue="payments"\} \d+$/m);
  const health = await p.product.parts.operations.healthSnapshot();
  expect(health).toEqual({ regideso: { up: true, checkedAt: expect.any(String) }, jobsWaiting: { payments: expect.any(Number), sms: expect.any(Number), 'sms-inbound': expect.any(Number) }, smsFailing: 0, openFlags: { reconciliation_mismatch: 1 } });

  // Resolved by an operator, then the day run again: still listed, not put back on their list.
  await request(app()).post(`/payments/flagged/${lost.intentId}/resolve`).set(bearer(keys.resolver)).send({ note: 'REGIDESO restores the receipt' }).expect(200);
  const again = await reconcile();
  expect(again.mismatches.map((m) => m.kind)).toEqual(['unknown_receipt']);
  expect((await request(app()).get('/payments/flagged').set(bearer(keys.viewer)).expect(200)).body).toEqual([]);
  await p.product.parts.operations.refreshGauges();
  expect((await request(app()).get('/metrics').expect(200)).text).toMatch(/^payments_open_flags\{reason="reconciliation_mismatch"\} 0$/m);
});

it('the mismatches as CSV: a header line and one line per mismatch, the amount in CDF beside the centimes', async () => {
  const lost = paid[1] as PaymentRecord;
  const res = await latest().set('Accept', 'text/csv').expect(200).expect('content-type', /text\/csv/);
  const lines = res.text.split('\r\n');
  expect(lines[0]).toBe('intentId,kind,detail,numAcquit,amountCentimes,amountCdf,provider');
  expect(lines).toHaveLength(3);
  const cells = (lines[1] ?? '').split(',');
  expect(cells[0]).toBe(lost.intentId);
  expect(cells[1]).toBe('unknown_receipt');
  expect(cells.slice(-4)).toEqual([lost.numAcquit, '150000', '1500.00', '']);
});

it('REGIDESO not answering leaves payments unchecked, not mismatched; a second request meanwhile gets the running run; the next run checks them', async () => {
  // Every VerifyTransaction of this run (two tries each) times out.
  for (let i = 0; i < 12; i++) h.sandbox.faults.verify.push({ kind: 'hang', ms: 2000 });
  const first = (await request(app()).post('/reconciliation/runs').set(bearer(keys.resolver)).send({ day: today }).expect(202)).body as RunReport;
  expect(first).toMatchObject({ day: today, status: 'running', startedBy: 'Rose Resolver', mismatches: [] });
  const second = (await request(app()).post('/reconciliation/runs').set(bearer(keys.resolver)).send({ day: today }).expect(202)).body as RunReport;
  expect(second.id).toBe(first.id);
  const run = await until(async () => {
    const r = (await latest().expect(200)).body as RunReport;
    return r.status === 'done' ? r : undefined;
  });
  // The four payments with a REGIDESO receipt could not be checked; the refunded one (no receipt) could.
  expect(run.totals.unchecked).toEqual({ count: 4 });
  expect(run.totals.matched.count).toBe(1);
  expect(run.mismatches).toEqual([]);
  h.sandbox.faults.verify.length = 0;
  const next = await reconcile();
  expect(next.totals.unchecked).toEqual({ count: 0 });
  expect(next.totals.matched.count).toBe(4);
});

describe('access and input', () => {
  it('a viewer reads the runs but cannot start one (403); no key: 401', async () => {
    await latest(today, keys.viewer).expect(200);
    const res = await request(app()).post('/reconciliation/runs').set(bearer(keys.viewer)).send({ day: today }).expect(403);
    expect(res.body.error).toBe('forbidden');
    await request(app()).post('/reconciliation/runs').send({ day: today }).expect(401);
    await request(app()).get(`/reconciliation/runs?day=${today}`).expect(401);
  });

  it.each([
    [{}, 'day:'],
    [{ day: '2026-02-30' }, 'calendar day'],
    [{ day: '2026-2-3' }, 'calendar day'],
    [{ day: kinshasaDay(new Date(Date.now() + 2 * 86_400_000)) }, 'future'],
    [{ day: 20260101 }, 'day:'],
  ])('POST %j: 400 saying why', async (body, words) => {
    const res = await request(app()).post('/reconciliation/runs').set(bearer(keys.resolver)).send(body).expect(400);
    expect(res.body.error).toBe('bad_request');
    expect(res.body.message).toContain(words);
  });

  it('a day never reconciled: 404 in JSON; a bad day: 400', async () => {
    const res = await latest('2024-01-31').expect(404).expect('content-type', /json/);
    expect(res.body.error).toBe('not_found');
    await latest('yesterday').expect(400);
  });
});

describe('the nightly run', () => {
  it('runs once for the day before, even with two instances racing for it', async () => {
    // Two instances on one schema (two pools), each with its scheduler's clock at 01:00 tomorrow.
    const second = pg.connect();
    const at = new Date(`${kinshasaDay(new Date(Date.now() + 86_400_000))}T01:00:00+01:00`);
    const regideso = sandboxClient(h.sandbox);
    const make = (db: typeof second) =>
      createReconciliationService({
        db,
        ledger: p.product.parts.payments.ledger,
        flag: (id, reason, detail) => p.product.parts.payments.flag(id, reason, detail),
        ports: { verify: (n, province) => regideso.verifyTransaction(n, province), wallet: undefined, callTimeoutMs: 5000 },
        logger: silentLogger(),
        now: () => at,
      });
    const a = make(pg.db);
    const b = make(second);
    const claimed = await Promise.all([a.scheduleTick(), b.scheduleTick(), a.scheduleTick(), b.scheduleTick()]);
    expect(claimed.filter((r) => r !== undefined)).toHaveLength(1);
    await Promise.all([a.idle(), b.idle()]);
    const runs = await pg.db.query<{ kind: string; status: string; started_by: string }>(`SELECT kind, status, started_by FROM reconciliation_runs WHERE day = $1 AND kind = 'scheduled'`, [today]);
    expect(runs.rows).toEqual([{ kind: 'scheduled', status: 'done', started_by: 'schedule' }]);
    // Later looks that day find it done: no second run.
    expect(await a.scheduleTick()).toBeUndefined();
    const report = (await latest().expect(200)).body as RunReport;
    expect(report).toMatchObject({ startedBy: 'schedule', status: 'done' });
    expect(report.totals.ledger.count).toBe(5);
    await Promise.all([a.close(), b.close()]);
  });

  it('a nightly run whose instance stopped is taken over once its heartbeat is old, and only then', async () => {
    const store = p.product.parts.reconciliation.store;
    const day = '2025-06-01';
    const t0 = new Date('2025-06-02T00:20:00Z');
    const mine = await store.claimScheduled(day, t0, new Date(t0.getTime() - 120_000));
    expect(mine?.status).toBe('running');
    const soon = new Date(t0.getTime() + 60_000);
    expect(await store.claimScheduled(day, soon, new Date(soon.getTime() - 120_000))).toBeUndefined();
    const late = new Date(t0.getTime() + 180_000);
    const taken = await store.claimScheduled(day, late, new Date(late.getTime() - 120_000));
    expect(taken?.id).toBe(mine?.id);
    expect(taken?.heartbeat_at).toEqual(late);
    // The dead instance's heartbeat no longer counts for it once done by the new owner.
    await store.finish(taken?.id ?? 0, 'done', taken?.totals ?? (mine?.totals as never), late);
    expect(await store.heartbeat(mine?.id ?? 0, mine?.totals as never, late)).toBe(false);
  });
});
