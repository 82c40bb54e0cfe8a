import { Queue } from 'bullmq';
import type Redis from 'ioredis';
import { accountLockKey, createAccountLock, type AccountLock } from '../../src/payments/account-lock';
import { intentIdFor } from '../../src/payments/ids';
import { eventually, PHONE, requestFor, settledRecord, startHarness, type Harness } from './harness';

/**
 * One payment at a time per account (refClient + province), found by a fault-injection pass: with
 * two of our payments on one account at once, a reconciliation took the other's money for its own
 * (a payment that never reached REGIDESO recorded as landed, or flagged "partial" for ever), and
 * two prechecks passed on a balance that covered one payment only. Real Redis, the sandbox over HTTP.
 */
let h: Harness;
let conn: Redis;
let lock: AccountLock;
const ACCOUNT = { refClient: '83262', province: 'KIN' };

beforeEach(async () => {
  h = await startHarness();
  conn = h.redis.connect('test-lock');
  lock = createAccountLock(conn, { prefix: h.prefix });
});
afterEach(async () => {
  await h.cleanup();
  await conn.quit();
});

async function trail(service: { auditTrail(id: string): Promise<Array<{ event: string; detail?: string }>> }, intentId: string) {
  return service.auditTrail(intentId);
}

describe('the lock itself', () => {
  it('is re-entrant for its holder, busy for another intent, released only by its holder, with a TTL', async () => {
    expect(await lock.acquire(ACCOUNT, 'pi-a', 60_000)).toEqual({ kind: 'held' });
    expect(await lock.acquire(ACCOUNT, 'pi-a', 60_000)).toEqual({ kind: 'held' });
    expect(await lock.acquire(ACCOUNT, 'pi-b', 60_000)).toEqual({ kind: 'busy', holder: 'pi-a' });
    // Another account is another lock.
    expect(await lock.acquire({ refClient: '83262', province: 'KAT' }, 'pi-b', 60_000)).toEqual({ kind: 'held' });

    const key = accountLockKey(h.prefix, ACCOUNT);
    expect(key.startsWith(h.prefix)).toBe(true);
    expect(key).toMatch(/\{KIN:83262\}$/);
    const ttl = await conn.pttl(key);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(60_000);

    expect(await lock.release(ACCOUNT, 'pi-b')).toBe(false);
    expect(await lock.holder(ACCOUNT)).toBe('pi-a');
    expect(await lock.release(ACCOUNT, 'pi-a')).toBe(true);
    expect(await lock.holder(ACCOUNT)).toBeUndefined();
    expect(await lock.acquire(ACCOUNT, 'pi-b', 60_000)).toEqual({ kind: 'held' });
  });

  it('keeps a brace in a reference from moving the hash tag', () => {
    expect(accountLockKey('rgd:', { refClient: 'a}b{c', province: 'KIN' })).toBe('rgd:pay:lock:{KIN:a%7Db%7Bc}');
  });
});

