import { randomUUID } from 'node:crypto';
import Redis from 'ioredis';
import RedisMock from 'ioredis-mock';
import { createRedisSessionStore } from '../../src/sessions/redis-session-store';
import { createSubscriberPrefs } from '../../src/sessions/subscriber-prefs';
import type { Session } from '../../src/sessions/types';
import { deleteKeys, REDIS_URL } from '../support/redis';

const prefix = `test:sessions:${randomUUID().slice(0, 8)}:`;
const real = new Redis(REDIS_URL);
const mock = new RedisMock() as unknown as Redis;

afterAll(async () => {
  await deleteKeys(real, prefix);
  await real.quit();
  mock.disconnect();
});

function session(id: string): Session {
  return {
    id,
    phone: '+243810000001',
    menuVersion: '1+abc',
    language: 'fr',
    mode: 'cumulative',
    text: '1',
    screen: 'pay_ref',
    page: 0,
    history: [{ screen: 'main', page: 0 }],
    vars: { lastRef: null, bills: [{ faeId: '1', balance: 100 }] },
    responses: [['', 'CON x']],
    ended: false,
    startedAt: 1,
    updatedAt: 2,
    hops: 2,
  };
}

describe.each([
  ['real Redis', real],
  ['ioredis-mock (embedded default)', mock],
])('%s', (_name, redis) => {
  const store = createRedisSessionStore(redis, { prefix: `${prefix}s:`, ttlSeconds: 60 });

  test('saves and reads a session under a hash-tagged key, with a TTL', async () => {
    const id = `ATUid_${randomUUID()}`;
    await store.save(session(id));
    expect(await store.get(id)).toEqual(session(id));
    expect(await redis.ttl(`${prefix}s:{${id}}`)).toBeGreaterThan(60);
    expect(await store.get('absent')).toBeUndefined();
  });

  test('a corrupted record reads as no session rather than crashing', async () => {
    const id = `ATUid_${randomUUID()}`;
    await redis.set(`${prefix}s:{${id}}`, '{"id":3}');
    expect(await store.get(id)).toBeUndefined();
    await redis.set(`${prefix}s:{${id}}`, 'not json');
    expect(await store.get(id)).toBeUndefined();
  });

  test('the lock serialises two holders and frees on error', async () => {
    const id = `ATUid_${randomUUID()}`;
    const order: string[] = [];
    const run = (name: string) =>
      store.withLock(id, { waitMs: 2000, holdMs: 5000 }, async () => {
        order.push(`${name}:in`);
        await new Promise((r) => setImmediate(r));
        order.push(`${name}:out`);
        return name;
      });
    const [a, b] = await Promise.all([run('a'), run('b')]);
    expect(a).toEqual({ ok: true, value: 'a' });
    expect(b).toEqual({ ok: true, value: 'b' });
    // Never interleaved: each holder leaves before the other enters.
    expect(order.join(',')).toBe(order[0] === 'a:in' ? 'a:in,a:out,b:in,b:out' : 'b:in,b:out,a:in,a:out');
    await expect(store.withLock(id, { waitMs: 100, holdMs: 5000 }, async () => Promise.reject(new Error('x')))).rejects.toThrow('x');
    expect(await store.withLock(id, { waitMs: 0, holdMs: 5000 }, async () => 'free')).toEqual({ ok: true, value: 'free' });
  });

  test('a lock held elsewhere makes the caller give up after its wait', async () => {
    const id = `ATUid_${randomUUID()}`;
    await redis.set(`${prefix}s:{${id}}:lock`, 'someone-else', 'PX', 5000);
    expect(await store.withLock(id, { waitMs: 50, holdMs: 5000 }, async () => 'never')).toEqual({ ok: false });
    // Not ours: left in place.
    expect(await redis.get(`${prefix}s:{${id}}:lock`)).toBe('someone-else');
  });

  test('subscriber prefs remember language and last reference per phone', async () => {
    const prefs = createSubscriberPrefs(redis, { prefix: `${prefix}p:`, ttlSeconds: 600 });
    const phone = `+24381${Math.floor(Math.random() * 1e7)}`;
    expect(await prefs.get(phone)).toEqual({ language: undefined, lastRef: undefined });
    await prefs.setLanguage(phone, 'ln');
    await prefs.setLastRef(phone, '01234-X');
    expect(await prefs.get(phone)).toEqual({ language: 'ln', lastRef: '01234-X' });
    expect(await redis.ttl(`${prefix}p:{${phone}}`)).toBeGreaterThan(0);
  });
});
