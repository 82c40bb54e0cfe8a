import { PassThrough } from 'node:stream';
import Redis from 'ioredis';
import { createBullmqRunner } from '../../src/jobs/bullmq-runner';
import { DONE } from '../../src/jobs/runner';
import { createLogger } from '../../src/logging/logger';
import type { RedisFactory } from '../../src/redis';
import { freePort } from '../support/processes';
import { deletePrefix, newTestPrefix, testRedisFactory } from '../support/redis';

/**
 * The worker's blocking connection (the duplicate BullMQ makes of the worker's connection) never
 * comes back, as after some Redis Cluster failovers: BullMQ waits on it for ever and takes no job,
 * without an error. The runner's watchdog sees jobs ready and none taken, replaces the worker,
 * and the job runs. Here the first worker's duplicate points at a port nobody listens on.
 */
test('a worker whose blocking connection never comes back is replaced, and the job waiting for it runs', async () => {
  const prefix = newTestPrefix('watchdog');
  const deadPort = await freePort();
  const real = testRedisFactory();
  const dead: Redis[] = [];
  // BullMQ may try to connect the dead client again after the test disconnects it: not once over.
  let over = false;
  let workers = 0;
  const factory: RedisFactory = {
    ...real,
    connect(role, opts) {
      const conn = real.connect(role, opts);
      if (role.endsWith('-worker') && workers++ === 0) {
        (conn as unknown as { duplicate: () => Redis }).duplicate = () => {
          const d = new Redis(deadPort, '127.0.0.1', { maxRetriesPerRequest: null, retryStrategy: () => (over ? null : 200) });
          d.on('error', () => undefined);
          dead.push(d);
          return d;
        };
      }
      return conn;
    },
  };
  const stream = new PassThrough();
  let logged = '';
  stream.on('data', (b: Buffer) => (logged += b.toString()));
  const handled: string[] = [];
  const runner = createBullmqRunner({
    name: 'watchdog',
    redis: factory,
    prefix,
    logger: createLogger({ level: 'warn', json: true, secrets: [], stream }),
    handler: async (id) => {
      handled.push(id);
      return DONE;
    },
    watchdogMs: 200,
  });
  try {
    await runner.start();
    // The first job is fetched without the blocking connection; once the queue is drained the
    // worker blocks on it for the next one, and never gets it.
    await runner.enqueue('job-1');
    while (!handled.includes('job-1')) await new Promise((r) => setTimeout(r, 50));
    await new Promise((r) => setTimeout(r, 300));
    await runner.enqueue('job-2');
    while (!handled.includes('job-2')) await new Promise((r) => setTimeout(r, 50));
    expect(handled).toEqual(['job-1', 'job-2']);
    expect(workers).toBe(2);
    expect(logged).toContain('watchdog worker took no job while jobs were ready: replaced by a new one');
  } finally {
    await runner.close({ force: true });
    over = true;
    for (const d of dead) d.disconnect();
    await deletePrefix(prefix);
  }
});
