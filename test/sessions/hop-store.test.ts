import { randomUUID } from 'node:crypto';
import { createRedisHopStore } from '../../src/sessions/hop-store';
import { phoneKeys, resumeDueKey, sessionKeys } from '../../src/sessions/keys';
import { createSubscriberPrefs } from '../../src/sessions/subscriber-prefs';
import type { HopKey, Session } from '../../src/sessions/types';
import { isCluster, type RedisClient } from '../../src/redis';
import { connectTestRedis, realAndMockRedis, REDIS_CLUSTER_NODES } from '../support/redis';

const { prefix, real, mock } = realAndMockRedis('sessions');

const PHONE = '+243810000001';

function session(id: string, over: Partial<Session> = {}): Session {
  return {
    id,
    phone: PHONE,
    nonce: '0123456789abcdef',
    menuVersion: '1+abc',
    language: 'fr',
    shape: 'cumulative',
    text: '1*83262',
    answer: 'CON Choisissez votre province:\n1. Kinshasa',
    prevText: '1',
    screen: 'pay_province',
    page: 0,
    history: [['main', 0], ['pay_ref', 0]],
    vars: {
      lastRef: null,
      // Objects with the same fields are stored as one table: they come back as they went in.
      bills: [
        { faeId: '1', billNumber: 'A', issuedOn: '2024-03-31', balance: 100 },
        { faeId: '2', billNumber: 'B', issuedOn: '2024-04-30', balance: 250 },
      ],
      mixed: [{ a: 1 }, { b: 2 }],
      selection: { faeId: '1', balance: 100 },
    },
    ended: false,
    startedAt: 1,
    hops: 2,
    ...over,
  };
}

const hop = (id: string, text: string, over: Partial<HopKey> = {}): HopKey => ({ id, phone: PHONE, text, token: randomUUID(), lastOnly: false, ...over });

