import type { Logger } from '../logging/logger';
import { backoffDelay, DEFAULT_RETRY, type JobHandler, type JobRunner, type RetryPolicy } from './runner';

/**
 * The embedded default's runner (ioredis-mock cannot host BullMQ): the same handler, the same
 * retries, timers instead of a queue. Not durable by itself: after a restart the sweep finds the
 * open work in the ledger (PGlite keeps it on disk) and queues it here again.
 */
export function createInProcessRunner(opts: { name: string; handler: JobHandler; logger: Logger; retry?: Partial<RetryPolicy> }): JobRunner {
  const retry: RetryPolicy = { ...DEFAULT_RETRY, ...opts.retry };
  const timers = new Map<string, NodeJS.Timeout>();
  const running = new Map<string, Promise<void>>();
  const failures = new Map<string, number>();
  const rerun = new Set<string>();
  let closed = false;

  function schedule(id: string, delayMs: number): void {
    if (closed) return;
    const old = timers.get(id);
    if (old !== undefined) clearTimeout(old);
    const timer = setTimeout(() => {
      timers.delete(id);
      const run = runOnce(id).finally(() => {
        running.delete(id);
        if (rerun.delete(id) && !timers.has(id)) schedule(id, 0);
      });
      running.set(id, run);
    }, delayMs);
    timers.set(id, timer);
  }

  async function runOnce(id: string): Promise<void> {
    try {
      const r = await opts.handler(id);
      failures.delete(id);
      if (r.kind === 'later') schedule(id, r.delayMs);
    } catch (err) {
      const n = (failures.get(id) ?? 0) + 1;
      failures.set(id, n);
      opts.logger.error(`${opts.name} job attempt failed`, { jobId: id, attempt: n, err });
      // Past its attempts the job is dropped; the sweep finds its work in the ledger again.
      if (n < retry.attempts) schedule(id, backoffDelay(retry, n));
      else failures.delete(id);
    }
  }

  const present = (id: string) => timers.has(id) || running.has(id);

  return {
    async enqueue(id, delayMs = 0) {
      if (closed) throw new Error(`${opts.name} runner is closed`);
      if (!present(id)) schedule(id, delayMs);
    },
    async ensure(id) {
      if (present(id)) return 'present';
      schedule(id, 0);
      return 'queued';
    },
    async nudge(id) {
      if (running.has(id)) rerun.add(id);
      else schedule(id, 0);
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
