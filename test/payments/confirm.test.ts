import type { Db } from '../../src/db/types';
import { createRedisFactory } from '../../src/redis';
import { freePort } from '../support/processes';
import { intentOf, requestFor, settledRecord, smsTo, PHONE, startHarness, type Harness } from './harness';

/**
 * What the confirm hop answers, whatever fails under it: a promise the ledger holds is kept, a
 * payment that was not recorded is said to have failed, and one that may or may not have been is
 * said to be unknown; a replay is the same payment or nothing.
 */
let h: Harness;
beforeEach(async () => {
  h = await startHarness();
});
afterEach(async () => {
  await h.cleanup();
});

describe('intent identity', () => {
  it('a gateway that reuses a session id later gets a new payment, never the older outcome', async () => {
    const service = await h.service();
    const first = await requestFor(h.regideso);
    const a = await service.confirm(first);
    expect(a.kind).toBe('succeeded');
    // Same session id, a new session (another nonce), another subscriber's amount.
    const reused = { ...first, sessionNonce: 'another-session-nonce', amountCentimes: 20_000 };
    const b = await service.confirm(reused);
    expect(b).toMatchObject({ kind: 'succeeded', amountCentimes: 20_000 });
    expect(h.sandbox.payments().map((p) => p.amountCentimes)).toEqual([500_000, 20_000]);
    expect(intentOf(reused)).not.toBe(intentOf(first));
  });

  it('a replayed confirm with other details (amount, bills, phone) is refused, never answered with the first receipt', async () => {
    const service = await h.service();
    const req = await requestFor(h.regideso);
    await service.confirm(req);
    expect(await service.confirm({ ...req, amountCentimes: 20_000 })).toEqual({ kind: 'mismatch' });
    expect(await service.confirm({ ...req, phoneNumber: '+243990000001' })).toEqual({ kind: 'mismatch' });
    expect(await service.confirm({ ...req, bills: [{ faeId: '108776772', billNumber: '8326224601542', issuedOn: '2024-04-30', balanceCentimes: 1_698_321 }] })).toEqual({ kind: 'mismatch' });
    expect(h.sandbox.payments()).toHaveLength(1);
  });
});

describe('the hop waiting for PayFact (the operator collects upstream)', () => {
  it('blocks on its intent\'s key instead of polling the ledger, and wakes when the job settles it', async () => {
    let reads = 0;
    const counting: Db = {
      ...h.db,
      query: (text, params) => {
        if (/^SELECT \* FROM payment_intents WHERE id = \$1/.test(text)) reads++;
        return h.db.query(text, params);
      },
    };
    const service = await h.service({ db: counting, confirmWaitMs: 5000 });
    // PayFact takes a second: a hop polling every 100 ms would read the intent some ten times meanwhile.
    h.sandbox.faults.payFact.push({ kind: 'hang', ms: 1000 });
    const req = await requestFor(h.regideso);
    const outcome = await service.confirm(req);
    expect(outcome.kind).toBe('succeeded');
    // The job's own reads (its run, its pre-PayFact steps) and the hop's read after the wake-up.
    expect(reads).toBeLessThanOrEqual(4);
  });
});

describe('when the queue cannot be reached', () => {
  it('the intent is recorded: the hop says "in progress", and the sweep of a healthy instance pays it once', async () => {
    // This instance's Redis is nowhere: queueing fails, its workers never run.
    const deadRedis = createRedisFactory(`redis://127.0.0.1:${await freePort()}`);
    const broken = await h.service({ redis: deadRedis, confirmWaitMs: 300 });
    const req = await requestFor(h.regideso);
    expect(await broken.confirm(req)).toEqual({ kind: 'pending', amountCentimes: 500_000 });
    await broken.close({ force: true });

    const healthy = await h.service();
    const record = await settledRecord(healthy, intentOf(req));
    expect(record.status).toBe('succeeded');
    expect(h.sandbox.payments()).toHaveLength(1);
    expect(await smsTo(h.outbox, PHONE)).toHaveLength(1);
  });
});

describe('when the ledger cannot be reached', () => {
  const failing = (db: Db, reads: 'work' | 'fail'): Db => ({
    ...db,
    transaction: async () => {
      throw new Error('connection terminated');
    },
    query: async (text, params) => {
      if (reads === 'work' && /^\s*SELECT/i.test(text)) return db.query(text, params);
      throw new Error('connection terminated');
    },
  });

  it('not recorded (a read says so): "failed", nothing will happen, nothing was taken', async () => {
    const service = await h.service({ db: failing(h.db, 'work') });
    const req = await requestFor(h.regideso);
    expect(await service.confirm(req)).toMatchObject({ kind: 'failed' });
    expect(await h.db.query('SELECT 1 FROM payment_intents WHERE id = $1', [intentOf(req)])).toMatchObject({ rows: [] });
  });

  it('cannot tell (no read either): "unknown", so the subscriber checks before paying again', async () => {
    const service = await h.service({ db: failing(h.db, 'fail') });
    const req = await requestFor(h.regideso);
    expect(await service.confirm(req)).toEqual({ kind: 'unknown', amountCentimes: 500_000 });
    expect(h.sandbox.calls.payFact).toBe(0);
  });
});
