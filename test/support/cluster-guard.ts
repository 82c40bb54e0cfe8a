import Redis from 'ioredis';
import { REDIS_CLUSTER_NODES, REDIS_TARGET } from './redis';

/**
 * A command over keys of different slots is refused by a cluster node with CROSSSLOT. The product
 * may swallow such an error (a best-effort write) and a test may not look at it: the nodes' own
 * error statistics (`INFO errorstats`, Redis 7) count every one, whoever sent it.
 */
export async function crossSlotRefusals(): Promise<number> {
  if (REDIS_CLUSTER_NODES === undefined || !('cluster' in REDIS_TARGET)) {
    throw new Error('the cluster run needs REDIS_TEST_CLUSTER_NODES (start the cluster with .ci/redis-cluster; npm run test:cluster sets it)');
  }
  const [seed] = REDIS_TARGET.cluster;
  if (seed === undefined) throw new Error('REDIS_TEST_CLUSTER_NODES names no node');
  const first = new Redis(seed.port, seed.host, { maxRetriesPerRequest: 1 });
  try {
    const info = await first.cluster('INFO');
    if (!/cluster_state:ok/.test(String(info))) throw new Error(`the Redis Cluster at ${seed.host}:${seed.port} is not ok: start it with .ci/redis-cluster`);
    // `<id> <host:port@bus> …` per node, replicas included (a failover promotes them).
    const lines = String(await first.cluster('NODES')).trim().split('\n');
    let total = 0;
    for (const line of lines) {
      const m = /^\S+ ([^:\s]+):(\d+)@/.exec(line);
      if (m?.[1] === undefined || line.includes('fail')) continue;
      const node = new Redis(Number(m[2]), m[1], { maxRetriesPerRequest: 1 });
      try {
        const stats = await node.info('errorstats');
        total += Number(/errorstat_CROSSSLOT:count=(\d+)/.exec(stats)?.[1] ?? 0);
      } finally {
        node.disconnect();
      }
    }
    return total;
  } finally {
    first.disconnect();
  }
}

/** Where the setup leaves the count for the teardown (jest runs both in its parent process). */
export const BASELINE = Symbol.for('regideso-ussd:crossslot-baseline');
