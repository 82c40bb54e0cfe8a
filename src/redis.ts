import Redis, { Cluster, type ClusterOptions, type RedisOptions } from 'ioredis';
import RedisMock from 'ioredis-mock';

/**
 * One Redis connection factory. Without a target the embedded default uses ioredis-mock, an
 * in-memory Redis with ioredis' API, so every store is written once against Redis instead of
 * twice (Redis + a hand-made memory twin). BullMQ does not run on it: payments switch to their
 * in-process runner there.
 *
 * With cluster seeds every connection is an ioredis `Cluster`: the same commands, routed by key
 * slot. Every multi-key command, transaction and script of the product keeps its keys under one
 * hash tag (`{…}`), so each runs on one node; a command that spans slots fails there with
 * CROSSSLOT, which the cluster test run (REDIS_TEST_CLUSTER_NODES) is there to catch.
 */
export type RedisClient = Redis | Cluster;

export interface HostPort {
  host: string;
  port: number;
}

/** A single Redis by URL, or the seed nodes of a Redis Cluster (the client learns the rest from them). */
export type RedisTarget = { url: string } | { cluster: readonly HostPort[] };

export interface RedisFactory {
  /**
   * A new connection; `role` only names it in logs and errors. `batchWrites`: the commands issued
   * in one turn of the event loop leave in one write, for a connection that many concurrent
   * requests share (see `batchWrites` below). A single Redis only: on a cluster, during a failover,
   * the hops that waited for the new master waited longer when batched by ioredis' auto-pipelining
   * (`npm run bench:failover`: slowest hop 2.2–2.8 s in three runs, 1.4–1.5 s in four without); a
   * cluster connection is many sockets, and corking them was not tried.
   */
  connect(role: string, opts?: { failFast?: boolean; batchWrites?: boolean }): RedisClient;
  inMemory: boolean;
}

export function isCluster(conn: RedisClient): conn is Cluster {
  return conn instanceof Cluster;
}

/**
 * A producer (the USSD hop) must fail fast when Redis is down rather than queue commands past the
 * gateway's deadline; workers wait for Redis to come back (BullMQ requires
 * `maxRetriesPerRequest: null` on the connections its workers block on).
 */
function nodeOptions(role: string, failFast: boolean): RedisOptions {
  return {
    connectionName: `regideso-ussd:${role}`,
    maxRetriesPerRequest: failFast ? 1 : null,
    ...(failFast ? { commandTimeout: 1500 } : {}),
  };
}

/**
 * On a cluster a command whose node went away is sent again once the slot map is refreshed
 * (`retryDelayOnFailover`, up to `maxRedirections` times): a failing-over master's keys answer again
 * once its replica is promoted. The hop's connection gives up after about two seconds of that, so
 * the hop still answers its sentence within the gateway's budget; workers keep trying longer.
 */
function clusterOptions(role: string, failFast: boolean): ClusterOptions {
  return {
    redisOptions: nodeOptions(role, failFast),
    retryDelayOnFailover: 200,
    retryDelayOnClusterDown: 200,
    retryDelayOnTryAgain: 200,
    maxRedirections: failFast ? 10 : 50,
    // A failover changes the slot map: read it again every few seconds besides the MOVED it causes.
    slotsRefreshInterval: 5000,
    slotsRefreshTimeout: 2000,
  };
}

/**
 * `target`: a URL string (as REDIS_URL), `{ url }`, `{ cluster: seeds }`, or undefined for the
 * in-memory default. `onError` receives every connection's errors: without a listener ioredis
 * prints them to stderr, past the logger (and its masking).
 */
export function createRedisFactory(target: RedisTarget | string | undefined, onError?: (role: string, err: Error) => void): RedisFactory {
  if (target === undefined) {
    // Every mock instance shares one in-memory data set, as connections to one server would.
    return { inMemory: true, connect: () => new RedisMock() as unknown as Redis };
  }
  const t: RedisTarget = typeof target === 'string' ? { url: target } : target;
  return {
    inMemory: false,
    connect: (role, opts) => {
      const failFast = opts?.failFast === true;
      const conn: RedisClient = 'cluster' in t ? new Cluster(t.cluster.map((n) => ({ host: n.host, port: n.port })), clusterOptions(role, failFast)) : new Redis(t.url, nodeOptions(role, failFast));
      if (opts?.batchWrites === true && !isCluster(conn)) batchWrites(conn);
      conn.on('error', (err: Error) => onError?.(role, err));
      return conn;
    },
  };
}

/**
 * The commands issued in one turn of the event loop leave in one write: the socket is corked at
 * the first and uncorked once the turn's I/O callbacks have run (setImmediate), so Redis reads the
 * scripts of every hop that resumed in that turn at once. ioredis' auto-pipelining batches the same
 * way but builds a Pipeline per turn and a promise and closures per command: with it the product
 * spent 315 µs of CPU a hop, with this 269 (four alternated bench runs each, bench/README.md round 6).
 */
function batchWrites(conn: Redis): void {
  const send = conn.sendCommand.bind(conn);
  let corked: Redis['stream'] | undefined;
  const flush = () => {
    const s = corked;
    corked = undefined;
    s?.uncork();
  };
  conn.sendCommand = (command, stream) => {
    if (corked === undefined && stream === undefined && conn.status === 'ready' && conn.stream.writable) {
      corked = conn.stream;
      corked.cork();
      setImmediate(flush);
    }
    return send(command, stream);
  };
}
