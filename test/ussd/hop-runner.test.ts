import { silentLogger } from '../../src/logging/logger';
import { createMetrics } from '../../src/metrics';
import { isCluster } from '../../src/redis';
import { createRedisHopStore } from '../../src/sessions/hop-store';
import type { HopStore } from '../../src/sessions/types';
import { createActionRunner } from '../../src/ussd/action-runner';
import type { ActionContext } from '../../src/ussd/actions/types';
import { createHopRunner } from '../../src/ussd/hop-runner';
import { createInterpreter } from '../../src/ussd/interpreter';
import { metricValue } from '../support/metrics';
import { sandboxClient } from '../support/regideso';
import { newPhone, newSessionId, startWorld, type World } from './world';

/**
 * The hop runner over real Redis and the real sandbox REGIDESO: round trips, waiting, the input
 * cursor, the rate limit. Store calls are counted by a pass-through wrapper around the real store.
 */
let w: World;
beforeAll(async () => {
  w = await startWorld();
});
afterAll(async () => {
  w.sandbox.faults.getFact.length = 0;
  await w.close();
});

type Counted = HopStore & { calls: string[] };

function counted(store: HopStore): Counted {
  const calls: string[] = [];
  return {
    calls,
    ttlSeconds: store.ttlSeconds,
    open: (k, f, n) => (calls.push('open'), store.open(k, f, n)),
    known: (id, phone) => store.known(id, phone),
    begin: (k) => (calls.push('begin'), store.begin(k)),
    commit: (s, t, c, r, d) => (calls.push('commit'), store.commit(s, t, c, r, d)),
    release: (id, t) => (calls.push('release'), store.release(id, t)),
    giveUp: (k) => (calls.push('giveUp'), store.giveUp(k)),
    peek: (id) => (calls.push('peek'), store.peek(id)),
  };
}

function phoneOf(engine = w.engine, sessionId = newSessionId(), phoneNumber = newPhone()) {
  return { sessionId, phoneNumber, hop: (text: string) => engine.handle({ sessionId, phoneNumber, serviceCode: '*123#', text }) };
}

test('a hop is two store round trips (open, commit) on another instance, or when it calls REGIDESO; a gateway retry is answered by open alone', async () => {
  const store = counted(w.sessions);
  const p = phoneOf(w.makeEngine({ sessions: store }));
  // Another instance: its own store over the same Redis, with no copy of the session.
  const other = counted(createRedisHopStore(w.redis, { prefix: w.prefix, ttlSeconds: 180, leaseMs: 10_000, rateWindowSeconds: 60, prefsTtlSeconds: 3600 }));
  const q = phoneOf(w.makeEngine({ sessions: other }), p.sessionId, p.phoneNumber);
  await p.hop('');
  await p.hop('1');
  other.calls.length = 0;
  const screen = await q.hop('1*83262');
  expect(screen).toContain('province');
  expect(other.calls).toEqual(['open', 'commit']);
  other.calls.length = 0;
  expect(await q.hop('1*83262')).toBe(screen);
  expect(other.calls).toEqual(['open']);
  // The hop before the last is a retry too, answered with the screen the phone shows now, still in one round trip.
  other.calls.length = 0;
  expect(await q.hop('1')).toBe(screen);
  expect(other.calls).toEqual(['open']);
  // A hop that calls REGIDESO holds the session while it does, even where the session was last saved.
  other.calls.length = 0;
  expect(await q.hop('1*83262*1')).toContain('MUKEBA M.');
  expect(other.calls).toEqual(['open', 'commit']);
});

test('a later hop through screens alone is one round trip on the instance that saved the session; a copy another instance made stale is refused, not written', async () => {
  const cluster = isCluster(w.redis);
  const store = counted(w.sessions);
  const p = phoneOf(w.makeEngine({ sessions: store }));
  await p.hop('');
  store.calls.length = 0;
  const refScreen = await p.hop('1');
  expect(refScreen).toContain('référence');
  // On a cluster the phone's keys and the session's are in two slots: no copy is kept, two round trips.
  expect(store.calls).toEqual(cluster ? ['open', 'commit'] : ['open']);
  expect(await w.sessions.peek(p.sessionId)).toMatchObject({ screen: 'pay_ref', text: '1', prevText: '', answer: refScreen, hops: 2 });
  store.calls.length = 0;
  const province = await p.hop('1*83262');
  expect(store.calls).toEqual(cluster ? ['open', 'commit'] : ['open']);
  // Its retry, and the retry of the hop before, are answered from the record.
  expect(await p.hop('1*83262')).toBe(province);
  expect(await p.hop('1')).toBe(province);
  // Another instance moves the session on (`0`, back to the reference); the next input reaches
  // this instance, whose copy is now stale: its guess is refused, and the hop is worked out again
  // from the session as it is (two round trips), the other instance's hop kept in it.
  const other = createRedisHopStore(w.redis, { prefix: w.prefix, ttlSeconds: 180, leaseMs: 10_000, rateWindowSeconds: 60, prefsTtlSeconds: 3600 });
  const q = phoneOf(w.makeEngine({ sessions: other }), p.sessionId, p.phoneNumber);
  expect(await q.hop('1*83262*0')).toBe(refScreen);
  expect(await w.sessions.peek(p.sessionId)).toMatchObject({ text: '1*83262*0', hops: 4 });
  store.calls.length = 0;
  expect(await p.hop('1*83262*0*83262')).toBe(province);
  expect(store.calls).toEqual(['open', 'commit']);
  expect(await w.sessions.peek(p.sessionId)).toMatchObject({ text: '1*83262*0*83262', prevText: '1*83262*0', hops: 5 });
});

