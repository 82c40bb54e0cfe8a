import { createHash } from 'node:crypto';
import { createConsoleSessions } from '../../src/operators/console-sessions';
import { createSessionFunnel, endingOf, kinshasaDay } from '../../src/ussd-events/funnel';
import { connectTestRedis, deleteKeys, newTestPrefix } from '../support/redis';

/**
 * The console's two Redis records, on the tests' real Redis (a cluster in the cluster run): the
 * funnel's per-day hash, and the sign-in sessions with their idle and absolute lifetimes.
 */
const prefix = newTestPrefix('console');
const redis = connectTestRedis();
afterAll(async () => {
  await deleteKeys(redis, prefix);
  await redis.quit();
});

const PAID = new Set(['pay_collecting', 'pay_succeeded']);

describe('the funnel', () => {
  it('tells the network\'s endings from the subscriber\'s choice, and a recorded payment from a drop', () => {
    expect(endingOf('Success', 'pay_collecting', PAID)).toBe('paid');
    expect(endingOf('Success', 'pay_cancelled', PAID)).toBe('subscriber_end');
    expect(endingOf('Incomplete', 'pay_ref', PAID)).toBe('network_incomplete');
    expect(endingOf('Failed', 'pay_bills', PAID)).toBe('network_failed');
    expect(endingOf('expired', 'pay_amount', PAID)).toBe('expired');
    expect(endingOf('Weird', 'main', PAID)).toBe('other');
  });

  it('counts each screen a session reached once, where it ended and how, per Kinshasa day, kept for the retention', async () => {
    // 23:30 UTC is already the next day in Kinshasa.
    const at = new Date('2026-03-04T23:30:00Z');
    const funnel = createSessionFunnel({ redis, prefix, retentionSeconds: 3600, paidScreens: PAID, now: () => at });
    await funnel.count({ screen: 'pay_ref', shown: ['main'] }, 'Incomplete');
    await funnel.count({ screen: 'pay_collecting', shown: ['main', 'pay_ref', 'pay_ref', 'pay_confirm'] }, 'Success');
    // A session with no record left, or a screen that is not a menu id: `unknown`, never a text.
    await funnel.count(undefined, 'Failed');
    await funnel.count({ screen: 'MUKEBA MUKEBA', shown: [] }, 'Success');
    expect(kinshasaDay(at)).toBe('2026-03-05');
    const day = await funnel.read('2026-03-05');
    const row = (s: string) => day.screens.find((x) => x.screen === s);
    expect(row('main')).toEqual({ screen: 'main', reached: 2, ended: {} });
    expect(row('pay_ref')).toEqual({ screen: 'pay_ref', reached: 2, ended: { network_incomplete: 1 } });
    expect(row('pay_collecting')).toEqual({ screen: 'pay_collecting', reached: 1, ended: { paid: 1 } });
    expect(row('unknown')).toEqual({ screen: 'unknown', reached: 2, ended: { network_failed: 1, subscriber_end: 1 } });
    expect(day.screens.map((s) => s.screen)).not.toContain('MUKEBA MUKEBA');
    expect((await funnel.read('2026-03-04')).screens).toEqual([]);
    const ttl = await redis.ttl(`${prefix}funnel:{2026-03-05}`);
    expect(ttl).toBeGreaterThan(3000);
    expect(ttl).toBeLessThanOrEqual(3600);
  });
});

describe('console sessions', () => {
  it('live while used, end after the idle time or the absolute age, and on sign-out; Redis never holds the session id', async () => {
    let now = 1_000_000_000_000;
    const sessions = createConsoleSessions({ redis, prefix, idleSeconds: 600, maxSeconds: 1800, now: () => now });
    const id = await sessions.open('a'.repeat(64));
    expect(await sessions.touch(id)).toEqual({ keyHash: 'a'.repeat(64), createdAt: 1_000_000_000_000 });
    // Under a hash of the id, hash-tagged (one slot on a cluster).
    const keys = [`${prefix}console:{${createHash('sha256').update(id).digest('hex').slice(0, 40)}}`];
    expect(await redis.exists(keys[0] ?? '')).toBe(1);
    expect(await redis.get(keys[0] ?? '')).not.toContain(id);
    // The idle window is what Redis keeps: a touch renews it, up to the absolute age.
    expect(await redis.ttl(keys[0] ?? '')).toBeLessThanOrEqual(600);
    now += 1500 * 1000;
    expect(await sessions.touch(id)).toBeDefined();
    expect(await redis.ttl(keys[0] ?? '')).toBeLessThanOrEqual(300);
    now += 301 * 1000;
    expect(await sessions.touch(id)).toBeUndefined();
    expect(await redis.exists(keys[0] ?? '')).toBe(0);

    const other = await sessions.open('b'.repeat(64));
    await sessions.close(other);
    expect(await sessions.touch(other)).toBeUndefined();
    expect(await sessions.touch('not-a-session-id')).toBeUndefined();
  });
});