describe.each([
  [REDIS_CLUSTER_NODES === undefined ? 'real Redis' : 'Redis Cluster', real],
  ['ioredis-mock (embedded default)', mock],
])('%s', (_name, redis) => {
  const store = createRedisHopStore(redis, { prefix, ttlSeconds: 60, leaseMs: 5000, rateWindowSeconds: 60, prefsTtlSeconds: 3600 });

  test('a new session takes the lease; its commit saves it under a hash-tagged key with a TTL and frees the lease', async () => {
    const id = `ATUid_${randomUUID()}`;
    const first = hop(id, '');
    expect((await store.open(first)).opened).toEqual({ kind: 'new' });
    // Held: another hop of the session waits.
    expect(await store.begin(hop(id, '1'))).toEqual({ kind: 'busy' });
    const s = session(id);
    expect(await store.commit(s, first.token, undefined)).toBe(true);
    expect(await store.peek(id)).toEqual(s);
    const k = sessionKeys(prefix, id);
    expect(k.record).toBe(`${prefix}s:{${id}}`);
    expect(await redis.ttl(k.record)).toBeGreaterThan(60);
    expect(await redis.exists(k.lease)).toBe(0);
    expect(await store.peek('absent')).toBeUndefined();
  });

  test('a retry of the cursor or of the hop before is answered from the record, without the lease', async () => {
    const id = `ATUid_${randomUUID()}`;
    const first = hop(id, '');
    await store.open(first);
    await store.commit(session(id), first.token, undefined);
    expect((await store.open(hop(id, '1*83262'))).opened).toEqual({ kind: 'answer', answer: 'CON Choisissez votre province:\n1. Kinshasa' });
    // The hop before: the phone has moved on, it gets the screen it shows now.
    expect((await store.open(hop(id, '1'))).opened).toEqual({ kind: 'answer', answer: 'CON Choisissez votre province:\n1. Kinshasa' });
    // A new input takes the lease and gets the session.
    const next = await store.open(hop(id, '1*83262*1'));
    expect(next.opened).toMatchObject({ kind: 'session', session: { text: '1*83262', screen: 'pay_province' }, wait: undefined });
    // A gateway that sends only the newest input: an identical text is an input, not a retry (here: busy behind the lease).
    expect((await store.open(hop(id, '1*83262', { lastOnly: true }))).opened).toEqual({ kind: 'busy' });
  });

  test('another phone with the same session id gets nothing of the session', async () => {
    const id = `ATUid_${randomUUID()}`;
    const first = hop(id, '');
    await store.open(first);
    await store.commit(session(id), first.token, undefined);
    expect((await store.open(hop(id, '1*83262', { phone: '+243899999999' }))).opened).toEqual({ kind: 'foreign' });
  });

  test('a commit never overwrites a session whose lease another hop holds now', async () => {
    const id = `ATUid_${randomUUID()}`;
    await redis.set(sessionKeys(prefix, id).lease, 'someone-else', 'PX', 5000);
    expect(await store.commit(session(id), 'mine', undefined)).toBe(false);
    expect(await store.peek(id)).toBeUndefined();
    expect(await redis.get(sessionKeys(prefix, id).lease)).toBe('someone-else');
  });

  test('a record of another version, or corrupted, is unreadable (and the lease is taken)', async () => {
    const id = `ATUid_${randomUUID()}`;
    await redis.set(sessionKeys(prefix, id).record, '{"id":3}');
    expect((await store.open(hop(id, '1'))).opened).toEqual({ kind: 'unreadable' });
    const other = `ATUid_${randomUUID()}`;
    await redis.set(sessionKeys(prefix, other).record, `1cfr0:0:5:0:${PHONE}\nCON xnot json`);
    expect((await store.open(hop(other, '1'))).opened).toEqual({ kind: 'unreadable' });
  });

  test('giving up: the answer if it has appeared, else "please wait" is noted, and the next begin reports it', async () => {
    const id = `ATUid_${randomUUID()}`;
    const first = hop(id, '');
    await store.open(first);
    await store.commit(session(id), first.token, undefined);
    expect(await store.giveUp(hop(id, '1*83262'))).toEqual({ kind: 'answer', answer: 'CON Choisissez votre province:\n1. Kinshasa' });
    expect(await store.giveUp(hop(id, '1*83262*1'))).toEqual({ kind: 'wait', language: 'fr' });
    const next = hop(id, '1*83262*1*2');
    expect((await store.open(next)).opened).toMatchObject({ kind: 'session', wait: '1*83262*1' });
    // Cleared by the commit that says so, only if it is still the same note.
    await store.commit(session(id, { text: '1*83262*1*2' }), next.token, '1*83262*1');
    expect(await redis.exists(sessionKeys(prefix, id).wait)).toBe(0);
  });

  test("a prepared first screen is written by open itself when the phone has nothing remembered, within its limit; else the session is new, as before", async () => {
    const cluster = isCluster(redis);
    const newPhone = () => `+24381${String(Math.floor(Math.random() * 1e7)).padStart(7, '0')}`;
    const prepared = (id: string, phone: string, hopsPerWindow = 10) => ({ session: session(id, { phone, text: '', prevText: undefined, screen: 'main', history: [], hops: 1 }), hopsPerWindow });
    // A phone with nothing remembered: the record is written and nothing is held (one round trip on a single Redis).
    const blankPhone = newPhone();
    const id = `ATUid_${randomUUID()}`;
    const offer = prepared(id, blankPhone);
    const opened = await store.open(hop(id, '', { phone: blankPhone }), offer);
    expect(opened.opened).toEqual({ kind: cluster ? 'new' : 'created' });
    expect(opened.count).toBe(1);
    if (!cluster) {
      expect(await store.peek(id)).toEqual(offer.session);
      expect(await redis.exists(sessionKeys(prefix, id).lease)).toBe(0);
      expect(await redis.ttl(sessionKeys(prefix, id).record)).toBeGreaterThan(60);
      // Its retry is answered from that record, and the next input takes the session.
      expect((await store.open(hop(id, '', { phone: blankPhone }), prepared(id, blankPhone))).opened).toEqual({ kind: 'answer', answer: offer.session.answer });
      expect((await store.open(hop(id, '1', { phone: blankPhone }))).opened).toMatchObject({ kind: 'session', session: { screen: 'main', hops: 1 } });
    }
    // A phone with preferences, or a kept payment, or past its limit: new, the lease taken, nothing written.
    const prefs = createSubscriberPrefs(redis, { prefix, ttlSeconds: 600 });
    const known = newPhone();
    await prefs.setLanguage(known, 'en');
    const kept = newPhone();
    await redis.set(phoneKeys(prefix, kept).kept, 'x', 'EX', 60);
    const limited = newPhone();
    await redis.set(phoneKeys(prefix, limited).rate, '2', 'EX', 60);
    for (const [phone, limit] of [[known, 10], [kept, 10], [limited, 2]] as const) {
      const other = `ATUid_${randomUUID()}`;
      expect((await store.open(hop(other, '', { phone }), prepared(other, phone, limit))).opened).toEqual({ kind: 'new' });
      expect(await store.peek(other)).toBeUndefined();
      expect(await redis.exists(sessionKeys(prefix, other).lease)).toBe(1);
    }
    // A session that exists already is never overwritten by an offer.
    const existing = `ATUid_${randomUUID()}`;
    const own = hop(existing, '', { phone: blankPhone });
    await store.open(own);
    await store.commit(session(existing, { phone: blankPhone }), own.token, undefined);
    expect((await store.open(hop(existing, '', { phone: blankPhone }), prepared(existing, blankPhone))).opened).toMatchObject({ kind: 'session', session: { screen: 'pay_province' } });
  });

  test('a later hop worked out from the session as this instance saved it is written by open alone; anything changed meanwhile refuses it', async () => {
    const cluster = isCluster(redis);
    const phone = `+24381${String(Math.floor(Math.random() * 1e7)).padStart(7, '0')}`;
    const opts = { prefix, ttlSeconds: 60, leaseMs: 5000, rateWindowSeconds: 60, prefsTtlSeconds: 3600 };
    const other = createRedisHopStore(redis, opts);
    const prefs = createSubscriberPrefs(redis, { prefix, ttlSeconds: 600 });
    /** A session this store saved (its copy kept), and the hop after it as worked out from that copy. */
    const saved = async () => {
      const id = `ATUid_${randomUUID()}`;
      const first = hop(id, '', { phone });
      await store.open(first);
      const s = session(id, { phone });
      await store.commit(s, first.token, undefined);
      const moved = session(id, { phone, text: '1*83262*1', prevText: '1*83262', screen: 'pay_bills', answer: 'CON MUKEBA M.', hops: 3 });
      const since = store.known(id, phone)?.since ?? { raw: '', phone: [] };
      return { id, s, moved, next: (over: object = {}) => ({ since, session: moved, remember: {}, due: undefined, hopsPerWindow: 1000, ...over }) };
    };
    const { id, s, moved, next } = await saved();
    const known = store.known(id, phone);
    if (cluster) {
      // The phone's keys and the session's are in two slots: no one script writes both, no copy kept.
      expect(known).toBeUndefined();
      return;
    }
    expect(known?.session).toEqual(s);
    expect(known?.prefs).toEqual({ language: undefined, lastRef: undefined, paidRefs: [], lookupsToday: 0 });
    // A fresh copy each time; another phone with the session id gets none; another instance has none.
    expect(store.known(id, phone)?.session).not.toBe(known?.session);
    expect(store.known(id, '+243810000009')).toBeUndefined();
    expect(other.known(id, phone)).toBeUndefined();
    // Nothing changed: written, nothing held, and its retry answered from it.
    const h = hop(id, '1*83262*1', { phone });
    expect((await store.open(h, undefined, next())).opened).toEqual({ kind: 'advanced' });
    expect(await store.peek(id)).toEqual(moved);
    expect(await redis.exists(sessionKeys(prefix, id).lease)).toBe(0);
    expect(await redis.ttl(sessionKeys(prefix, id).record)).toBeGreaterThan(60);
    expect((await store.open(hop(id, '1*83262*1', { phone }))).opened).toEqual({ kind: 'answer', answer: 'CON MUKEBA M.' });
    expect(store.known(id, phone)?.session).toEqual(moved);

    // What the hop keeps for the phone and the resume watch goes with it; the phone has changed, so no copy is kept.
    const kept = await saved();
    const due = resumeDueKey(prefix);
    expect((await store.open(hop(kept.id, '1*83262*1', { phone }), undefined, kept.next({ remember: { lastRef: '83262', lookup: 'KIN:83262' }, due: 'enter' }))).opened).toEqual({ kind: 'advanced' });
    expect(await redis.hget(phoneKeys(prefix, phone).prefs, 'lastRef')).toBe('83262');
    expect(Number(await redis.zscore(due, kept.id))).toBe(1 + 60_000);
    expect(store.known(kept.id, phone)).toBeUndefined();
    await redis.zrem(due, kept.id);

    // Refused, and open is as without the guess (the lease taken, the session as it is now):
    // another instance moved the session on (a retry of that hop is answered from its record) ...
    const moving = await saved();
    const elsewhere = hop(moving.id, '1*83262*2', { phone });
    await other.open(elsewhere);
    const theirs = session(moving.id, { phone, text: '1*83262*2', answer: 'CON theirs', hops: 3 });
    await other.commit(theirs, elsewhere.token, undefined);
    expect((await store.open(hop(moving.id, '1*83262*1', { phone }), undefined, moving.next())).opened).toMatchObject({ kind: 'session', session: { text: '1*83262*2', answer: 'CON theirs' } });
    expect(await store.peek(moving.id)).toEqual(theirs);
    // ... this instance saved it again since the copy was made ...
    const older = await saved();
    const again = hop(older.id, '1*83262*2', { phone });
    await store.open(again);
    await store.commit(session(older.id, { phone, text: '1*83262*2', answer: 'CON ours', hops: 3 }), again.token, undefined);
    expect((await store.open(hop(older.id, '1*83262*1', { phone }), undefined, older.next())).opened).toMatchObject({ kind: 'session', session: { answer: 'CON ours' } });
    // ... another hop holds the lease ...
    const held = await saved();
    await other.open(hop(held.id, '1*83262*2', { phone }));
    expect((await store.open(hop(held.id, '1*83262*1', { phone }), undefined, held.next())).opened).toEqual({ kind: 'busy' });
    expect(await store.peek(held.id)).toEqual(held.s);
    // ... the phone was shown "please wait" ...
    const waiting = await saved();
    await redis.set(sessionKeys(prefix, waiting.id).wait, '1*83262', 'EX', 60);
    expect((await store.open(hop(waiting.id, '1*83262*1', { phone }), undefined, waiting.next())).opened).toMatchObject({ kind: 'session', wait: '1*83262' });
    // ... the phone is past its limit ...
    const limited = await saved();
    const past = await store.open(hop(limited.id, '1*83262*1', { phone }), undefined, limited.next({ hopsPerWindow: 1 }));
    expect(past.opened).toMatchObject({ kind: 'session', session: { screen: 'pay_province' } });
    expect(past.count).toBeGreaterThan(1);
    // ... or its preferences changed (a language chosen in another session), which the hop reads afresh.
    const chosen = await saved();
    await prefs.setLanguage(phone, 'en');
    const fresh = await store.open(hop(chosen.id, '1*83262*1', { phone }), undefined, chosen.next());
    expect(fresh.opened).toMatchObject({ kind: 'session', session: { screen: 'pay_province' } });
    expect(fresh.prefs.language).toBe('en');
    for (const x of [limited, chosen]) expect(await store.peek(x.id)).toEqual(x.s);
  });

  test('the phone round trip counts hops in a window and reads the preferences', async () => {
    const phone = `+24381${String(Math.floor(Math.random() * 1e7)).padStart(7, '0')}`;
    const prefs = createSubscriberPrefs(redis, { prefix, ttlSeconds: 600 });
    await prefs.setLanguage(phone, 'ln');
    await prefs.setLastRef(phone, '01234-X');
    const a = await store.open(hop(`ATUid_${randomUUID()}`, '', { phone }));
    const b = await store.open(hop(`ATUid_${randomUUID()}`, '', { phone }));
    expect([a.count, b.count]).toEqual([1, 2]);
    expect(a.prefs).toEqual({ language: 'ln', lastRef: '01234-X', paidRefs: [], lookupsToday: 0 });
    expect(await redis.ttl(phoneKeys(prefix, phone).rate)).toBeGreaterThan(0);
    expect(await prefs.get(phone)).toEqual({ language: 'ln', lastRef: '01234-X', paidRefs: [] });
  });

  test("a commit keeps what the hop's actions asked to remember for the phone, with a TTL", async () => {
    const phone = `+24381${String(Math.floor(Math.random() * 1e7)).padStart(7, '0')}`;
    const id = `ATUid_${randomUUID()}`;
    const first = hop(id, '', { phone });
    await store.open(first);
    expect(await store.commit(session(id, { phone }), first.token, undefined, { lastRef: '83262', language: 'en', lookup: 'KIN:83262' })).toBe(true);
    // The reference looked up went into the phone's set of the day, which the next hop counts.
    expect((await store.open(hop(`ATUid_${randomUUID()}`, '', { phone }))).prefs).toEqual({ language: 'en', lastRef: '83262', paidRefs: [], lookupsToday: 1 });
    expect(await redis.ttl(phoneKeys(prefix, phone).prefs)).toBeGreaterThan(600);
  });

  test('a commit watches a session entering a resumable screen, stops when it leaves, and ends the kept payment', async () => {
    const phone = `+24381${String(Math.floor(Math.random() * 1e7)).padStart(7, '0')}`;
    const p = phoneKeys(prefix, phone);
    const due = resumeDueKey(prefix);
    const id = `ATUid_${randomUUID()}`;
    await redis.set(p.kept, '{"kept":"payment"}', 'EX', 600);
    const first = hop(id, '', { phone });
    await store.open(first);
    const s = session(id, { phone, startedAt: 7000 });
    expect(await store.commit(s, first.token, undefined, { resume: 'dropped', lastProvince: 'NK' }, 'enter')).toBe(true);
    // Due when the gateway's session expires: 60 s after it started.
    expect(Number(await redis.zscore(due, id))).toBe(7000 + 60_000);
    expect(await redis.exists(p.kept)).toBe(0);
    expect(await redis.hget(p.prefs, 'lastProvince')).toBe('NK');
    expect(await redis.exists(p.paid)).toBe(0);
    const second = hop(id, '1');
    await store.open({ ...second, phone });
    expect(await store.commit(s, second.token, undefined, { resume: 'paid' }, 'leave')).toBe(true);
    expect(await redis.zscore(due, id)).toBeNull();
    expect(await redis.get(p.paid)).toBe('7000');
    expect(await store.peek(id)).toEqual(s);
  });

  test("a commit that finds another hop's lease saves no session, and still keeps the phone's preferences", async () => {
    const phone = `+24381${String(Math.floor(Math.random() * 1e7)).padStart(7, '0')}`;
    const id = `ATUid_${randomUUID()}`;
    await store.open(hop(id, '', { phone }));
    expect(await store.commit(session(id, { phone }), 'not-the-holder', undefined, { language: 'sw' }, 'enter')).toBe(false);
    expect(await store.peek(id)).toBeUndefined();
    expect(await redis.hget(phoneKeys(prefix, phone).prefs, 'language')).toBe('sw');
  });

  test("a session id equal to a phone number is another key than that phone's preferences", async () => {
    const phone = `+24381${String(Math.floor(Math.random() * 1e7)).padStart(7, '0')}`;
    const prefs = createSubscriberPrefs(redis, { prefix, ttlSeconds: 600 });
    await prefs.setLanguage(phone, 'sw');
    const first = hop(phone, '', { phone });
    await store.open(first);
    await store.commit(session(phone, { phone }), first.token, undefined);
    expect(await prefs.get(phone)).toEqual({ language: 'sw', lastRef: undefined, paidRefs: [] });
    expect(await store.peek(phone)).toMatchObject({ id: phone, screen: 'pay_province' });
  });
});

