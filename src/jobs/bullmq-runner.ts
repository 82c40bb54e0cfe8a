import { hostname } from 'node:os';
import { pid } from 'node:process';
import { DelayedError, Queue, Worker, type Job } from 'bullmq';
import { z } from 'zod';
import type { Logger } from '../logging/logger';
import { throttled } from '../logging/throttle';
import type { RedisClient, RedisFactory } from '../redis';
import { closeConnection } from './connections';
import { DEFAULT_RETRY, type JobHandler, type JobRunner, type RetryPolicy } from './runner';
import { startWorkerWatchdog, type WorkerSample, type WorkerWatchdog } from './worker-watchdog';

/**
 * The durable runner: one BullMQ job per id (the job id is the id), so the same work is never
 * queued twice at once. Every queue lives under one hash-tagged prefix (`{rgd:q}`), so each queue's
 * keys share a Redis Cluster slot. Finished jobs are removed: the ledger keeps the record, and a
 * kept job would stop the sweep from queueing the same id again.
 *
 * A step that must wait (a wallet still asking for the PIN, a settle window) moves its job to the
 * delayed set without using an attempt; an exception (Redis, PostgreSQL) uses one, with backoff.
 */
export interface BullmqRunnerOptions {
  name: string;
  redis: RedisFactory;
  prefix: string;
  handler: JobHandler;
  logger: Logger;
  retry?: Partial<RetryPolicy>;
  concurrency?: number;
  /** A dead worker's job is picked up after this without renewal (BullMQ's lock; its default 30 s). */
  lockDurationMs?: number;
  /** How often running jobs are looked at for a lapsed lock (BullMQ's default 30 s). */
  stalledIntervalMs?: number;
  /**
   * Recorded on each job a worker takes (BullMQ's `processedBy`): with several instances, which one
   * runs a job. Default `<hostname>:<pid>`.
   */
  workerName?: string;
  /** How often the worker is looked at for a stall it cannot leave on its own (worker-watchdog.ts); default 15 s. */
  watchdogMs?: number;
  /**
   * How far past its own time a delayed job may be before `ensure` wakes it; default 10 s. Its time
   * is reckoned from when a worker last took it (or from when it was queued), which is a little
   * early for a job that ran a while before it was delayed: the margin covers that.
   */
  lateMs?: number;
}

const dataSchema = z.object({ id: z.string().min(1) });

const QUEUE_TIMEOUT_MS = 1500;
const CLOSE_TIMEOUT_MS = 10_000;

async function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export function queuePrefix(prefix: string): string {
  return `{${prefix}q}`;
}

