export type RecoveryResult = 'requeued' | 'retried' | 'active' | 'settled' | 'missing';

/** Runs the payment job for an intent: BullMQ on a real Redis, in-process on the embedded default. */
export interface JobRunner {
  /** Idempotent: an intent already queued or running is not queued twice. Throws when it cannot queue. */
  enqueue(intentId: string): Promise<void>;
  /**
   * For the recovery sweep, on an open intent nobody has written for a while: makes sure a job
   * will run it. `requeued`: no job existed (or this process had none), one is queued;
   * `retried`: its job had ended (failed for good, or completed), it is run again; `active`: a
   * job is waiting, delayed or running, left alone. `stillOpen` is asked again right before
   * acting, since the job may have settled the intent after the sweep read it. With
   * `requeueMissing: false`, an intent without any job is left as it is and answered `missing`.
   */
  recover(intentId: string, stillOpen: () => Promise<boolean>, opts: { requeueMissing: boolean }): Promise<RecoveryResult>;
  start(): Promise<void>;
  /** `force`: stop without waiting for running attempts (shutdown timed out); a durable job is picked up again later. */
  close(opts?: { force?: boolean }): Promise<void>;
}

export interface RetryPolicy {
  /** Attempts in all, the first included. */
  attempts: number;
  /** First delay; doubled at each attempt, minus up to `jitter` of it at random. */
  backoffMs: number;
  jitter: number;
}

/** The same curve as BullMQ's `exponential` backoff with jitter, for the in-process runner. */
export function backoffDelay(policy: RetryPolicy, attemptsMade: number, random: () => number = Math.random): number {
  const full = policy.backoffMs * 2 ** Math.max(attemptsMade - 1, 0);
  return Math.round(full * (1 - policy.jitter * random()));
}
