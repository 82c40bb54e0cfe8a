import { randomUUID } from 'node:crypto';
import { Queue } from 'bullmq';
import type { RedisClient } from '../../src/redis';
import { queuePrefix } from '../../src/jobs/bullmq-runner';
import { newIntent, type Intent } from '../../src/payments/intent';
import type { PaymentServiceHandle } from '../../src/payments/service';
import type { PaymentRequest } from '../../src/payments/types';
import { eventually, FAST_TIMINGS, intentOf, PHONE, requestFor, settledRecord, smsTo, startHarness, storyOf, type Harness } from './harness';

/**
 * One payment at a time per account (refClient + province): with two of our payments on one account
 * at once, a reconciliation could take the other's money for its own, and two checks could pass on
 * a balance that covers one payment only. The ledger's unique partial index
 * (payment_intents_one_per_account) on `holds_account` is the lock; the confirm takes it (another
 * confirm on the account, from any phone, starts nothing and is told a payment is under way), and
 * the payment keeps it until it is paid, refused or given up. Real PostgreSQL, BullMQ on the real
 * Redis, the sandbox over HTTP.
 */
let h: Harness;
beforeEach(async () => {
  h = await startHarness();
});
afterEach(async () => {
  await h.cleanup();
});

const events = async (service: PaymentServiceHandle, id: string) => storyOf((await service.auditTrail(id)).map((e) => e.event));

/** Who holds 83262/KIN in the ledger right now. */
async function holders(): Promise<string[]> {
  const r = await h.db.query<{ id: string }>(`SELECT id FROM payment_intents WHERE province = 'KIN' AND ref_client = '83262' AND holds_account`);
  return r.rows.map((x) => x.id);
}

/**
 * Another of our payments holding the account (as a job between taking it and its check, on
 * another instance): written through the ledger, its next look an hour away so no sweep runs it.
 */
async function holdElsewhere(service: PaymentServiceHandle): Promise<Intent> {
  const req = await requestFor(h.regideso);
  const it = { ...newIntent(req, 'pi-elsewhere', { operator: 'FINCA', collection: 'none', at: new Date() }), nextCheckAt: new Date(Date.now() + 3_600_000) };
  const { intent } = await service.ledger.create(it);
  const held = await service.ledger.update(intent, { holdsAccount: true });
  if (held === undefined) throw new Error('could not take the account');
  return held;
}

