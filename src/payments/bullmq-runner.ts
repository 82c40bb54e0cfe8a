import { DelayedError, Queue, Worker, type Job } from 'bullmq';
import type Redis from 'ioredis';
import { z } from 'zod';
import type { Logger } from '../logging/logger';
import type { RedisFactory } from '../redis';
import { closeConnection } from './connections';
import type { PaymentJob } from './job';
import type { JobRunner, RecoveryResult, RetryPolicy } from './runner';

/**
 * The durable runner: one BullMQ job per intent, its id the intent's id, so a replayed confirm
 * cannot queue a second one while the first is kept. The queue prefix is hash-tagged so every key
 * of the queue lands in one Redis Cluster slot. The producer connection fails fast (a USSD hop must
 * not wait for a dead Redis); the worker's connection waits for Redis to come back.
 */
export interface BullmqRunnerOptions {
  redis: RedisFactory;
  prefix: string;
  job: PaymentJob;
  logger: Logger;
  retry: RetryPolicy;
  concurrency?: number;
  /** How long a worker's lock on a job lasts without renewal: a dead worker's job is picked up after it. */
  lockDurationMs?: number;
  stalledIntervalMs?: number;
  /** How many times a job may stall (its worker died) before BullMQ fails it for good; BullMQ's default 1. */
  maxStalledCount?: number;
  /** The fixed delay before a job whose account is busy runs again (no attempt used). */
  lockWaitMs: number;
}

const QUEUE = 'payments';
/** `lockWaits`: how many times the job waited for its account's lock, kept in the job so waits are bounded across workers. */
const jobDataSchema = z.object({ intentId: z.string().min(1), lockWaits: z.number().int().nonnegative().optional() });

export function createBullmqRunner(opts: BullmqRunnerOptions): JobRunner {
  const prefix = `{${opts.prefix}q}`;
  const producer = opts.redis.connect('payments-producer', { failFast: true });
  const queue = new Queue(QUEUE, { connection: producer, prefix });
  queue.on('error', (err) => opts.logger.error('payment queue error', { err }));
  let worker: Worker | undefined;
  let workerConnection: Redis | undefined;
  let closing: Promise<void> | undefined;

  async function process(job: Job, token?: string): Promise<void> {
    const { intentId, lockWaits = 0 } = jobDataSchema.parse(job.data);
    const attempts = job.opts.attempts ?? 1;
    const number = job.attemptsMade + 1;
    const result = await opts.job.run(intentId, { number, isLast: number >= attempts, lockWaits });
    // BullMQ retries a job whose processor throws, with the backoff given at enqueue time.
    if (result === 'retry') throw new Error(`payment ${intentId}: attempt ${number} to be retried`);
    if (result === 'wait') {
      // Delayed without using an attempt (BullMQ's own pattern for a manual delay).
      await job.updateData({ intentId, lockWaits: lockWaits + 1 });
      await job.moveToDelayed(Date.now() + opts.lockWaitMs, token);
      throw new DelayedError();
    }
  }

  async function enqueue(intentId: string): Promise<void> {
    await queue.add(
      'pay',
      { intentId },
      {
        jobId: intentId,
        attempts: opts.retry.attempts,
        backoff: { type: 'exponential', delay: opts.retry.backoffMs, jitter: opts.retry.jitter },
        // Kept a while so the job id still deduplicates a late replayed confirm.
        removeOnComplete: { age: 7 * 86_400 },
        removeOnFail: { age: 30 * 86_400 },
      },
    );
  }

  async function recover(intentId: string, stillOpen: () => Promise<boolean>, recoverOpts: { requeueMissing: boolean }): Promise<RecoveryResult> {
    const job = await queue.getJob(intentId);
    if (job === undefined) {
      if (!(await stillOpen())) return 'settled';
      if (!recoverOpts.requeueMissing) return 'missing';
      // The same id as ever: should a confirm or another sweep add it at the same moment, BullMQ keeps one.
      await enqueue(intentId);
      return 'requeued';
    }
    const state = await job.getState();
    if (state === 'failed' || state === 'completed') {
      if (!(await stillOpen())) return 'settled';
      // A job that used up its attempts by throwing (Redis failing under it) or stalled too often.
      // Its attempts start again; the job itself reconciles a `submitted` intent before paying.
      try {
        // Its waits for the account's lock start again too.
        await job.updateData({ intentId });
        await job.retry(state, { resetAttemptsMade: true, resetAttemptsStarted: true });
      } catch (err) {
        // Another sweep retried it first: BullMQ refuses a job no longer in that state.
        if ((await job.getState()) !== state) return 'active';
        throw err;
      }
      return 'retried';
    }
    if (state === 'unknown') {
      // A job hash in no list (a partial write): replaced by a fresh job under the same id.
      if (!(await stillOpen())) return 'settled';
      await job.remove();
      await enqueue(intentId);
      return 'requeued';
    }
    return 'active';
  }

  return {
    enqueue,
    recover,
    async start() {
      if (worker !== undefined) return;
      workerConnection = opts.redis.connect('payments-worker');
      worker = new Worker(QUEUE, process, {
        connection: workerConnection,
        prefix,
        concurrency: opts.concurrency ?? 8,
        ...(opts.lockDurationMs !== undefined ? { lockDuration: opts.lockDurationMs } : {}),
        ...(opts.stalledIntervalMs !== undefined ? { stalledInterval: opts.stalledIntervalMs } : {}),
        ...(opts.maxStalledCount !== undefined ? { maxStalledCount: opts.maxStalledCount } : {}),
      });
      worker.on('error', (err) => opts.logger.error('payment worker error', { err }));
      worker.on('failed', (job, err) => {
        if (job !== undefined) opts.logger.info('payment job attempt ended', { jobId: job.id, attemptsMade: job.attemptsMade, reason: err.message });
      });
    },
    close(closeOpts) {
      closing ??= (async () => {
        await worker?.close(closeOpts?.force === true);
        await queue.close();
        await Promise.all([workerConnection, producer].map((c) => (c === undefined ? undefined : closeConnection(c))));
      })();
      return closing;
    },
  };
}
