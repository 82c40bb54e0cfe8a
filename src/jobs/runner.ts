/**
 * Durable work, one job per id (a payment intent, an SMS): BullMQ on a real Redis, timers in the
 * process on the embedded default. The ledger in PostgreSQL says what is to be done; a runner only
 * makes sure somebody does it, so a job lost with Redis is found again by a sweep of the ledger
 * (src/jobs/sweep.ts) and queued anew under the same id.
 */
export type RunResult = { kind: 'done' } | { kind: 'later'; delayMs: number };
export const DONE: RunResult = { kind: 'done' };
export const later = (delayMs: number): RunResult => ({ kind: 'later', delayMs: Math.max(0, Math.round(delayMs)) });

/** Runs one step of the work for `id`; throws on an infrastructure fault (retried with backoff). */
export type JobHandler = (id: string) => Promise<RunResult>;

export interface JobRunner {
  /** Runs the job for `id` after `delayMs` (default now). A job already waiting, delayed or running for it is left as it is. Throws when the queue is unreachable. */
  enqueue(id: string, delayMs?: number): Promise<void>;
  /**
   * For the sweep, about work the ledger says is overdue: a job for `id` exists afterwards; one
   * that ended (failed for good) is replaced, one still delayed well past its own time is woken.
   */
  ensure(id: string): Promise<'queued' | 'present'>;
  /** News for `id` (a wallet callback): a delayed job runs now, a missing one is queued. */
  nudge(id: string): Promise<void>;
  start(): Promise<void>;
  /** `force`: do not wait for running jobs (shutdown timed out); a durable job is picked up again later. */
  close(opts?: { force?: boolean }): Promise<void>;
}

export interface RetryPolicy {
  /** Attempts in all after an infrastructure fault, the first included. */
  attempts: number;
  /** First delay; doubled at each attempt, minus up to `jitter` of it at random. */
  backoffMs: number;
  jitter: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 12, backoffMs: 1000, jitter: 0.5 };

/** The curve of BullMQ's `exponential` backoff with jitter, for the in-process runner. */
export function backoffDelay(policy: RetryPolicy, attemptsMade: number, random: () => number = Math.random): number {
  const full = policy.backoffMs * 2 ** Math.max(attemptsMade - 1, 0);
  return Math.round(full * (1 - policy.jitter * random()));
}