test("a new subscriber's first dial is one round trip once this process has answered one; a phone with preferences still gets its own first screen", async () => {
  const cluster = isCluster(w.redis);
  const store = counted(w.sessions);
  const engine = w.makeEngine({ sessions: store });
  // The first such dial is answered as any first hop: open, then commit.
  const a = phoneOf(engine);
  const main = await a.hop('');
  expect(main).toContain('1. Payer une facture');
  expect(store.calls).toEqual(['open', 'commit']);
  // The next phone with nothing remembered: the same screen, written by open itself (a cluster keeps
  // the phone's keys and the session's apart, so there it is still two round trips).
  store.calls.length = 0;
  const b = phoneOf(engine);
  expect(await b.hop('')).toBe(main);
  expect(store.calls).toEqual(cluster ? ['open', 'commit'] : ['open']);
  const saved = await w.sessions.peek(b.sessionId);
  expect(saved).toMatchObject({ phone: b.phoneNumber, screen: 'main', text: '', answer: main, hops: 1, serviceCode: '*123#' });
  // A session of its own (its own nonce), which goes on as any other, its retries answered from it.
  expect(saved?.nonce).not.toBe((await w.sessions.peek(a.sessionId))?.nonce);
  expect(await b.hop('1')).toContain('référence');
  expect(await b.hop('')).toContain('référence');
  expect(await b.hop('1*83262*1')).toContain('MUKEBA M.');
  // A phone that chose a language gets its own first screen, in that language, as before.
  store.calls.length = 0;
  const c = phoneOf(engine);
  await w.prefs.setLanguage(c.phoneNumber, 'en');
  const english = await c.hop('');
  expect(english).not.toBe(main);
  expect(english).toMatch(/^CON /);
  expect(store.calls).toEqual(['open', 'commit']);
});

test('a retry waiting for its slow original asks again with a growing backoff, not a poll storm', async () => {
  const store = counted(w.sessions);
  const engine = w.makeEngine({ sessions: store, hopBudgetMs: 5000 });
  const p = phoneOf(engine);
  for (const t of ['', '1', '1*83262']) await p.hop(t);
  w.sandbox.faults.getFact.push({ kind: 'hang', ms: 2500 });
  const original = p.hop('1*83262*1');
  await new Promise((r) => setTimeout(r, 100));
  store.calls.length = 0;
  const retry = await p.hop('1*83262*1');
  const screen = await original;
  expect(screen).toMatch(/^CON MUKEBA M\./);
  expect(retry).toBe(screen);
  // Over ~2.4 s of waiting: 20 ms doubling to 400 ms is about ten asks; a 15 ms poll would be ~160.
  const asks = store.calls.filter((c) => c === 'begin').length;
  expect(asks).toBeGreaterThan(0);
  expect(asks).toBeLessThanOrEqual(15);
});

test("the README's sequence: a later hop carrying several inputs walks them, and stops before the payment", async () => {
  const p = phoneOf();
  const before = w.payments.calls.length;
  expect(await p.hop('')).toContain('1. Payer une facture');
  expect(await p.hop('1*83262*1')).toContain('Total à payer: 84 653,40 CDF');
  expect(await p.hop('1*83262*1*2*2*100')).toMatch(/^CON Payer 100 CDF\nFacture\(s\): 03\/2024/);
  // The amount and the confirmation's key in one hop: the confirmation is shown, nothing paid.
  const q = phoneOf();
  await q.hop('');
  expect(await q.hop('1*83262*1*2*2*100*2')).toMatch(/^CON Payer 100 CDF/);
  expect(w.payments.calls.length).toBe(before);
  expect(await p.hop('1*83262*1*2*2*100*2')).toMatch(/^END Paiement de 100 CDF réussi/);
  expect(w.payments.calls.length).toBe(before + 1);
});

