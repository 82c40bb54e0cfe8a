import type { Logger } from '../logging/logger';
import type { PaymentJob, RunResult } from './job';
import { backoffDelay, type JobRunner, type RetryPolicy } from './runner';

/**
 * The embedded default's runner (ioredis-mock cannot host BullMQ): the same job, the same retries
 * and reconciliation, timers instead of a queue. Not durable: a restart forgets queued attempts
 * (and, on the embedded default, the in-memory intents with them).
 */
export function createInProcessRunner(opts: { job: PaymentJob; logger: Logger; retry: RetryPolicy; lockWaitMs: number }): JobRunner {
  const timers = new Map<string, NodeJS.Timeout>();
  const running = new Map<string, Promise<void>>();
  let closed = false;

  function schedule(intentId: string, attempt: number, delayMs: number, lockWaits = 0): void {
    const timer = setTimeout(() => {
      timers.delete(intentId);
      const run = runAttempt(intentId, attempt, lockWaits).finally(() => running.delete(intentId));
      running.set(intentId, run);
    }, delayMs);
    timers.set(intentId, timer);
  }

  async function runAttempt(intentId: string, attempt: number, lockWaits: number): Promise<void> {
    const isLast = attempt >= opts.retry.attempts;
    let result: RunResult;
    try {
      result = await opts.job.run(intentId, { number: attempt, isLast, lockWaits });
    } catch (err) {
      // An infrastructure fault (Redis, a bug): the same treatment BullMQ gives a thrown error.
      opts.logger.error('payment job attempt failed', { jobId: intentId, attempt, err });
      result = isLast ? 'done' : 'retry';
    }
    if (closed) return;
    if (result === 'retry') schedule(intentId, attempt + 1, backoffDelay(opts.retry, attempt), lockWaits);
    // Waiting for the account's lock uses no attempt: the same attempt again, a short while later.
    else if (result === 'wait') schedule(intentId, attempt, opts.lockWaitMs, lockWaits + 1);
  }

  async function enqueue(intentId: string): Promise<void> {
    if (closed) throw new Error('payment runner is closed');
    if (timers.has(intentId) || running.has(intentId)) return;
    schedule(intentId, 1, 0);
  }

  return {
    enqueue,
    async recover(intentId, stillOpen, recoverOpts) {
      if (timers.has(intentId) || running.has(intentId)) return 'active';
      if (!(await stillOpen())) return 'settled';
      // Checked again: `stillOpen` awaited Redis, and a confirm may have queued it meanwhile.
      if (timers.has(intentId) || running.has(intentId)) return 'active';
      if (!recoverOpts.requeueMissing) return 'missing';
      await enqueue(intentId);
      return 'requeued';
    },
    async start() {},
    async close(closeOpts) {
      closed = true;
      for (const t of timers.values()) clearTimeout(t);
      timers.clear();
      if (closeOpts?.force !== true) await Promise.allSettled([...running.values()]);
    },
  };
}
