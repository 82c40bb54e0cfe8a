import type { Db } from '../../src/db/types';
import { createMetrics } from '../../src/metrics';
import type { PaymentServiceDeps, PaymentServiceHandle } from '../../src/payments/service';
import type { SandboxFault } from '../../src/regideso/sandbox/server';
import type { RegidesoClient } from '../../src/regideso/types';
import { metricValue } from '../support/metrics';
import { testPglite } from '../support/db';
import { emptyLedger, FAST_TIMINGS, intentOf, PHONE, requestFor, settledRecord, smsTo, startHarness, storyOf, type Harness } from './harness';

/**
 * A PayFact whose outcome cannot be learnt (REGIDESO unreadable past unresolvedAfterMs after it was
 * sent) is flagged `outcome_unknown` and the subscriber told "under review, do not pay again"; the
 * job keeps reading, slowly, and once REGIDESO answers the bills decide: not landed → failed,
 * nothing taken, never paid this late; landed → reconciled under our reference. The account stays
 * held all along. Then the operator marks the flag handled. With BullMQ on the real Redis and
 * PostgreSQL, and in-process on PGlite; the sandbox over HTTP.
 */
const TIMINGS = { ...FAST_TIMINGS, unresolvedAfterMs: 400 };

describe.each([
  ['BullMQ', false],
  ['in-process', true],
] as const)('with %s', (_name, inMemory) => {
  let h: Harness;
  let down: { clear(): void } | undefined;
  // In-process: one PGlite for the file's tests, emptied before each (starting one takes seconds).
  let ledgerDb: Db | undefined;
  beforeAll(async () => {
    if (inMemory) ledgerDb = await testPglite();
  });
  afterAll(async () => {
    await ledgerDb?.close();
  });
  beforeEach(async () => {
    if (ledgerDb !== undefined) await emptyLedger(ledgerDb);
    h = await startHarness({ inMemory, ...(ledgerDb !== undefined ? { db: ledgerDb } : {}) });
  });
  afterEach(async () => {
    down?.clear();
    down = undefined;
    await h.cleanup();
  });

  /** Every GetFact fails (the client tries each twice) until `answerAgain`. */
  function regidesoUnreadable(): void {
    for (let i = 0; i < 2000; i++) h.sandbox.faults.getFact.push({ kind: 'error500' });
    down = { clear: () => (h.sandbox.faults.getFact.length = 0) };
  }
  const answerAgain = () => down?.clear();

  /** PayFact meets `fault`, then REGIDESO cannot be read: waits until the payment is flagged and the subscriber told. */
  async function unknowable(fault: SandboxFault, overrides: Partial<PaymentServiceDeps> = {}): Promise<{ service: PaymentServiceHandle; id: string }> {
    const regideso: RegidesoClient = {
      ...h.regideso,
      payBills: async (r) => {
        const out = await h.regideso.payBills(r);
        regidesoUnreadable();
        return out;
      },
    };
    const service = await h.service({ regideso, confirmWaitMs: 100, timings: TIMINGS, ...overrides });
    h.sandbox.faults.payFact.push(fault);
    const req = await requestFor(h.regideso);
    const id = intentOf(req);
    await service.confirm(req);
    const flagged = await settledRecord(service, id, (r) => r.flagReason === 'outcome_unknown');
    expect(flagged).toMatchObject({ status: 'uncertain', failureMessage: 'outcome unknown: unavailable', resolvedAt: null });
    expect(await service.ledger.load(id)).toMatchObject({ unresolved: true, holdsAccount: true, payAttempts: 1 });
    expect((await service.flagged(10)).map((r) => r.intentId)).toEqual([id]);
    const [review] = await smsTo(h.outbox, PHONE);
    expect(review).toContain('en vérification. Ne payez pas à nouveau');
    return { service, id };
  }

  const events = async (service: PaymentServiceHandle, id: string) => storyOf((await service.auditTrail(id)).map((e) => e.event));

  it('not landed (500): once REGIDESO answers, failed, the subscriber told nothing was taken, never paid again, still flagged', async () => {
    const { service, id } = await unknowable({ kind: 'error500' });
    answerAgain();
    const record = await settledRecord(service, id);

    expect(record).toMatchObject({ status: 'failed', flagReason: 'outcome_unknown', resolvedAt: null });
    expect(h.sandbox.calls.payFact).toBe(1);
    expect(h.sandbox.payments()).toEqual([]);
    const texts = await smsTo(h.outbox, PHONE, 2);
    expect(texts).toHaveLength(2);
    expect(texts[0]).toContain("n'a pas abouti. Aucun montant prélevé");
    expect(texts[1]).toContain('en vérification');
    expect((await service.flagged(10)).map((r) => r.intentId)).toEqual([id]);
    const trail = await events(service, id);
    expect(trail).toEqual(expect.arrayContaining(['payfact_uncertain', 'reconcile_unavailable', 'gave_up_uncertain', 'resolved_not_landed', 'abandoned']));
    expect(trail.filter((e) => e === 'payfact_sent')).toHaveLength(1);
    expect(trail).not.toContain('reconciled_not_landed');
    expect((await service.ledger.load(id))?.holdsAccount).toBe(false);
  });

  it('landed (answer dropped): once REGIDESO answers, reconciled under our reference, the subscriber told it arrived; never paid again', async () => {
    const { service, id } = await unknowable({ kind: 'dropAfterApply' });
    answerAgain();
    const record = await settledRecord(service, id);

    expect(record).toMatchObject({ status: 'reconciled', ownReference: true, flagReason: 'landed_without_receipt' });
    expect(record.numAcquit).toMatch(/^RGD-[0-9A-F]{10}$/);
    expect(h.sandbox.calls.payFact).toBe(1);
    expect(h.sandbox.payments()).toHaveLength(1);
    const texts = await smsTo(h.outbox, PHONE, 2);
    expect(texts[0]).toContain('sans numéro de quittance');
    expect(texts[0]).toContain(record.numAcquit);
    expect(await events(service, id)).toEqual(expect.arrayContaining(['gave_up_uncertain', 'reconciled_landed']));
    expect(await service.findByNumAcquit(record.numAcquit ?? '')).toMatchObject({ intentId: id, status: 'reconciled' });
    expect(await service.ledger.load(id)).toMatchObject({ unresolved: false, holdsAccount: false });
  });

  it('while unresolved the job keeps reading and tells the subscriber once; the account stays held, so a confirm on it meanwhile starts nothing, and one after it pays', async () => {
    // Another confirm on the same account (any phone, any amount), made while REGIDESO cannot be read.
    const meanwhile = await requestFor(h.regideso, { amountCentimes: 20_000, phoneNumber: '+243812345890' });
    const { service, id } = await unknowable({ kind: 'error500' });
    const unavailableAt = (await events(service, id)).filter((e) => e === 'reconcile_unavailable').length;
    // Told ours is under way, with its amount; nothing recorded.
    expect(await service.confirm(meanwhile)).toEqual({ kind: 'under_way', amountCentimes: 500_000 });
    expect(await service.ledger.load(intentOf(meanwhile))).toBeUndefined();
    // Still read at the slow pace, still unresolved, told once.
    await eventuallyEvents(service, id, (trail) => trail.filter((e) => e === 'reconcile_unavailable').length >= unavailableAt + 2);
    expect(await service.ledger.load(id)).toMatchObject({ status: 'uncertain', unresolved: true, holdsAccount: true });
    expect(await h.outbox.list(PHONE)).toHaveLength(1);
    expect(h.sandbox.calls.payFact).toBe(1);

    answerAgain();
    expect((await settledRecord(service, id)).status).toBe('failed');
    const after = await requestFor(h.regideso, { amountCentimes: 20_000 });
    await service.confirm(after);
    const paid = await settledRecord(service, intentOf(after));
    expect(paid.status).toBe('succeeded');
    expect(h.sandbox.payments().map((p) => p.amountCentimes)).toEqual([20_000]);
    expect(h.sandbox.calls.payFact).toBe(2);
  });

  it("the operator's resolution: resolveFlag takes it off the list with the note and who, once; an unknown id is refused; counted", async () => {
    const metrics = createMetrics({ defaults: false });
    const { service, id } = await unknowable({ kind: 'error500' }, { metrics });
    answerAgain();
    await settledRecord(service, id);
    expect(await metricValue(metrics.registry, 'payments_flag_resolutions_total')).toBe(0);

    expect(await service.resolveFlag(id, 'checked with REGIDESO Kinshasa: nothing received', 'ops@finca')).toBe(true);
    expect(await service.flagged(10)).toEqual([]);
    expect(await service.get(id)).toMatchObject({ status: 'failed', flagReason: 'outcome_unknown', resolvedAt: expect.any(String) });
    expect(await service.ledger.load(id)).toMatchObject({ resolvedBy: 'ops@finca', resolutionNote: 'checked with REGIDESO Kinshasa: nothing received' });
    const last = (await service.auditTrail(id)).at(-1);
    expect(last).toMatchObject({ event: 'flag_resolved', detail: 'by ops@finca: checked with REGIDESO Kinshasa: nothing received' });

    expect(await service.resolveFlag(id, 'again', 'ops@finca')).toBe(false);
    expect(await service.resolveFlag('pi-0000000000000000000000000000dead', 'no such payment', 'ops@finca')).toBe(false);
    expect((await service.auditTrail(id)).filter((e) => e.event === 'flag_resolved')).toHaveLength(1);
    expect(await metricValue(metrics.registry, 'payments_flag_resolutions_total')).toBe(1);
  });
});

async function eventuallyEvents(service: PaymentServiceHandle, id: string, done: (trail: string[]) => boolean): Promise<void> {
  for (;;) {
    if (done((await service.auditTrail(id)).map((e) => e.event))) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
