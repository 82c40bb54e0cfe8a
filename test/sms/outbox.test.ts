import { randomUUID } from 'node:crypto';
import Redis from 'ioredis';
import RedisMock from 'ioredis-mock';
import { createOutboxTransport } from '../../src/sms/outbox';

/** The outbox on the real Redis (own prefix, own keys deleted) and on ioredis-mock (the embedded default). */
const prefix = `test:outbox:${randomUUID().slice(0, 8)}:`;
const redis = new Redis('redis://127.0.0.1:6379');
const mock = new RedisMock() as unknown as Redis;

afterAll(async () => {
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length > 0) await redis.del(...keys);
  await redis.quit();
  mock.disconnect();
});

describe.each([
  ['real Redis', redis],
  ['ioredis-mock', mock],
])('on %s', (_name, conn) => {
  it('keeps each message for its recipient, oldest first, with the time it was sent', async () => {
    const times = ['2025-01-29T09:42:58.000Z', '2025-01-29T09:43:10.000Z'];
    let i = 0;
    const outbox = createOutboxTransport(conn, { prefix: `${prefix}${_name}:`, now: () => new Date(times[i++] ?? times[1] ?? '') });
    const a = await outbox.send('+243812345990', 'premier');
    const b = await outbox.send('+243812345990', 'second');
    await outbox.send('+243899999999', 'autre');
    expect(a.kind).toBe('sent');
    expect(a.kind === 'sent' && b.kind === 'sent' && a.messageId !== b.messageId).toBe(true);
    expect(outbox.name).toBe('outbox');
    expect(await outbox.list('+243812345990')).toEqual([
      { to: '+243812345990', message: 'premier', at: '2025-01-29T09:42:58.000Z' },
      { to: '+243812345990', message: 'second', at: '2025-01-29T09:43:10.000Z' },
    ]);
    expect(await outbox.list('+243800000000')).toEqual([]);
  });

  it('keeps the last hundred per recipient', async () => {
    const outbox = createOutboxTransport(conn, { prefix: `${prefix}${_name}:cap:` });
    for (let n = 0; n < 105; n++) await outbox.send('+243812345990', `m${n}`);
    const list = await outbox.list('+243812345990');
    expect(list).toHaveLength(100);
    expect(list[0]?.message).toBe('m5');
    expect(list[99]?.message).toBe('m104');
  });
});

it('a Redis that cannot be reached gives a transient failure, not an exception', async () => {
  const dead = new Redis('redis://127.0.0.1:1', { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, enableOfflineQueue: false });
  const outbox = createOutboxTransport(dead, { prefix });
  expect((await outbox.send('+243812345990', 'x')).kind).toBe('transient_failure');
  dead.disconnect();
});
