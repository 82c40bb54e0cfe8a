import { Queue } from 'bullmq';
import type Redis from 'ioredis';
import { createAccountLock } from '../../src/payments/account-lock';
import { intentIdFor } from '../../src/payments/ids';
import type { PaymentServiceHandle } from '../../src/payments/service';
import type { SandboxFault } from '../../src/regideso/sandbox/server';
import { eventually, PHONE, requestFor, settledRecord, startHarness, type Harness } from './harness';

/**
 * An intent the job gave up as `uncertain` (PayFact sent, REGIDESO unreachable to the last attempt;
 * the subscriber was told "under review, you will be informed") is resolved by the recovery sweep
 * once REGIDESO answers again: GetFact decides, nothing is ever paid this late, the subscriber is
 * told, and the intent stays flagged for the operator. Real Redis (BullMQ), the sandbox over HTTP.
 */
const ACCOUNT = { refClient: '83262', province: 'KIN' };
const GETFACT_DOWN: SandboxFault = { kind: 'error500' };

interface Setup {
  h: Harness;
  service: PaymentServiceHandle;
  intentId: string;
}

/**
 * Pays with the given PayFact fault; every GetFact after that PayFact fails (the client tries
 * twice per call) until the job's three attempts are used up: flagged `uncertain`, "under review" sent.
 */
async function givenUp(h: Harness, fault: SandboxFault): Promise<Setup> {
  const realPay = h.regideso.payBills;
  const regideso = {
    ...h.regideso,
    payBills: async (r: Parameters<typeof realPay>[0]) => {
      const out = await realPay(r);
      for (let i = 0; i < 4; i++) h.sandbox.faults.getFact.push(GETFACT_DOWN);
      return out;
    },
  };
  const service = await h.service({ regideso, staleAfterMs: 0, sweepIntervalMs: 3_600_000, retry: { attempts: 3, backoffMs: 10, jitter: 0 } });
  await service.sweep(); // the one start() began is over: from here on, sweeps run only when called
  h.sandbox.faults.payFact.push(fault);
  const req = await requestFor(h.regideso);
  const intentId = intentIdFor(req.sessionId);
  await service.confirm(req);
  const record = await settledRecord(service, intentId);
  expect(record).toMatchObject({ status: 'uncertain', ownReference: true });
  await eventually(async () => (await service.auditTrail(intentId)).some((e) => e.event === 'sms_sent'));
  expect((await h.outbox.list(PHONE))[0]?.message).toContain('en vérification');
  return { h, service, intentId };
}

async function events(service: PaymentServiceHandle, intentId: string, until: string): Promise<string[]> {
  let trail: string[] = [];
  await eventually(async () => {
    trail = (await service.auditTrail(intentId)).map((e) => e.event);
    return trail.includes(until);
  });
  return trail;
}

/** The "under review" notice, then the one sent once resolved. */
async function secondSms(h: Harness): Promise<string> {
  await eventually(async () => (await h.outbox.list(PHONE)).length === 2);
  const all = await h.outbox.list(PHONE);
  const text = all.find((m) => !m.message.includes('en vérification'))?.message;
  if (text === undefined) throw new Error('no second SMS');
  return text;
}

