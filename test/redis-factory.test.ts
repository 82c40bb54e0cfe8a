import type { Cluster, Redis } from 'ioredis';
import { createRedisFactory, isCluster, type RedisClient } from '../src/redis';
import { REDIS_URL, newTestPrefix } from './support/redis';

/**
 * The hop's connection batches its writes on a single Redis (the commands of one turn of the event
 * loop leave in one write: bench/README.md rounds 5 and 6) and not on a cluster, where batching
 * held hops longer in a failover. Nothing else would notice either setting being lost: only the
 * bench would, later.
 */
const open: RedisClient[] = [];
afterAll(async () => {
  for (const c of open) c.disconnect();
});

const corked = (conn: RedisClient) => (conn as Redis).stream.writableCorked;

test('a single Redis: commands issued in one turn wait in one corked write, and every one is answered', async () => {
  const conn = createRedisFactory(REDIS_URL).connect('factory-test', { failFast: true, batchWrites: true });
  open.push(conn);
  await conn.ping();
  const prefix = newTestPrefix('factory');
  const replies = [conn.get(`${prefix}a`), conn.set(`${prefix}b`, '1', 'EX', 10), conn.get(`${prefix}b`)];
  expect(corked(conn)).toBe(1);
  expect((conn as Redis).stream.writableLength).toBeGreaterThan(0);
  await expect(Promise.all(replies)).resolves.toEqual([null, 'OK', '1']);
  expect(corked(conn)).toBe(0);
  await conn.del(`${prefix}b`);
});

test('without the option, each command leaves on its own', async () => {
  const conn = createRedisFactory(REDIS_URL).connect('factory-test', { failFast: true });
  open.push(conn);
  await conn.ping();
  const reply = conn.get(`${newTestPrefix('factory')}a`);
  expect(corked(conn)).toBe(0);
  await expect(reply).resolves.toBeNull();
});

test('a cluster connection is never batched, even when asked', () => {
  // No node listens on port 1: only the connection is read, and it is dropped at once.
  const conn = createRedisFactory({ cluster: [{ host: '127.0.0.1', port: 1 }] }, () => undefined).connect('factory-test', { failFast: true, batchWrites: true });
  conn.disconnect();
  expect(isCluster(conn)).toBe(true);
  expect(Object.hasOwn(conn, 'sendCommand')).toBe(false);
  expect((conn as Cluster).options.enableAutoPipelining).toBe(false);
});
