import { createBullmqRunner, type BullmqRunnerOptions } from './bullmq-runner';
import { createInProcessRunner } from './in-process-runner';
import type { JobRunner } from './runner';

/**
 * The runner a queue gets: BullMQ on a real Redis (jobs outlive the process, any instance takes
 * them), in-process on the embedded in-memory Redis, which BullMQ cannot use (the sweep queues
 * again after a restart whatever was due). BullMQ's worker tuning does not apply in-process.
 */
export function createJobRunner(opts: BullmqRunnerOptions): JobRunner {
  if (!opts.redis.inMemory) return createBullmqRunner(opts);
  return createInProcessRunner({ name: opts.name, handler: opts.handler, logger: opts.logger, ...(opts.retry ? { retry: opts.retry } : {}) });
}
