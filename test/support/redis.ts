import { randomBytes } from 'node:crypto';
import Redis, { Cluster } from 'ioredis';
import RedisMock from 'ioredis-mock';
import { loadConfig } from '../../src/config';
import { createRedisFactory, isCluster, type RedisClient, type RedisFactory, type RedisTarget } from '../../src/redis';

/** The Redis every test talks to; CI starts it (.ci/run). */
export const REDIS_URL = process.env.REDIS_TEST_URL ?? 'redis://127.0.0.1:6379';

/**
 * REDIS_TEST_CLUSTER_NODES (`127.0.0.1:7000,…`, the cluster .ci/redis-cluster starts) runs the
 * Redis-touching tests against a Redis Cluster instead: the helpers below hand out Cluster
 * connections, and products composed by the tests get REDIS_CLUSTER_NODES instead of REDIS_URL.
 */
export const REDIS_CLUSTER_NODES: string | undefined = process.env.REDIS_TEST_CLUSTER_NODES?.trim() || undefined;

function clusterSeeds(text: string): Array<{ host: string; port: number }> {
  const r = loadConfig({ REDIS_CLUSTER_NODES: text });
  if (!r.ok || r.config.redisCluster === undefined) throw new Error(`REDIS_TEST_CLUSTER_NODES: ${r.ok ? 'empty' : r.errors.join('; ')}`);
  return r.config.redisCluster;
}

/** What the tests' connections point at. */
export const REDIS_TARGET: RedisTarget = REDIS_CLUSTER_NODES === undefined ? { url: REDIS_URL } : { cluster: clusterSeeds(REDIS_CLUSTER_NODES) };

/** The environment that points a product (composed or spawned) at the tests' Redis. */
export const REDIS_ENV: Readonly<{ REDIS_URL: string } | { REDIS_CLUSTER_NODES: string }> =
  REDIS_CLUSTER_NODES === undefined ? { REDIS_URL } : { REDIS_CLUSTER_NODES };

/** The product's own factory, on the tests' Redis (single or cluster). */
export function testRedisFactory(onError?: (role: string, err: Error) => void): RedisFactory {
  return createRedisFactory(REDIS_TARGET, onError);
}

/** A plain connection to the tests' Redis: a `Cluster` in the cluster run. */
export function connectTestRedis(): RedisClient {
  return 'cluster' in REDIS_TARGET ? new Cluster([...REDIS_TARGET.cluster]) : new Redis(REDIS_TARGET.url);
}

/**
 * For a file that runs its tests on the shared Redis and on ioredis-mock (the embedded default)
 * alike: a prefix of its own, both clients, and after the file the prefix's keys deleted and both
 * closed. Call it at the top of the file.
 */
export function realAndMockRedis(area: string): { prefix: string; real: RedisClient; mock: RedisClient } {
  const prefix = newTestPrefix(area);
  const real = connectTestRedis();
  const mock = new RedisMock() as unknown as RedisClient;
  afterAll(async () => {
    await deleteKeys(real, prefix);
    await real.quit();
    mock.disconnect();
  });
  return { prefix, real, mock };
}

/** A key prefix of a test file's own: the Redis is shared with the other files running beside it. */
export function newTestPrefix(area: string): string {
  return `test:${area}:${randomBytes(5).toString('hex')}:`;
}

/**
 * Deletes this prefix's keys and nothing else (never a flush of the shared Redis), including
 * BullMQ's, which live under the hash-tagged `{prefix…}` form. A cluster is scanned master by
 * master (SCAN walks one node's keys), and keys are deleted one by one: a DEL of several keys
 * in different slots is refused (CROSSSLOT) even when one node holds them all.
 */
export async function deleteKeys(redis: RedisClient, prefix: string): Promise<void> {
  if (!isCluster(redis)) {
    await deleteOnNode(redis, prefix, (keys) => redis.del(...keys));
    return;
  }
  if (redis.status !== 'ready') await new Promise<void>((resolve, reject) => {
    redis.once('ready', () => resolve());
    redis.once('end', () => reject(new Error('cluster connection ended')));
  });
  for (const node of redis.nodes('master')) {
    await deleteOnNode(node, prefix, async (keys) => {
      const pipe = node.pipeline();
      for (const k of keys) pipe.del(k);
      await pipe.exec();
    });
  }
}

async function deleteOnNode(node: Redis, prefix: string, del: (keys: string[]) => Promise<unknown>): Promise<void> {
  for (const pattern of [`${prefix}*`, `{${prefix}*`]) {
    let cursor = '0';
    do {
      const [next, keys] = await node.scan(cursor, 'MATCH', pattern, 'COUNT', 500);
      cursor = next;
      if (keys.length > 0) await del(keys);
    } while (cursor !== '0');
  }
}

/** Deletes the prefix's keys through a connection of its own (the tests' Redis unless given, as a bench's), then closes it. */
export async function deletePrefix(prefix: string, conn: RedisClient = connectTestRedis()): Promise<void> {
  try {
    await deleteKeys(conn, prefix);
  } finally {
    conn.disconnect();
  }
}