/** Counts the writes on each node's socket (a single Redis is one node, connected first: a cluster's are lazy). */
async function countWrites(redis: RedisClient): Promise<() => number> {
  const nodes = isCluster(redis) ? redis.nodes('master') : [redis];
  await Promise.all(nodes.map((n) => n.ping()));
  let writes = 0;
  for (const node of nodes) {
    const stream = (node as unknown as { stream: { write: (...args: unknown[]) => boolean } }).stream;
    const write = stream.write.bind(stream);
    stream.write = (...args: unknown[]) => {
      writes += 1;
      return write(...args);
    };
  }
  return () => writes;
}

// On a cluster the phone's slot and the session's live on different nodes as a rule: the two
// scripts leave together, one write to each node, still one round trip of waiting.
test('open is one round trip on the wire: the rate count and begin leave in one write (one per node on a cluster)', async () => {
  const redis = connectTestRedis();
  const store = createRedisHopStore(redis, { prefix, ttlSeconds: 60, leaseMs: 5000, rateWindowSeconds: 60, prefsTtlSeconds: 3600 });
  try {
    const id = `ATUid_${randomUUID()}`;
    const first = hop(id, '');
    await store.open(first); // loads the scripts into Redis if needed
    await store.commit(session(id), first.token, undefined);
    await redis.ping();
    const writes = await countWrites(redis);
    const opening = store.open(hop(id, '1*83262'));
    // Everything is on the wire before any reply is read.
    const sentAtOnce = writes();
    const retry = await opening;
    expect(retry.opened.kind).toBe('answer');
    expect(writes()).toBe(isCluster(redis) ? 2 : 1);
    expect(sentAtOnce).toBe(writes());
  } finally {
    redis.disconnect();
  }
});