export function createBullmqRunner(opts: BullmqRunnerOptions): JobRunner {
  const retry: RetryPolicy = { ...DEFAULT_RETRY, ...opts.retry };
  const lateMs = opts.lateMs ?? 10_000;
  const prefix = queuePrefix(opts.prefix);
  // The producer fails fast: a USSD hop must not wait for a dead Redis.
  const producer = opts.redis.connect(`${opts.name}-producer`, { failFast: true });
  const queue = new Queue(opts.name, {
    connection: producer,
    prefix,
    defaultJobOptions: {
      attempts: retry.attempts,
      backoff: { type: 'exponential', delay: retry.backoffMs, jitter: retry.jitter },
      removeOnComplete: true,
      removeOnFail: true,
    },
  });
  const reportError = throttled(10_000, (source: string, err: Error) => opts.logger.error(`${source} error`, { err }));
  queue.on('error', (err) => reportError(`${opts.name} queue`, err));
  let worker: Worker | undefined;
  let workerConnection: RedisClient | undefined;
  let watchdog: WorkerWatchdog | undefined;
  let closing: Promise<void> | undefined;
  /** Replaced workers still closing: close() waits for them too. */
  const retiring = new Set<Promise<void>>();
  // What the watchdog compares between two looks.
  let started = 0;
  let running = 0;

  async function process(job: Job, token?: string): Promise<void> {
    started++;
    running++;
    try {
      const { id } = dataSchema.parse(job.data);
      const r = await opts.handler(id);
      if (r.kind === 'later') {
        // BullMQ's pattern for a manual delay: no attempt is used.
        await job.moveToDelayed(Date.now() + r.delayMs, token);
        throw new DelayedError();
      }
    } finally {
      running--;
    }
  }

  function startWorker(): void {
    workerConnection = opts.redis.connect(`${opts.name}-worker`);
    const w = new Worker(opts.name, process, {
      connection: workerConnection,
      prefix,
      name: opts.workerName ?? `${hostname()}:${pid}`,
      concurrency: opts.concurrency ?? 8,
      ...(opts.lockDurationMs !== undefined ? { lockDuration: opts.lockDurationMs } : {}),
      ...(opts.stalledIntervalMs !== undefined ? { stalledInterval: opts.stalledIntervalMs } : {}),
    });
    w.on('error', (err) => reportError(`${opts.name} worker`, err));
    w.on('failed', (job, err) => {
      if (job !== undefined && !(err instanceof DelayedError)) {
        opts.logger.warn(`${opts.name} job attempt failed`, { jobId: job.id, attemptsMade: job.attemptsMade, reason: err.message });
      }
    });
    worker = w;
  }

  async function sample(): Promise<WorkerSample | undefined> {
    if (worker === undefined) return undefined;
    const counts = await queue.getJobCounts('wait', 'prioritized');
    return { ready: Object.values(counts).reduce((a, b) => a + b, 0), started, running };
  }

  /** The stuck worker's connections are the broken part: it is closed without waiting on them. */
  async function replaceWorker(seen: WorkerSample): Promise<void> {
    if (closing !== undefined) return;
    opts.logger.warn(`${opts.name} worker took no job while jobs were ready: replaced by a new one`, { ready: seen.ready });
    const old = worker;
    const oldConnection = workerConnection;
    worker = undefined;
    workerConnection = undefined;
    const retired = (async () => {
      await Promise.race([old?.close(true).catch(() => undefined), new Promise((resolve) => setTimeout(resolve, 5000).unref())]);
      oldConnection?.disconnect();
    })();
    retiring.add(retired);
    await retired;
    retiring.delete(retired);
    if (closing === undefined) startWorker();
  }

  // BullMQ waits for its connection to be ready before it sends anything, with no limit of its own:
  // against a dead Redis a USSD hop would wait for ever. Bounded here; a job that was not queued in
  // time is found again by the sweep (if it was queued after all, its id makes it one job).
  const add = (id: string, delayMs = 0) =>
    withTimeout(queue.add(opts.name, { id }, { jobId: id, ...(delayMs > 0 ? { delay: delayMs } : {}) }), QUEUE_TIMEOUT_MS, `${opts.name}: queueing ${id}`);
  const getJob = (id: string) => withTimeout(queue.getJob(id), QUEUE_TIMEOUT_MS, `${opts.name}: reading ${id}`);

  return {
    async enqueue(id, delayMs) {
      await add(id, delayMs);
    },
    async ensure(id) {
      const job = await getJob(id);
      if (job === undefined) {
        await add(id);
        return 'queued';
      }
      const state = await job.getState();
      if (state === 'completed' || state === 'failed' || state === 'unknown') {
        await job.remove().catch(() => undefined);
        await add(id);
        return 'queued';
      }
      // A job still delayed well past its own time has lost its wake-up (a Redis failover can lose
      // BullMQ's marker while the delayed set survives: bench/failover.ts saw a payment wait 300 s
      // so): it runs now. One whose time has not come is left alone, even if the ledger says the
      // work is due (a backoff toward REGIDESO is kept).
      if (state === 'delayed' && Date.now() > (job.processedOn ?? job.timestamp) + job.delay + lateMs) {
        await job.promote().catch(() => undefined);
        return 'queued';
      }
      return 'present';
    },
    async nudge(id) {
      const job = await getJob(id);
      if (job === undefined) {
        await add(id);
        return;
      }
      // Only a delayed job can be promoted; one waiting or running reads the news anyway.
      if ((await job.getState()) === 'delayed') await job.promote().catch(() => undefined);
    },
    async start() {
      if (worker !== undefined || closing !== undefined) return;
      startWorker();
      watchdog = startWorkerWatchdog({ intervalMs: opts.watchdogMs ?? 15_000, sample, onStuck: replaceWorker });
    },
    close(closeOpts) {
      closing ??= (async () => {
        watchdog?.stop();
        await Promise.all(retiring);
        // A worker or queue whose Redis is gone never finishes closing: bounded, then cut.
        await withTimeout(Promise.all([worker?.close(closeOpts?.force === true), queue.close()]), CLOSE_TIMEOUT_MS, `${opts.name}: closing`).catch(() => undefined);
        await Promise.all([workerConnection, producer].map((c) => (c === undefined ? undefined : closeConnection(c))));
      })();
      return closing;
    },
  };
}