describe('one open payment per account, from the confirm on', () => {
  it("A's PayFact fails (500); a confirm of the same bill meanwhile (the redial: same phone, new session) starts nothing and is told A is under way; A is reconciled on its own money and pays again", async () => {
    // A long settle window: the redial comes well inside A's wait for the truth.
    const service = await h.service({ confirmWaitMs: 100, timings: { ...FAST_TIMINGS, settleMs: 1500 } });
    h.sandbox.faults.payFact.push({ kind: 'error500' });
    const a = await requestFor(h.regideso);
    const redial = await requestFor(h.regideso);
    await service.confirm(a);
    await eventually(async () => (await service.get(intentOf(a)))?.status === 'uncertain');
    expect(await holders()).toEqual([intentOf(a)]);
    expect(await service.confirm(redial)).toEqual({ kind: 'under_way', amountCentimes: 500_000 });
    expect(await service.get(intentOf(redial))).toBeUndefined();

    const ra = await settledRecord(service, intentOf(a));
    expect(ra).toMatchObject({ status: 'succeeded', ownReference: false, flagReason: 'repaid_after_uncertain' });
    expect(h.sandbox.payments().map((p) => p.numAcquit)).toEqual([ra.numAcquit]);
    expect(h.sandbox.calls.payFact).toBe(2);
    const aTrail = await events(service, intentOf(a));
    expect(aTrail).toContain('reconciled_not_landed');
    expect(aTrail).not.toContain('reconciled_landed');
    expect(await holders()).toEqual([]);
    // The account is free again: the next confirm pays.
    const next = await requestFor(h.regideso, { amountCentimes: 10_000 });
    expect((await service.confirm(next)).kind).not.toBe('under_way');
    expect((await settledRecord(service, intentOf(next))).status).toBe('succeeded');
    expect(h.sandbox.calls.payFact).toBe(3);
  });

  it('another phone, another amount, while A (1 000 CDF) is uncertain: told the amount under way is 1 000 CDF, nothing recorded; A is not "partial"', async () => {
    const service = await h.service({ confirmWaitMs: 100, timings: { ...FAST_TIMINGS, settleMs: 1500 } });
    h.sandbox.faults.payFact.push({ kind: 'error500' });
    const a = await requestFor(h.regideso, { amountCentimes: 100_000 });
    const b = await requestFor(h.regideso, { amountCentimes: 10_000, phoneNumber: '+243812345890' });
    await service.confirm(a);
    await eventually(async () => (await service.get(intentOf(a)))?.status === 'uncertain');
    expect(await service.confirm(b)).toEqual({ kind: 'under_way', amountCentimes: 100_000 });

    const ra = await settledRecord(service, intentOf(a));
    expect(ra).toMatchObject({ status: 'succeeded', ownReference: false, amountCentimes: 100_000 });
    expect(await service.get(intentOf(b))).toBeUndefined();
    expect(h.sandbox.payments().map((p) => p.amountCentimes)).toEqual([100_000]);
    expect(await events(service, intentOf(a))).not.toContain('reconciled_partial');
  });

  it('two confirms of 10 000 CDF at once on a 17 865,57 CDF bill: one is recorded and pays, the other starts nothing and is told; one PayFact', async () => {
    const service = await h.service({ confirmWaitMs: 100 });
    const a = await requestFor(h.regideso, { amountCentimes: 1_000_000 });
    const b = await requestFor(h.regideso, { amountCentimes: 1_000_000 });
    // "At once" even on a loaded machine: the first payment's PayFact answers after 800 ms, so it
    // cannot finish (and let the account go) before the second confirm has tried to take it; a
    // second confirm after the first payment ended is a new payment, rightly recorded.
    h.sandbox.faults.payFact.push({ kind: 'hang', ms: 800 });
    const outcomes = await Promise.all([service.confirm(a), service.confirm(b)]);
    expect(outcomes.filter((o) => o.kind === 'under_way')).toEqual([{ kind: 'under_way', amountCentimes: 1_000_000 }]);
    const paid = outcomes[0]?.kind === 'under_way' ? b : a;

    const record = await settledRecord(service, intentOf(paid));
    expect(record.status).toBe('succeeded');
    expect(h.sandbox.calls.payFact).toBe(1);
    expect(h.sandbox.payments()).toHaveLength(1);
    const recorded = await h.db.query<{ id: string }>('SELECT id FROM payment_intents');
    expect(recorded.rows.map((r) => r.id)).toEqual([intentOf(paid)]);
    expect(await holders()).toEqual([]);
    // One SMS: the receipt; the confirm told "under way" was told on its screen, not by SMS.
    expect(await smsTo(h.outbox, PHONE)).toEqual([expect.stringContaining(record.numAcquit ?? '?')]);
  });

  it('the account is let go whatever ends the payment: a deposit refused (failed) or a refund under way frees it', async () => {
    const service = await h.service({ confirmWaitMs: 100 });
    const a = await requestFor(h.regideso);
    // Written as a wallet payment would be at its confirm: holding the account, then failed by a step that says nothing of it.
    const { intent } = await service.ledger.create({ ...newIntent(a, intentOf(a), { operator: 'FINCA', collection: 'wallet', at: new Date() }), holdsAccount: true, nextCheckAt: new Date(Date.now() + 3_600_000) });
    expect(await holders()).toEqual([intent.id]);
    const failed = await service.ledger.update(intent, { status: 'failed', depositStatus: 'REJECTED' });
    expect(failed).toMatchObject({ status: 'failed', holdsAccount: false });
    expect(await holders()).toEqual([]);

    const b = await requestFor(h.regideso);
    const { intent: held } = await service.ledger.create({ ...newIntent(b, intentOf(b), { operator: 'FINCA', collection: 'wallet', at: new Date() }), holdsAccount: true, nextCheckAt: new Date(Date.now() + 3_600_000) });
    expect(await service.ledger.update(held, { status: 'refunding', refundId: randomUUID() })).toMatchObject({ status: 'refunding', holdsAccount: false });
    expect(await holders()).toEqual([]);
  });
});

