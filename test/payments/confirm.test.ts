import { createPostgresDb } from '../../src/db/postgres';
import { CommitOutcomeUnknown, type Db } from '../../src/db/types';
import { createRedisFactory } from '../../src/redis';
import { DATABASE_TEST_URL } from '../support/db';
import { freePort } from '../support/processes';
import { hostPortOf, startTcpProxy, viaProxy, type TcpProxy } from '../support/tcp-proxy';
import { intentOf, requestFor, settledRecord, smsTo, PHONE, startHarness, type Harness } from './harness';

/**
 * What the confirm hop answers, whatever fails under it: a promise the ledger holds is kept, a
 * payment that was not recorded is said so (nothing taken, try later), and one that may or may not
 * have been (COMMIT sent, no answer, no read since) is said to be unknown; a replay is the same
 * payment or nothing.
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
  /** Every write fails (`commit`: with COMMIT unanswered); reads work or fail. */
  const failing = (db: Db, opts: { reads: 'work' | 'fail'; commit?: 'unknown' | 'applied-unknown' }): Db => ({
    ...db,
    transaction: async (fn) => {
      if (opts.commit === 'applied-unknown') {
        // The first write (the confirm's) is committed and the answer to COMMIT lost; the ledger is then gone.
        opts = { ...opts, commit: undefined };
        await db.transaction(fn);
        throw new CommitOutcomeUnknown(new Error('Connection terminated'));
      }
      throw opts.commit === 'unknown' ? new CommitOutcomeUnknown(new Error('Connection terminated')) : new Error('connect ECONNREFUSED');
    },
    query: async (text, params) => {
      if (opts.reads === 'work' && /^\s*SELECT/i.test(text)) return db.query(text, params);
      throw new Error('connect ECONNREFUSED');
    },
  });

  it('the insert failed before its COMMIT: "not recorded" at once (the server rolled it back), without a read', async () => {
    const service = await h.service({ db: failing(h.db, { reads: 'fail' }) });
    const req = await requestFor(h.regideso);
    expect(await service.confirm(req)).toEqual({ kind: 'not_recorded' });
    expect(await h.db.query('SELECT 1 FROM payment_intents WHERE id = $1', [intentOf(req)])).toMatchObject({ rows: [] });
  });

  it('COMMIT unanswered, a read finds nothing: "not recorded"', async () => {
    const service = await h.service({ db: failing(h.db, { reads: 'work', commit: 'unknown' }) });
    expect(await service.confirm(await requestFor(h.regideso))).toEqual({ kind: 'not_recorded' });
  });

  it('COMMIT unanswered, a read finds the intent: it was recorded, and answered as any recorded payment', async () => {
    // Its job writes through the same failing ledger: it waits, and nothing is sent.
    const service = await h.service({ db: failing(h.db, { reads: 'work', commit: 'applied-unknown' }), confirmWaitMs: 100 });
    const req = await requestFor(h.regideso);
    expect(await service.confirm(req)).toEqual({ kind: 'pending', amountCentimes: 500_000 });
    expect(await h.db.query('SELECT status, holds_account FROM payment_intents WHERE id = $1', [intentOf(req)])).toMatchObject({ rows: [{ status: 'pending', holds_account: true }] });
  });

  it('COMMIT unanswered and no read either: "unknown" (the subscriber is told an SMS will say so if it was recorded)', async () => {
    const service = await h.service({ db: failing(h.db, { reads: 'fail', commit: 'unknown' }) });
    const req = await requestFor(h.regideso);
    expect(await service.confirm(req)).toEqual({ kind: 'unknown', amountCentimes: 500_000 });
    expect(h.sandbox.calls.payFact).toBe(0);
  });
});

describe('a real PostgreSQL cut under a transaction (through a TCP proxy)', () => {
  let proxy: TcpProxy;
  let db: Db;
  beforeEach(async () => {
    proxy = await startTcpProxy(hostPortOf(DATABASE_TEST_URL));
    db = createPostgresDb({ url: viaProxy(DATABASE_TEST_URL, proxy), statementTimeoutMs: 1500, max: 1 });
  });
  afterEach(async () => {
    await db.close().catch(() => undefined);
    await proxy.close();
  });

  it('cut before COMMIT leaves: an error that says nothing was committed; cut with COMMIT on the wire: CommitOutcomeUnknown', async () => {
    const before = await db.transaction(async (tx) => {
      await tx.query('SELECT 1');
      await proxy.cut();
      await tx.query('SELECT 2');
    }).catch((e: unknown) => e);
    expect(before).toBeInstanceOf(Error);
    expect(before).not.toBeInstanceOf(CommitOutcomeUnknown);

    await proxy.restore();
    const during = await db.transaction(async (tx) => {
      await tx.query('SELECT 1');
      await proxy.cut();
    }).catch((e: unknown) => e);
    expect(during).toBeInstanceOf(CommitOutcomeUnknown);
  });

  it('a server that refuses COMMIT (an answer): the plain error, not CommitOutcomeUnknown', async () => {
    // A deferred constraint checked at COMMIT: the server answers with a SQLSTATE and rolls back.
    const refused = await db.transaction(async (tx) => {
      await tx.query('CREATE TEMP TABLE t_commit (id int PRIMARY KEY DEFERRABLE INITIALLY DEFERRED) ON COMMIT DROP');
      await tx.query('INSERT INTO t_commit VALUES (1), (1)');
    }).catch((e: unknown) => e);
    expect(refused).toMatchObject({ code: '23505' });
    expect(refused).not.toBeInstanceOf(CommitOutcomeUnknown);
  });
});
