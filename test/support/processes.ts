import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';
import Redis from 'ioredis';
import { until } from './wait';

/** A port nobody listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as AddressInfo;
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}


/**
 * A Redis of a test's own, on a spare port, that the test may kill -9 and start again empty (no
 * RDB, no AOF): what a crash of an unpersisted Redis looks like to the product.
 */
export interface OwnRedis {
  url: string;
  port: number;
  kill9(): Promise<void>;
  /** Starts it again on the same port, empty. */
  start(): Promise<void>;
  stop(): Promise<void>;
}

export async function startOwnRedis(): Promise<OwnRedis> {
  const port = await freePort();
  let child: ChildProcess | undefined;
  const ping = async () => {
    const c = new Redis(port, '127.0.0.1', { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    try {
      await c.connect();
      return (await c.ping()) === 'PONG';
    } catch {
      return false;
    } finally {
      c.disconnect();
    }
  };
  const start = async () => {
    child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
    await until(ping, { what: `redis-server on ${port}`, deadlineMs: 10_000 });
  };
  const kill9 = async () => {
    const c = child;
    if (c === undefined) return;
    const exited = new Promise((r) => c.once('exit', r));
    c.kill('SIGKILL');
    await exited;
    child = undefined;
  };
  await start();
  // Nothing of a test's own Redis is worth keeping: stopping it is killing it.
  return { url: `redis://127.0.0.1:${port}`, port, kill9, start, stop: kill9 };
}