/**
 * An intent written before the account was taken with the confirm (by an older version, still open
 * when this one starts) takes it in its job, and waits while another holds it. Written through the
 * ledger as that version wrote it (not holding), and found by the sweep.
 */
async function legacyIntent(service: PaymentServiceHandle, req: PaymentRequest): Promise<string> {
  const { intent } = await service.ledger.create(newIntent(req, intentOf(req), { operator: 'FINCA', collection: 'none', at: new Date() }), { events: [{ event: 'confirmed' }] });
  return intent.id;
}

describe('waiting for the account (an intent of an older version)', () => {
  it('a job whose account is busy waits (no check, no attempt used) and pays once the account is free', async () => {
    // This job has two attempts only, and waits far more times than that.
    const service = await h.service({ confirmWaitMs: 100, retry: { attempts: 2, backoffMs: 10, jitter: 0 } });
    const elsewhere = await holdElsewhere(service);
    const conn: RedisClient = h.redis.connect('test-queue');
    const queue = new Queue('payments', { connection: conn, prefix: queuePrefix(h.prefix) });
    try {
      const req = await requestFor(h.regideso);
      const getFacts = h.sandbox.calls.getFact;
      const id = await legacyIntent(service, req);
      // Each wait puts the next look 30 ms ahead: 600 ms of waiting is some twenty waits.
      await eventually(async () => {
        const it = await service.ledger.load(id);
        return it !== undefined && it.nextCheckAt.getTime() - it.createdAt.getTime() > 600;
      });
      const job = await queue.getJob(id);
      expect(job?.attemptsMade).toBe(0);
      expect(await service.ledger.load(id)).toMatchObject({ status: 'pending', holdsAccount: false });
      expect(h.sandbox.calls.getFact).toBe(getFacts);
      expect(h.sandbox.calls.payFact).toBe(0);

      await service.ledger.update(elsewhere, { holdsAccount: false, status: 'failed' });
      const record = await settledRecord(service, id);
      expect(record.status).toBe('succeeded');
      expect(h.sandbox.calls.payFact).toBe(1);
      expect(await events(service, id)).toEqual(['confirmed', 'payfact_sent', 'paid']);
    } finally {
      await queue.close();
      await conn.quit();
    }
  });

  it('an account busy past pendingGiveUpMs: failed with nothing sent, the subscriber told nothing was taken, the holder untouched', async () => {
    const service = await h.service({ confirmWaitMs: 100, timings: { ...FAST_TIMINGS, pendingGiveUpMs: 300 } });
    const elsewhere = await holdElsewhere(service);
    const req = await requestFor(h.regideso);
    await legacyIntent(service, req);
    const record = await settledRecord(service, intentOf(req));
    expect(record.status).toBe('failed');
    expect(h.sandbox.calls.payFact).toBe(0);
    expect(await holders()).toEqual([elsewhere.id]);
    const trail = await service.auditTrail(intentOf(req));
    expect(trail.map((e) => [e.event, e.detail])).toEqual([
      ['confirmed', null],
      ['abandoned', 'another payment on this account took too long: nothing sent to REGIDESO'],
    ]);
    const [sms] = await smsTo(h.outbox, PHONE);
    expect(sms).toContain("n'a pas abouti");
    expect(sms).toContain('Aucun montant prélevé');
  });
});
