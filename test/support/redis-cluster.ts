import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import Redis from 'ioredis';
import { until } from './wait';

const run = promisify(execFile);

/**
 * A Redis Cluster of a test's (or the failover bench's) own: three masters and three replicas,
 * each a redis-server child process on a spare port, data in a temporary folder. Unlike the CI
 * cluster (.ci/redis-cluster, shared by every test file), a master of this one may be killed.
 */
export interface OwnCluster {
  /** `127.0.0.1:p,…`: REDIS_CLUSTER_NODES for a product. */
  seeds: string;
  ports: number[];
  /** The port of the master serving `key`'s slot now. */
  masterOf(key: string): Promise<number>;
  /** SIGKILL of one node (no shutdown, no last write to disk). */
  kill9(port: number): Promise<void>;
  /** Resolves once the live nodes agree the cluster is ok and `key`'s slot is served by a live master. */
  servedAgain(key: string): Promise<number>;
  stop(): Promise<void>;
}

export interface OwnClusterOptions {
  /** cluster-node-timeout: how long a silent master is waited for before its replica is promoted. */
  nodeTimeoutMs: number;
  /** Production settings (appendonly yes, noeviction) rather than throw-away ones. */
  persistent?: boolean;
}

function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

/** Six ports whose cluster bus ports (+10000) are free too, both below Linux's ephemeral range (32768+). */
async function sixPorts(): Promise<number[]> {
  const out: number[] = [];
  for (let tries = 0; out.length < 6; tries++) {
    if (tries > 500) throw new Error('no free ports for a Redis Cluster');
    const port = 20_000 + Math.floor(Math.random() * 2_700);
    if (out.includes(port)) continue;
    if ((await listening(port)) && (await listening(port + 10_000))) out.push(port);
  }
  return out;
}


async function ask<T>(port: number, f: (c: Redis) => Promise<T>): Promise<T> {
  const c = new Redis(port, '127.0.0.1', { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 1000 });
  try {
    await c.connect();
    return await f(c);
  } finally {
    c.disconnect();
  }
}

interface NodeLine {
  port: number;
  master: boolean;
  failed: boolean;
  slots: Array<[number, number]>;
}

function parseNodes(text: string): NodeLine[] {
  return text
    .trim()
    .split('\n')
    .map((line) => {
      const [, addr = '', flags = '', , , , , , ...slots] = line.split(' ');
      return {
        port: Number(/:(\d+)@/.exec(addr)?.[1]),
        master: flags.includes('master'),
        failed: flags.includes('fail'),
        slots: slots.filter((s) => /^\d+(-\d+)?$/.test(s)).map((s): [number, number] => {
          const [lo = 0, hi = lo] = s.split('-').map(Number);
          return [lo, hi];
        }),
      };
    });
}

export async function startOwnCluster(opts: OwnClusterOptions): Promise<OwnCluster> {
  const ports = await sixPorts();
  const dir = mkdtempSync(path.join(tmpdir(), 'rgd-cluster-'));
  const children = new Map<number, ChildProcess>();
  const exited = new Map<number, Promise<void>>();

  for (const port of ports) {
    const nodeDir = path.join(dir, String(port));
    mkdirSync(nodeDir);
    const persistence = opts.persistent === true ? ['--appendonly', 'yes', '--maxmemory-policy', 'noeviction'] : ['--appendonly', 'no'];
    const child = spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf', '--cluster-node-timeout', String(opts.nodeTimeoutMs), '--dir', nodeDir, '--logfile', path.join(nodeDir, 'redis.log'), '--save', '', ...persistence],
      { stdio: 'ignore' },
    );
    children.set(port, child);
    exited.set(port, new Promise((resolve) => child.once('exit', () => resolve())));
  }
  // Should the caller exit without stop() (an exception, Ctrl-C in the bench), no server outlives it.
  const killAll = () => {
    for (const child of children.values()) child.kill('SIGKILL');
  };
  process.once('exit', killAll);
  const stop = async () => {
    for (const [port, child] of children) {
      child.kill('SIGKILL');
      await exited.get(port);
    }
    children.clear();
    process.off('exit', killAll);
    rmSync(dir, { recursive: true, force: true });
  };

  try {
    for (const port of ports) await until(async () => ((await ask(port, (c) => c.ping())) === 'PONG' ? true : undefined), { what: `redis-server on ${port}`, deadlineMs: 10_000, everyMs: 100, retryOnError: true });
    await run('redis-cli', ['--cluster', 'create', ...ports.map((p) => `127.0.0.1:${p}`), '--cluster-replicas', '1', '--cluster-yes']);
    // Every node says ok, and all three replicas are attached (create assigns them a moment later).
    await until(
      async () => {
        for (const port of ports) if (!/cluster_state:ok/.test(String(await ask(port, (c) => c.cluster('INFO'))))) return undefined;
        const nodes = parseNodes(String(await ask(ports[0] ?? 0, (c) => c.cluster('NODES'))));
        return nodes.filter((n) => !n.master).length === 3 ? true : undefined;
      },
      { what: 'the cluster to form', deadlineMs: 30_000, everyMs: 100, retryOnError: true },
    );
    // A replica that has not finished its first sync is never promoted (it has no data to serve):
    // wait for every replica's link to its master (diskless sync starts after a 5 s delay).
    await until(
      async () => {
        const replicas = parseNodes(String(await ask(ports[0] ?? 0, (c) => c.cluster('NODES')))).filter((n) => !n.master);
        for (const r of replicas) if (!/master_link_status:up/.test(await ask(r.port, (c) => c.info('replication')))) return undefined;
        return true;
      },
      { what: 'every replica in sync', deadlineMs: 30_000, everyMs: 100, retryOnError: true },
    );
  } catch (err) {
    await stop();
    throw err;
  }

  const live = () => ports.filter((p) => children.has(p));
  const ownerOf = async (slot: number): Promise<number | undefined> => {
    for (const port of live()) {
      const nodes = parseNodes(String(await ask(port, (c) => c.cluster('NODES')).catch(() => '')));
      const owner = nodes.find((n) => n.master && !n.failed && n.slots.some(([lo, hi]) => slot >= lo && slot <= hi));
      if (owner !== undefined) return owner.port;
    }
    return undefined;
  };
  const slotOf = async (key: string) => Number(await ask(live()[0] ?? 0, (c) => c.cluster('KEYSLOT', key)));

  return {
    seeds: ports.map((p) => `127.0.0.1:${p}`).join(','),
    ports,
    async masterOf(key) {
      const port = await ownerOf(await slotOf(key));
      if (port === undefined) throw new Error(`no master serves ${key}`);
      return port;
    },
    async kill9(port) {
      const child = children.get(port);
      if (child === undefined) return;
      child.kill('SIGKILL');
      await exited.get(port);
      children.delete(port);
    },
    async servedAgain(key) {
      const slot = await slotOf(key);
      return until(
        async () => {
          for (const port of live()) if (!/cluster_state:ok/.test(String(await ask(port, (c) => c.cluster('INFO'))))) return undefined;
          const owner = await ownerOf(slot);
          return owner !== undefined && children.has(owner) ? owner : undefined;
        },
        { what: `slot ${slot} served by a live master`, deadlineMs: 120_000, everyMs: 100, retryOnError: true },
      );
    },
    stop,
  };
}