describe('concurrent payments on one account', () => {
  it("A's PayFact fails (500), B pays the same bill meanwhile: A is not recorded as landed on B's money; both pay, in turn", async () => {
    // A long settle window: A reconciles well after B could have paid.
    const service = await h.service({ reconcileSettleMs: 1000, confirmWaitMs: 100 });
    h.sandbox.faults.payFact.push({ kind: 'error500' });
    const a = await requestFor(h.regideso);
    const b = await requestFor(h.regideso);
    const aId = intentIdFor(a.sessionId);
    const bId = intentIdFor(b.sessionId);
    await service.confirm(a);
    await eventually(async () => (await service.get(aId))?.status === 'uncertain');
    expect(await lock.holder(ACCOUNT)).toBe(aId);
    await service.confirm(b);

    const ra = await settledRecord(service, aId);
    const rb = await settledRecord(service, bId);
    expect(ra).toMatchObject({ status: 'succeeded', ownReference: false });
    expect(rb).toMatchObject({ status: 'succeeded', ownReference: false });
    // A's money reached REGIDESO (its second PayFact), then B's: two payments, three PayFacts.
    expect(h.sandbox.payments().map((p) => p.numAcquit)).toEqual([ra.numAcquit, rb.numAcquit]);
    expect(h.sandbox.calls.payFact).toBe(3);
    const aTrail = (await trail(service, aId)).map((e) => e.event);
    expect(aTrail).toContain('reconciled_not_landed');
    expect(aTrail).not.toContain('reconciled_landed');
    expect((await trail(service, bId)).map((e) => e.event)).toContain('account_busy');
    await eventually(async () => (await lock.holder(ACCOUNT)) === undefined);
  });

  it('A (1 000 CDF) uncertain, B (100 CDF) lands meanwhile: A is not flagged "partial", both pay', async () => {
    const service = await h.service({ reconcileSettleMs: 1000, confirmWaitMs: 100 });
    h.sandbox.faults.payFact.push({ kind: 'error500' });
    const a = await requestFor(h.regideso, { amountCentimes: 100_000 });
    const b = await requestFor(h.regideso, { amountCentimes: 10_000 });
    const aId = intentIdFor(a.sessionId);
    await service.confirm(a);
    await eventually(async () => (await service.get(aId))?.status === 'uncertain');
    await service.confirm(b);

    const ra = await settledRecord(service, aId);
    const rb = await settledRecord(service, intentIdFor(b.sessionId));
    expect(ra).toMatchObject({ status: 'succeeded', ownReference: false, amountCentimes: 100_000 });
    expect(rb).toMatchObject({ status: 'succeeded', amountCentimes: 10_000 });
    expect(h.sandbox.payments().map((p) => p.amountCentimes)).toEqual([100_000, 10_000]);
    expect((await trail(service, aId)).map((e) => e.event)).not.toContain('reconciled_partial');
  });

  it('two confirms of 10 000 CDF at once on a 17 865,57 CDF bill: one PayFact; the other is refused by its precheck, nothing sent', async () => {
    // The first precheck's answer comes back late (a slow network on the way back): without one
    // payment at a time, the other precheck and its PayFact pass it, and it then pays on the
    // balance it read before, so both PayFacts leave.
    let slowOne = true;
    const regideso = {
      ...h.regideso,
      getBills: async (refClient: string, province: Parameters<typeof h.regideso.getBills>[1]) => {
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

    const records = await Promise.all([a, b].map((r) => settledRecord(service, intentIdFor(r.sessionId))));
    expect(h.sandbox.calls.payFact).toBe(1);
    expect(h.sandbox.payments()).toHaveLength(1);
    const paid = records.filter((r) => r.status === 'succeeded');
    const refused = records.filter((r) => r.status === 'failed');
    expect(paid).toHaveLength(1);
    expect(refused).toHaveLength(1);
    expect(paid[0]?.numAcquit).toBe(h.sandbox.payments()[0]?.numAcquit);
    // The audit entry follows the settling write.
    let refusedTrail: Array<{ event: string; detail?: string }> = [];
    await eventually(async () => {
      refusedTrail = await trail(service, refused[0]?.intentId ?? '');
      return refusedTrail.some((e) => e.event === 'refused');
    });
    expect(refusedTrail.find((e) => e.event === 'refused')?.detail).toMatch(/^amount_above_balance: the balance is now 786557 centimes/);
    expect(refusedTrail.map((e) => e.event)).not.toContain('payfact_sent');
  });
});

describe('waiting for the account', () => {
  it('a job whose account is busy waits without using its attempts, and pays once the account is free', async () => {
    // Another payment holds the account; this job has only two attempts, and waits many times.
    expect(await lock.acquire(ACCOUNT, 'pi-elsewhere', 60_000)).toEqual({ kind: 'held' });
    const service = await h.service({ confirmWaitMs: 100, retry: { attempts: 2, backoffMs: 10, jitter: 0 }, accountLock: { waitMs: 20, maxWaits: 1000 } });
    const queueConnection = h.redis.connect('test-queue');
    const queue = new Queue('payments', { connection: queueConnection, prefix: `{${h.prefix}q}` });
    try {
      const req = await requestFor(h.regideso);
      const intentId = intentIdFor(req.sessionId);
      expect(await service.confirm(req)).toEqual({ kind: 'pending', amountCentimes: 500_000 });
      await eventually(async () => {
        const job = await queue.getJob(intentId);
        return ((job?.data as { lockWaits?: number } | undefined)?.lockWaits ?? 0) >= 5;
      });
      expect((await queue.getJob(intentId))?.attemptsMade).toBe(0);
      expect((await service.get(intentId))?.status).toBe('pending');
      expect(h.sandbox.calls.payFact).toBe(0);

      expect(await lock.release(ACCOUNT, 'pi-elsewhere')).toBe(true);
      const record = await settledRecord(service, intentId);
      expect(record.status).toBe('succeeded');
      expect(h.sandbox.calls.payFact).toBe(1);
      const events = (await service.auditTrail(intentId)).map((e) => e.event);
      // Audited once, not per wait.
      expect(events.filter((e) => e === 'account_busy')).toHaveLength(1);
    } finally {
      await queue.close();
      await queueConnection.quit();
    }
  });

  it('an account busy for too long: the payment fails with nothing sent, and the subscriber is told nothing was taken', async () => {
    expect(await lock.acquire(ACCOUNT, 'pi-elsewhere', 60_000)).toEqual({ kind: 'held' });
    const service = await h.service({ confirmWaitMs: 100, accountLock: { waitMs: 20, maxWaits: 3 } });
    const req = await requestFor(h.regideso);
    const intentId = intentIdFor(req.sessionId);
    await service.confirm(req);
    const record = await settledRecord(service, intentId);
    expect(record.status).toBe('failed');
    expect(h.sandbox.calls.payFact).toBe(0);
    expect(await lock.holder(ACCOUNT)).toBe('pi-elsewhere');
    await eventually(async () => (await service.auditTrail(intentId)).some((e) => e.event === 'sms_sent'));
    expect((await h.outbox.list(PHONE))[0]?.message).toContain('Aucun montant prélevé');
    expect((await service.auditTrail(intentId)).map((e) => e.event)).toEqual(['account_busy', 'gave_up_account_busy', 'sms_sent']);
  });
});