test('a gateway that sends only the newest input: a duplicated 1 reaches the confirmation, a second one does not pay', async () => {
  const engine = w.makeEngine({ gatewayMode: 'last' });
  const p = phoneOf(engine);
  const before = w.payments.calls.length;
  for (const t of ['', '1', '83262', '1', '2']) await p.hop(t);
  // "Exact balance" (1), then the gateway repeats the hop twice.
  expect(await p.hop('1')).toMatch(/^CON Payer 17 865,57 CDF/);
  const dup = await p.hop('1');
  expect(dup).toMatch(/^CON Montant en francs entiers/);
  expect(await p.hop('1')).toMatch(/^CON Montant trop petit/);
  expect(w.payments.calls.length).toBe(before);
  // The subscriber goes back to the confirmation and confirms with its own key.
  expect(await p.hop('0')).toMatch(/^CON Payer 17 865,57 CDF/);
  expect(await p.hop('2')).toMatch(/^END Paiement de 17 865,57 CDF réussi/);
  expect(w.payments.calls.length).toBe(before + 1);
});

test('auto: a stale or out-of-order cumulative hop never switches the session to `last`', async () => {
  const p = phoneOf();
  for (const t of ['', '1', '1*83262']) await p.hop(t);
  // Proven cumulative; a late hop from the start and a conflicting one from an older point.
  const province = await p.hop('1*83262');
  expect(await p.hop('')).toBe(province);
  expect(await p.hop('1*5')).toBe(province);
  expect(await p.hop('2')).toBe(province);
  expect((await w.sessions.peek(p.sessionId))?.shape).toBe('cumulative');
  // Still reading the whole path: the next hop extends the cursor.
  expect(await p.hop('1*83262*1')).toContain('MUKEBA M.');

  // Unproven (the cursor never extended): the hop before, arriving late, is a retry (answered with
  // the screen the phone shows now), not a `last` input.
  const q = phoneOf();
  await q.hop('');
  const prompt = await q.hop('1');
  expect(await q.hop('')).toBe(prompt);
  expect((await w.sessions.peek(q.sessionId))?.shape).toBe('unknown');
  // And a gateway that does send only the newest input is still recognised.
  expect(await q.hop('83262')).toContain('1. Kinshasa');
  expect((await w.sessions.peek(q.sessionId))?.shape).toBe('last');
});

test('the per-phone limit travels in the first round trip: past it the session ends politely, counted', async () => {
  const metrics = createMetrics({ defaults: false });
  const engine = w.makeEngine({ hopsPerWindow: 3, metrics });
  const p = phoneOf(engine);
  for (const t of ['', '1', '1*83262']) expect(await p.hop(t)).toMatch(/^CON /);
  const limited = await p.hop('1*83262*1');
  expect(limited).toMatch(/^END Trop de demandes depuis ce numéro/);
  expect(await metricValue(metrics.registry, 'rate_limited_total{limit="ussd"}')).toBe(1);
  // The session's lease was not kept: another phone is not affected, and this session is intact.
  expect((await w.sessions.peek(p.sessionId))?.text).toBe('1*83262');
  expect(await phoneOf(engine).hop('')).toMatch(/^CON /);
});

test('every action of a session sees the nonce drawn when it started; another session has another', async () => {
  const seen: Array<{ sessionId: string; nonce: string }> = [];
  const real = createActionRunner({ regideso: sandboxClient(w.sandbox), payments: w.payments, minPaymentCentimes: 10_000, logger: silentLogger() });
  const gateway = createHopRunner({
    store: createRedisHopStore(w.redis, { prefix: w.prefix, ttlSeconds: 180, leaseMs: 10_000, rateWindowSeconds: 60, prefsTtlSeconds: 3600 }),
    interpreter: createInterpreter({ menu: w.menu, minPaymentCentimes: 10_000, logger: silentLogger() }),
    runAction: (name, ctx: Omit<ActionContext, 'signal'>, deadline) => {
      seen.push({ sessionId: ctx.sessionId, nonce: ctx.sessionNonce });
      return real(name, ctx, deadline);
    },
    hopBudgetMs: 8000,
    gatewayMode: 'auto',
    hopsPerWindow: 100,
    logger: silentLogger(),
    now: () => new Date(),
  });
  const a = phoneOf({ handle: (h) => gateway.handle(h) });
  const b = phoneOf({ handle: (h) => gateway.handle(h) });
  for (const t of ['', '1', '1*83262', '1*83262*1', '1*83262*1*2']) {
    await a.hop(t);
    await b.hop(t);
  }
  const nonces = (id: string) => new Set(seen.filter((s) => s.sessionId === id).map((s) => s.nonce));
  expect(nonces(a.sessionId).size).toBe(1);
  expect([...nonces(a.sessionId)][0]).toMatch(/^[0-9a-f]{16}$/);
  expect(nonces(b.sessionId).size).toBe(1);
  expect([...nonces(a.sessionId)][0]).not.toBe([...nonces(b.sessionId)][0]);
  expect((await w.sessions.peek(a.sessionId))?.nonce).toBe([...nonces(a.sessionId)][0]);
});
