import { createBullmqRunner } from '../../src/jobs/bullmq-runner';
import { DONE } from '../../src/jobs/runner';
import { silentLogger } from '../../src/logging/logger';
import { deletePrefix, newTestPrefix, testRedisFactory } from '../support/redis';

/**
 * What the sweep's `ensure` leaves behind, on a real Redis. A job still delayed well past its own
 * time lost its wake-up (seen after a Redis Cluster failover: the delayed job survived, BullMQ's
 * marker did not, and the payment waited 300 s): it is woken. Here no worker runs yet, so nothing
 * wakes a delayed job but `ensure`, as after that failover.
 */
test('ensure: a missing job is queued, one delayed past its time is woken, one not yet due and one waiting are left as they are', async () => {
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
    lateMs: 100,
  });
  try {
    await runner.enqueue('late', 50);
    await runner.enqueue('not-yet', 10 * 60_000);
    await runner.enqueue('waiting');
    await new Promise((r) => setTimeout(r, 400));
    expect(await runner.ensure('late')).toBe('queued');
    expect(await runner.ensure('not-yet')).toBe('present');
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
