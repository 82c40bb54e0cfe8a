import { createServer, type Server, type Socket } from 'node:net';
import Redis from 'ioredis';
import { createRedisSettleSignal } from '../../src/payments/settle-signal';
import type { RedisClient } from '../../src/redis';
import { connectTestRedis, deletePrefix, newTestPrefix } from '../support/redis';

/**
 * The confirm hop waits on the settle signal for what is left of its budget. A node that stops
 * answering (a cluster master failing over) must not hold it past that: the wait ends on time and
 * the connection, perhaps still blocked, is dropped.
 */
test('a wait whose Redis never answers ends after its time, and its connection is dropped', async () => {
  const sockets = new Set<Socket>();
  // Accepts connections and never answers a byte: a node that is there and says nothing.
  const silent: Server = createServer((s) => {
    sockets.add(s);
    s.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  const addr = silent.address();
  const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
  const made: Redis[] = [];
  const connect = () => {
    const c = new Redis(port, '127.0.0.1', { maxRetriesPerRequest: null, enableReadyCheck: false, retryStrategy: () => null });
    c.on('error', () => undefined);
    made.push(c);
    return c;
  };
  const signal = createRedisSettleSignal({ redis: connect(), connect, prefix: 'test:silent:' });
  try {
    // Without its own bound this would wait for ever (jest's timeout is the judge).
    await signal.wait('pi-1', 200);
    // The connection that may still be blocked is not handed to the next wait: that one gets a new one.
    await signal.wait('pi-1', 200);
    expect(made).toHaveLength(3);
  } finally {
    await signal.close();
    for (const c of made) c.disconnect();
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => silent.close(() => resolve()));
  }
}, 5000);

test('on the real Redis, a wait ends as soon as the job notifies, and its connection serves the next wait', async () => {
  const prefix = newTestPrefix('signal');
  const conns: RedisClient[] = [];
  const connect = () => {
    const c = connectTestRedis();
    conns.push(c);
    return c;
  };
  const signal = createRedisSettleSignal({ redis: connect(), connect, prefix });
  try {
    const waiting = signal.wait('pi-2', 15_000);
    // The waiting connection is opened at once; the notice arrives while it blocks.
    while (conns.length < 2) await new Promise((r) => setTimeout(r, 10));
    signal.notify('pi-2');
    await waiting;
    // Notified before the wait: it returns at once, on the same connection.
    signal.notify('pi-3');
    await signal.wait('pi-3', 15_000);
    expect(conns).toHaveLength(2);
  } finally {
    await signal.close();
    for (const c of conns) c.disconnect();
    await deletePrefix(prefix);
  }
}, 10_000);
