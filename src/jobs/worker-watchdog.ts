/**
 * A BullMQ worker whose blocking connection never comes back takes no job again, while
 * `isRunning()` stays true and no error is emitted. Seen on Redis Cluster after a master failover
 * (bench/failover.ts: in about one run in five where the queues' master was killed): the worker's
 * duplicate Cluster client parks in status `close` with no node, and BullMQ waits for a `ready`
 * that never comes
 * (the family of bullmq#4138; the maintainers' advice is to replace such a worker). Seen from
 * outside, such a worker is one with jobs ready in its queue, none started and none running here,
 * at two looks in a row: a worker that is alive takes a ready job within milliseconds.
 */
export interface WorkerSample {
  /** Jobs ready to run now in the queue (waiting or prioritized), whoever may take them. */
  ready: number;
  /** Jobs this worker has started since it was created (a counter). */
  started: number;
  /** Jobs this worker is running now. */
  running: number;
}

/** Stuck: jobs were ready at both looks and still are, and this worker started none between them and runs none. */
export function looksStuck(before: WorkerSample | undefined, now: WorkerSample): boolean {
  return before !== undefined && before.ready > 0 && now.ready > 0 && now.started === before.started && now.running === 0;
}

export interface WorkerWatchdog {
  stop(): void;
}

/**
 * Every `intervalMs`, takes a sample (undefined when it cannot be taken: Redis down, which is not
 * the worker's fault) and calls `onStuck` when the worker looks stuck; looks start over after it.
 */
export function startWorkerWatchdog(opts: {
  intervalMs: number;
  sample: () => Promise<WorkerSample | undefined>;
  onStuck: (sample: WorkerSample) => Promise<void>;
}): WorkerWatchdog {
  let before: WorkerSample | undefined;
  let busy = false;
  const timer = setInterval(() => {
    if (busy) return;
    busy = true;
    void (async () => {
      try {
        const now = await opts.sample().catch(() => undefined);
        if (now === undefined) {
          before = undefined;
          return;
        }
        if (looksStuck(before, now)) {
          before = undefined;
          await opts.onStuck(now);
          return;
        }
        before = now;
      } finally {
        busy = false;
      }
    })();
  }, opts.intervalMs);
  // Never what keeps the process alive.
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