describe('with BullMQ', () => {
  let h: Harness;
  let conn: Redis;
  let queue: Queue;

  beforeEach(async () => {
    h = await startHarness();
    conn = h.redis.connect('test-resolve');
    queue = new Queue('payments', { connection: conn, prefix: `{${h.prefix}q}` });
  });
  afterEach(async () => {
    await queue.close();
    await h.cleanup();
    await conn.quit();
  });

  const jobDone = (intentId: string) => eventually(async () => (await queue.getJobState(intentId)) === 'completed');

  it('PayFact did not land (500): once REGIDESO answers, settled as failed, the subscriber told nothing was taken, never paid again, still flagged', async () => {
    const { service, intentId } = await givenUp(h, { kind: 'error500' });
    const lock = createAccountLock(conn, { prefix: h.prefix });
    // The account stays locked while the outcome is unknown: none of our payments may touch its balances.
    expect(await lock.holder(ACCOUNT)).toBe(intentId);
    await jobDone(intentId);

    const report = await service.sweep();
    expect(report).toMatchObject({ resolving: 1, errors: 0 });
    const record = await settledRecord(service, intentId, (r) => r.status !== 'uncertain');

    expect(record.status).toBe('failed');
    expect(h.sandbox.calls.payFact).toBe(1);
    expect(h.sandbox.payments()).toEqual([]);
    expect(await secondSms(h)).toContain('Aucun montant prélevé');
    expect((await service.flagged(10)).map((r) => r.intentId)).toEqual([intentId]);
    const trail = await events(service, intentId, 'resolved_not_landed');
    expect(trail).toEqual(expect.arrayContaining(['gave_up_uncertain', 'sweep_resolve', 'resolved_not_landed']));
    expect(trail.filter((e) => e === 'payfact_sent')).toHaveLength(1);
    await eventually(async () => (await lock.holder(ACCOUNT)) === undefined);
    // Resolved: the next sweep has nothing to look at.
    await jobDone(intentId);
    expect(await service.sweep()).toMatchObject({ examined: 0, resolving: 0 });
  });

  it('PayFact landed but its answer was lost: once REGIDESO answers, reconciled under our reference, the subscriber told it arrived, still flagged', async () => {
    const { service, intentId } = await givenUp(h, { kind: 'dropAfterApply' });
    await jobDone(intentId);

    expect(await service.sweep()).toMatchObject({ resolving: 1 });
    const record = await settledRecord(service, intentId, (r) => r.status !== 'uncertain');

    expect(record).toMatchObject({ status: 'reconciled', ownReference: true });
    expect(record.numAcquit).toMatch(/^RGD-[0-9A-F]{10}$/);
    expect(h.sandbox.calls.payFact).toBe(1);
    expect(h.sandbox.payments()).toHaveLength(1);
    const sms = await secondSms(h);
    expect(sms).toContain('sans numéro de quittance');
    expect(sms).toContain(record.numAcquit);
    expect((await service.flagged(10)).map((r) => r.intentId)).toEqual([intentId]);
    expect(await events(service, intentId, 'resolved_landed')).toContain('sweep_resolve');
    expect(await service.findByNumAcquit(record.numAcquit ?? '')).toMatchObject({ intentId, status: 'reconciled' });
  });

  it('REGIDESO still unavailable at the first sweep: left as it is, resolved by a later sweep', async () => {
    const { service, intentId } = await givenUp(h, { kind: 'error500' });
    await jobDone(intentId);

    h.sandbox.faults.getFact.push(GETFACT_DOWN, GETFACT_DOWN);
    expect(await service.sweep()).toMatchObject({ resolving: 1 });
    await events(service, intentId, 'resolve_unavailable');
    await jobDone(intentId);
    expect(await service.get(intentId)).toMatchObject({ status: 'uncertain', ownReference: true });
    expect(await h.outbox.list(PHONE)).toHaveLength(1);

    expect(await service.sweep()).toMatchObject({ resolving: 1 });
    const record = await settledRecord(service, intentId, (r) => r.status !== 'uncertain');
    expect(record.status).toBe('failed');
    expect(h.sandbox.calls.payFact).toBe(1);
    expect(await secondSms(h)).toContain('Aucun montant prélevé');
  });

  it('is not looked at before staleAfterMs', async () => {
    const { intentId } = await givenUp(h, { kind: 'error500' });
    await jobDone(intentId);
    const patient = await h.service({ staleAfterMs: 3_600_000, sweepIntervalMs: 3_600_000 });
    expect(await patient.sweep()).toMatchObject({ examined: 0, resolving: 0 });
    expect((await patient.get(intentId))?.status).toBe('uncertain');
  });
});

describe('in-process (embedded default)', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness({ inMemory: true });
  });
  afterEach(async () => {
    await h.cleanup();
  });

  it('resolves the same way: PayFact did not land, settled as failed, nothing paid again', async () => {
    const { service, intentId } = await givenUp(h, { kind: 'error500' });
    // Sweeps run (as the timer would) until one has resolved it: while the run that sent "under
    // review" is still going the sweep finds it active, and a resolution that meets REGIDESO
    // still failing leaves it for the next sweep.
    await eventually(async () => {
      await service.sweep();
      return (await service.get(intentId))?.status !== 'uncertain';
    });
    const record = await settledRecord(service, intentId, (r) => r.status !== 'uncertain');
    expect(record.status).toBe('failed');
    expect(h.sandbox.calls.payFact).toBe(1);
    expect(await secondSms(h)).toContain('Aucun montant prélevé');
  });
});
