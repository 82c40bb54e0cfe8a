import Redis from 'ioredis';
import { createOutboxTransport } from '../../src/sms/outbox';
import { realAndMockRedis } from '../support/redis';

/** The outbox on the real Redis (own prefix, own keys deleted) and on ioredis-mock (the embedded default). */
const { prefix, real: redis, mock } = realAndMockRedis('outbox');

const clock = (start = Date.parse('2025-01-29T09:42:58.000Z')) => {
  let t = start;
  return () => new Date((t += 1000));
};

describe.each([
  ['real Redis', redis],
  ['ioredis-mock', mock],
])('on %s', (name, conn) => {
  const p = `${prefix}${name.replace(/\W/g, '')}:`;

  it('keeps each message for its recipient, newest first, with the time it was sent', async () => {
    const outbox = createOutboxTransport(conn, { prefix: `${p}one:`, now: clock() });
    const a = await outbox.send('+243812345990', 'premier');
    const b = await outbox.send('+243812345990', 'second');
    await outbox.send('+243899999999', 'autre');
    expect(a.kind).toBe('sent');
    expect(a.kind === 'sent' && b.kind === 'sent' && a.messageId !== b.messageId).toBe(true);
    expect(outbox.name).toBe('outbox');
    // Each with the id the send answered: the one a delivery report names.
    expect(await outbox.list('+243812345990')).toEqual([
      { id: b.kind === 'sent' ? b.messageId : 'not sent', to: '+243812345990', message: 'second', at: '2025-01-29T09:43:00.000Z' },
      { id: a.kind === 'sent' ? a.messageId : 'not sent', to: '+243812345990', message: 'premier', at: '2025-01-29T09:42:59.000Z' },
    ]);
    expect(await outbox.list('+243800000000')).toEqual([]);
  });

  it('list() without a number gives every recent SMS, newest first, whoever it was for', async () => {
    const outbox = createOutboxTransport(conn, { prefix: `${p}all:`, now: clock() });
    await outbox.send('+243812345990', 'a');
    await outbox.send('+243899999999', 'b');
    await outbox.send('+243812345990', 'c');
    expect((await outbox.list()).map((m) => [m.to, m.message])).toEqual([
      ['+243812345990', 'c'],
      ['+243899999999', 'b'],
      ['+243812345990', 'a'],
    ]);
  });

  it('keeps the last hundred per recipient and the last two hundred in all', async () => {
    const outbox = createOutboxTransport(conn, { prefix: `${p}cap:` });
    for (let n = 0; n < 105; n++) await outbox.send('+243812345990', `m${n}`);
    for (let n = 0; n < 100; n++) await outbox.send('+243899999999', `o${n}`);
    const list = await outbox.list('+243812345990');
    expect(list).toHaveLength(100);
    expect(list[0]?.message).toBe('m104');
    expect(list[99]?.message).toBe('m5');
    const all = await outbox.list();
    expect(all).toHaveLength(200);
    expect(all[0]?.message).toBe('o99');
    expect(all[199]?.message).toBe('m5');
  });
});

it('lists a message kept before ids were recorded, without an id, rather than hide it', async () => {
  const p = `${prefix}legacy:`;
  await redis.lpush(`${p}outbox:+243812345990`, JSON.stringify({ to: '+243812345990', message: 'old', at: '2025-01-29T09:00:00.000Z' }));
  const outbox = createOutboxTransport(redis, { prefix: p });
  expect(await outbox.list('+243812345990')).toEqual([{ to: '+243812345990', message: 'old', at: '2025-01-29T09:00:00.000Z' }]);
});

it('on the real Redis, every list expires: a forgotten outbox does not grow for ever', async () => {
  const outbox = createOutboxTransport(redis, { prefix: `${prefix}ttl:` });
  await outbox.send('+243812345990', 'x');
  for (const key of [`${prefix}ttl:outbox:+243812345990`, `${prefix}ttl:outbox:all`]) {
    const ttl = await redis.ttl(key);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(7 * 86_400);
  }
});

it('a Redis that cannot be reached is a gateway failure to retry, not an exception', async () => {
  const dead = new Redis('redis://127.0.0.1:1', { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, enableOfflineQueue: false });
  const outbox = createOutboxTransport(dead, { prefix });
  const out = await outbox.send('+243812345990', 'x');
  expect(out).toMatchObject({ kind: 'retry', reason: 'gateway' });
  dead.disconnect();
});
