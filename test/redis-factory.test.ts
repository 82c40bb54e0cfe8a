import type { Cluster } from 'ioredis';
import { createRedisFactory, isCluster, type RedisClient } from '../src/redis';
import { REDIS_URL, newTestPrefix } from './support/redis';

/**
 * The hop's connection is auto-pipelined on a single Redis (the commands of one tick leave in one
 * write: bench/README.md round 5) and not on a cluster, where it held hops longer in a failover.
 * Nothing else would notice either setting being lost: only the bench would, later.
 */
const open: RedisClient[] = [];
afterAll(async () => {
  for (const c of open) c.disconnect();
});

test('a single Redis: commands issued in one tick wait in one pipeline, and every one is answered', async () => {
  const conn = createRedisFactory(REDIS_URL).connect('factory-test', { failFast: true, autoPipeline: true });
  open.push(conn);
  await conn.ping();
  const prefix = newTestPrefix('factory');
  const replies = [conn.get(`${prefix}a`), conn.set(`${prefix}b`, '1', 'EX', 10), conn.get(`${prefix}b`)];
  expect(conn.autoPipelineQueueSize).toBe(3);
  await expect(Promise.all(replies)).resolves.toEqual([null, 'OK', '1']);
  await conn.del(`${prefix}b`);
});

test('without the option, each command leaves on its own', async () => {
  const conn = createRedisFactory(REDIS_URL).connect('factory-test', { failFast: true });
  open.push(conn);
  await conn.ping();
  const reply = conn.get(`${newTestPrefix('factory')}a`);
  expect(conn.autoPipelineQueueSize).toBe(0);
  await expect(reply).resolves.toBeNull();
});

test('a cluster connection is never auto-pipelined, even when asked', () => {
  // No node listens on port 1: only the options are read, and the connection is dropped at once.
  const conn = createRedisFactory({ cluster: [{ host: '127.0.0.1', port: 1 }] }, () => undefined).connect('factory-test', { failFast: true, autoPipeline: true });
  const options = (conn as Cluster).options;
  conn.disconnect();
  expect(isCluster(conn)).toBe(true);
  expect(options.enableAutoPipelining).toBe(false);
});
