import { createBullmqRunner } from '../../src/jobs/bullmq-runner';
import { DONE } from '../../src/jobs/runner';
import { silentLogger } from '../../src/logging/logger';
import { deletePrefix, newTestPrefix, testRedisFactory } from '../support/redis';

/**
 * What the sweep's `ensure` leaves behind, on a real Redis: the sweep asks only about work the
 * ledger says is overdue, so afterwards a job exists and is due now. A job still delayed then lost
 * its wake-up (seen after a Redis Cluster failover: the delayed job survived, BullMQ's marker did
 * not, and the payment waited 300 s); it is made due, not left to wait.
 */
test('ensure: a missing job is queued, a delayed one is made due, a waiting one is left as it is; all run at once', async () => {
  const prefix = newTestPrefix('ensure');
  const handled: string[] = [];
  const runner = createBullmqRunner({
    name: 'ensure',
    redis: testRedisFactory(),
    prefix,
    logger: silentLogger(),
    handler: async (id) => {
      handled.push(id);
      return DONE;
    },
  });
  try {
    // No worker yet: what is queued stays as it is until start().
    await runner.enqueue('late', 10 * 60_000);
    await runner.enqueue('waiting');
    expect(await runner.ensure('late')).toBe('queued');
    expect(await runner.ensure('missing')).toBe('queued');
    expect(await runner.ensure('waiting')).toBe('present');
    await runner.start();
    while (handled.length < 3) await new Promise((r) => setTimeout(r, 50));
    expect([...handled].sort()).toEqual(['late', 'missing', 'waiting']);
  } finally {
    await runner.close({ force: true });
    await deletePrefix(prefix);
  }
});
