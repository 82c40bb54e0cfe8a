import { decodeKept, encodeKept, type KeptPayment } from '../../src/sessions/kept-payment';
import { createRedisHopStore } from '../../src/sessions/hop-store';
import { phoneKeys } from '../../src/sessions/keys';
import { createResumeStore } from '../../src/sessions/resume-store';
import { deleteKeys, newTestPrefix, realAndMockRedis, REDIS_CLUSTER_NODES } from '../support/redis';

const { prefix, real, mock } = realAndMockRedis('resume');

const KEPT: KeptPayment = {
  refClient: '83262',
  province: 'KIN',
  maskedName: 'MUKEBA M.',
  billIds: ['108776771'],
  balanceCentimes: 1_786_557,
  amountCentimes: 10_000,
  provider: 'VODACOM_MPESA_COD',
};

let n = 0;
const phone = () => `+24381000${String(n++).padStart(4, '0')}`;

test('a kept payment reads back as it was written; anything else reads as none', () => {
  expect(decodeKept(encodeKept(KEPT))).toEqual(KEPT);
  expect(decodeKept(encodeKept({ ...KEPT, amountCentimes: undefined, provider: undefined }))).toEqual({ ...KEPT, amountCentimes: undefined, provider: undefined });
  for (const bad of ['', 'nope', '{}', JSON.stringify({ r: '83262', p: 'XX', n: '', b: ['1'], t: 1 }), JSON.stringify({ r: '83262', p: 'KIN', n: '', b: [], t: 1 }), 42]) {
    expect(decodeKept(bad)).toBeUndefined();
  }
});

describe.each([
  [REDIS_CLUSTER_NODES === undefined ? 'real Redis' : 'Redis Cluster', real],
  ['ioredis-mock (embedded default)', mock],
])('%s', (_name, redis) => {
  const store = createResumeStore(redis, { prefix });
  const hops = createRedisHopStore(redis, { prefix, ttlSeconds: 60, leaseMs: 5000, rateWindowSeconds: 60, prefsTtlSeconds: 3600 });

  test('one SMS per phone in the window: the first session sends, itself again is "again", another is quiet', async () => {
    const p = phone();
    expect(await store.keep({ id: 'a', phone: p, startedAt: 1000 }, KEPT)).toBe('send');
    expect(await store.keep({ id: 'a', phone: p, startedAt: 1000 }, KEPT)).toBe('again');
    expect(await store.keep({ id: 'b', phone: p, startedAt: 2000 }, { ...KEPT, amountCentimes: 20_000 })).toBe('quiet');
    // The newest drop is the one kept, and the next hop's first round trip reads it.
    const { prefs } = await hops.open({ id: 'c', phone: p, text: '', token: 't', lastOnly: false });
    expect(prefs.kept).toEqual({ ...KEPT, amountCentimes: 20_000 });
    expect(await redis.ttl(phoneKeys(prefix, p).kept)).toBeGreaterThan(29 * 60);
  });

  test('a session whose SMS could not be recorded gives the phone its SMS back', async () => {
    const p = phone();
    expect(await store.keep({ id: 'a', phone: p, startedAt: 1000 }, KEPT)).toBe('send');
    await store.unsend(p, 'b');
    expect(await store.keep({ id: 'b', phone: p, startedAt: 1000 }, KEPT)).toBe('quiet');
    await store.unsend(p, 'a');
    expect(await store.keep({ id: 'b', phone: p, startedAt: 1000 }, KEPT)).toBe('send');
  });

  test('a payment confirmed by a later session: older drops are neither kept nor told; newer ones are', async () => {
    const p = phone();
    const paying = { id: 'pay', phone: p, nonce: 'n', menuVersion: 'v', language: 'fr' as const, shape: 'cumulative' as const, text: '', answer: '', prevText: undefined, screen: 'pay_collecting', page: 0, history: [], vars: {}, ended: true, startedAt: 5000, hops: 0 };
    const lease = await hops.open({ id: 'pay', phone: p, text: '', token: 'tok', lastOnly: false });
    expect(lease.opened.kind).toBe('new');
    expect(await hops.commit(paying, 'tok', undefined, { resume: 'paid' })).toBe(true);
    expect(await store.keep({ id: 'old', phone: p, startedAt: 4000 }, KEPT)).toBe('paid');
    expect((await hops.open({ id: 'x', phone: p, text: '', token: 't2', lastOnly: false })).prefs.kept).toBeUndefined();
    expect(await store.keep({ id: 'new', phone: p, startedAt: 6000 }, KEPT)).toBe('send');
  });

  test('the due set: sessions come out once their time is past, each to one caller only', async () => {
    const mine = newTestPrefix('resume-due');
    const due = createResumeStore(redis, { prefix: mine });
    try {
      await due.due('s1', 1000);
      await due.due('s2', 2000);
      await due.due('s3', 9000);
      await due.undue('s2');
      const [x, y] = await Promise.all([due.claimDue(5000, 10), due.claimDue(5000, 10)]);
      expect([...x, ...y]).toEqual(['s1']);
      expect(await due.claimDue(10_000, 10)).toEqual(['s3']);
      expect(await due.claimDue(10_000, 10)).toEqual([]);
    } finally {
      await deleteKeys(redis, mine);
    }
  });
});
