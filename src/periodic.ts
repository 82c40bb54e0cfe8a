/**
 * Work done in the background on an interval (a health check, gauges read from the ledger): the
 * first run awaited by `start`, so what reads the result already has one; a run slower than the
 * interval is never doubled by the next tick.
 */
export interface Periodic {
  start(): Promise<void>;
  /** Runs now, or joins the run in progress. */
  run(): Promise<void>;
  stop(): void;
}

export function createPeriodic(work: () => Promise<void>, intervalMs: number): Periodic {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  const run = () => {
    running ??= work().finally(() => (running = undefined));
    return running;
  };
  return {
    async start() {
      await run();
      timer ??= setInterval(() => void run(), intervalMs);
      timer.unref();
    },
    run,
    stop() {
      clearInterval(timer);
    },
  };
}
