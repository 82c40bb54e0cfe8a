import { Queue } from 'bullmq';
import type { RedisClient } from '../../src/redis';
import { queuePrefix } from '../../src/jobs/bullmq-runner';
import { newIntent, type Intent } from '../../src/payments/intent';
import type { PaymentServiceHandle } from '../../src/payments/service';
import type { RegidesoClient } from '../../src/regideso/types';
import { eventually, FAST_TIMINGS, intentOf, PHONE, requestFor, settledRecord, smsTo, startHarness, storyOf, type Harness } from './harness';

/**
 * One payment at a time per account (refClient + province): with two of our payments on one account
 * at once, a reconciliation could take the other's money for its own, and two checks could pass on
 * a balance that covers one payment only. The ledger's unique partial index
 * (payment_intents_one_per_account) on `holds_account` is the lock; the job takes it before the
 * check that precedes PayFact and keeps it while a PayFact of it may land. Real PostgreSQL, BullMQ
 * on the real Redis, the sandbox over HTTP.
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

describe('concurrent payments on one account', () => {
  it("A's PayFact fails (500) while B confirms the same bill: B waits, A is reconciled on its own money and pays again, then B pays", async () => {
    // A long settle window: B is confirmed well inside A's wait for the truth.
    const service = await h.service({ confirmWaitMs: 100, timings: { ...FAST_TIMINGS, settleMs: 1500 } });
    h.sandbox.faults.payFact.push({ kind: 'error500' });
    const a = await requestFor(h.regideso);
    const b = await requestFor(h.regideso);
    await service.confirm(a);
    await eventually(async () => (await service.get(intentOf(a)))?.status === 'uncertain');
    expect(await holders()).toEqual([intentOf(a)]);
    expect(await service.confirm(b)).toEqual({ kind: 'pending', amountCentimes: 500_000 });

    const ra = await settledRecord(service, intentOf(a));
    const rb = await settledRecord(service, intentOf(b));
    expect(ra).toMatchObject({ status: 'succeeded', ownReference: false, flagReason: 'repaid_after_uncertain' });
    expect(rb).toMatchObject({ status: 'succeeded', ownReference: false, flagReason: null });
    // A's money reached REGIDESO on its second PayFact, then B's: two payments, three PayFacts.
    expect(h.sandbox.payments().map((p) => p.numAcquit)).toEqual([ra.numAcquit, rb.numAcquit]);
    expect(h.sandbox.calls.payFact).toBe(3);
    const aTrail = await events(service, intentOf(a));
    expect(aTrail).toContain('reconciled_not_landed');
    expect(aTrail).not.toContain('reconciled_landed');
    expect(await events(service, intentOf(b))).toEqual(['confirmed', 'payfact_sent', 'paid']);
    expect(await holders()).toEqual([]);
  });

  it('A (1 000 CDF) uncertain, B (100 CDF) confirmed meanwhile: B cannot land inside A\'s reconciliation, A is not "partial", both pay in turn', async () => {
    const service = await h.service({ confirmWaitMs: 100, timings: { ...FAST_TIMINGS, settleMs: 1500 } });
    h.sandbox.faults.payFact.push({ kind: 'error500' });
    const a = await requestFor(h.regideso, { amountCentimes: 100_000 });
    const b = await requestFor(h.regideso, { amountCentimes: 10_000 });
    await service.confirm(a);
    await eventually(async () => (await service.get(intentOf(a)))?.status === 'uncertain');
    await service.confirm(b);

    const ra = await settledRecord(service, intentOf(a));
    const rb = await settledRecord(service, intentOf(b));
    expect(ra).toMatchObject({ status: 'succeeded', ownReference: false, amountCentimes: 100_000 });
    expect(rb).toMatchObject({ status: 'succeeded', amountCentimes: 10_000 });
    expect(h.sandbox.payments().map((p) => p.amountCentimes)).toEqual([100_000, 10_000]);
    const aTrail = await events(service, intentOf(a));
    expect(aTrail).not.toContain('reconciled_partial');
    expect(aTrail).toContain('reconciled_not_landed');
  });

  it('two confirms of 10 000 CDF at once on a 17 865,57 CDF bill: one PayFact; the other is refused by its check, nothing sent', async () => {
    // The first check's answer comes back late: without one payment at a time, the other check and
    // its PayFact would pass it, and it would then pay on the balance it read before.
    let slowOne = true;
    const regideso: RegidesoClient = {
      ...h.regideso,
      getBills: async (refClient, province) => {
        const read = await h.regideso.getBills(refClient, province);
        if (slowOne) {
          slowOne = false;
          await new Promise((resolve) => setTimeout(resolve, 300));
        }
        return read;
      },
    };
    const service = await h.service({ regideso, confirmWaitMs: 100 });
    const a = await requestFor(h.regideso, { amountCentimes: 1_000_000 });
    const b = await requestFor(h.regideso, { amountCentimes: 1_000_000 });
    await Promise.all([service.confirm(a), service.confirm(b)]);

    const records = await Promise.all([a, b].map((r) => settledRecord(service, intentOf(r))));
    expect(h.sandbox.calls.payFact).toBe(1);
    expect(h.sandbox.payments()).toHaveLength(1);
    const paid = records.filter((r) => r.status === 'succeeded');
    const refused = records.filter((r) => r.status === 'failed');
    expect(paid).toHaveLength(1);
    expect(refused).toHaveLength(1);
    expect(paid[0]?.numAcquit).toBe(h.sandbox.payments()[0]?.numAcquit);
    const refusedTrail = await service.auditTrail(refused[0]?.intentId ?? '');
    expect(refusedTrail.map((e) => e.event)).toEqual(['confirmed', 'refused']);
    expect(refusedTrail[1]?.detail).toBe('amount_above_balance: the balance is now 786557 centimes');
    expect(await holders()).toEqual([]);
    // Each subscriber is told: one receipt, one refusal.
    const sms = await smsTo(h.outbox, PHONE, 2);
    expect(sms.filter((m) => m.includes(paid[0]?.numAcquit ?? '?'))).toHaveLength(1);
    expect(sms.filter((m) => m.includes('refusé'))).toHaveLength(1);
  });
});

describe('waiting for the account', () => {
  it('a job whose account is busy waits (no check, no attempt used) and pays once the account is free', async () => {
    // This job has two attempts only, and waits far more times than that.
    const service = await h.service({ confirmWaitMs: 100, retry: { attempts: 2, backoffMs: 10, jitter: 0 } });
    const elsewhere = await holdElsewhere(service);
    const conn: RedisClient = h.redis.connect('test-queue');
    const queue = new Queue('payments', { connection: conn, prefix: queuePrefix(h.prefix) });
    try {
      const req = await requestFor(h.regideso);
      const getFacts = h.sandbox.calls.getFact;
      const id = intentOf(req);
      expect(await service.confirm(req)).toEqual({ kind: 'pending', amountCentimes: 500_000 });
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
    await service.confirm(req);
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
