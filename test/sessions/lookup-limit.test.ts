import { createMetrics } from '../../src/metrics';
import { phoneKeys } from '../../src/sessions/keys';
import { createLookupLimiter, lookupDay } from '../../src/sessions/lookup-limit';
import { realAndMockRedis } from '../support/redis';
import { metricValue } from '../support/metrics';

/** The daily count of distinct references per phone: on the real Redis, and the in-memory one of the embedded default. */
const { prefix, real, mock } = realAndMockRedis('lookups');

const newPhone = () => `+24381${String(Math.floor(Math.random() * 1e7)).padStart(7, '0')}`;

describe.each([
  ['real Redis', real],
  ['in-memory Redis', mock],
])('%s', (_name, redis) => {
  it('counts distinct references (with their province, in any case) up to the limit; one already counted passes again', async () => {
    const metrics = createMetrics({ defaults: false });
    const limiter = createLookupLimiter(redis, { prefix, perDay: 3, metrics });
    const phone = newPhone();
    expect(await limiter.take(phone, '83262', 'KIN', 'ussd')).toBe(true);
    expect(await limiter.take(phone, 'ab-12', 'KIN', 'sms')).toBe(true);
    expect(await limiter.take(phone, 'AB-12', 'KIN', 'ussd')).toBe(true);
    expect(await limiter.take(phone, '83262', 'NK', 'ussd')).toBe(true);
    expect(await limiter.take(phone, '41007', 'NK', 'ussd')).toBe(false);
    expect(await limiter.take(phone, '41008', 'NK', 'sms')).toBe(false);
    expect(await limiter.take(phone, '83262', 'KIN', 'sms')).toBe(true);
    // Another phone has its own count.
    expect(await limiter.take(newPhone(), '41007', 'NK', 'ussd')).toBe(true);
    expect(await metricValue(metrics.registry, 'reference_lookups_total{channel="ussd",outcome="limited"}')).toBe(1);
    expect(await metricValue(metrics.registry, 'reference_lookups_total{channel="sms",outcome="limited"}')).toBe(1);
  });

  it('a new day in Kinshasa (midnight UTC+1) starts a new count; a day set goes by itself', async () => {
    let now = new Date('2026-12-01T22:59:00Z');
    const limiter = createLookupLimiter(redis, { prefix, perDay: 1, now: () => now });
    const phone = newPhone();
    expect(await limiter.take(phone, '83262', 'KIN', 'ussd')).toBe(true);
    expect(await limiter.take(phone, '41007', 'NK', 'ussd')).toBe(false);
    now = new Date('2026-12-01T23:00:00Z');
    expect(await limiter.take(phone, '41007', 'NK', 'ussd')).toBe(true);
    const ttl = await redis.ttl(`${phoneKeys(prefix, phone).lookups}:2026-12-02`);
    expect(ttl).toBeGreaterThan(86_400);
    expect(ttl).toBeLessThanOrEqual(2 * 86_400);
  });
});

test('the day is the calendar day in Kinshasa', () => {
  expect(lookupDay(new Date('2026-12-01T22:59:59Z'))).toBe('2026-12-01');
  expect(lookupDay(new Date('2026-12-01T23:00:00Z'))).toBe('2026-12-02');
  // Asked again out of order (the day is kept between calls): each date still gets its own day.
  expect(lookupDay(new Date('2026-12-01T22:59:59.999Z'))).toBe('2026-12-01');
  expect(lookupDay(new Date('2027-01-01T00:00:00Z'))).toBe('2027-01-01');
  expect(lookupDay(new Date('2026-12-02T22:59:59.999Z'))).toBe('2026-12-02');
});
