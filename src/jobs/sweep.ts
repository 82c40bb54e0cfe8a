import type { Logger } from '../logging/logger';
import type { JobRunner } from './runner';

/**
 * The sweep: the ledger says what is open; every so often each source lists the work whose job
 * should have run by now (its due time is past by more than a grace period) and the sweep makes
 * sure a job exists for each. A job lost with Redis (restarted empty, failed over) or dropped after
 * its attempts is queued again under the same id. It never does the work itself, so several
 * instances sweeping at once are harmless.
 */
export interface SweepSource {
  name: string;
  runner: JobRunner;
  /** Ids of open work due before `before`, oldest first. */
  due(before: Date, limit: number): Promise<string[]>;
}

export interface Sweeper {
  start(): void;
  /** One pass now (after any pass in progress); returns how many jobs were queued per source. */
  sweep(): Promise<Record<string, number>>;
  close(): Promise<void>;
}

const BATCH = 500;
/** Due before this: any work at all (a date PostgreSQL's timestamptz holds). */
const EVERYTHING = new Date('9999-01-01T00:00:00Z');

export function createSweeper(opts: {
  sources: SweepSource[];
  logger: Logger;
  /** Work is looked at once its due time is this far in the past. */
  graceMs: number;
  /**
   * The grace of the first pass, at start. A process whose jobs lived only in its memory (the
   * embedded default) starts with none: 0 queues at once whatever was due before it stopped, and
   * `all` every open piece of work whatever its due time (a job that meant to look again in a
   * minute would otherwise wait for that minute plus the grace and the interval).
   */
  firstGraceMs?: number | 'all';
  intervalMs: number;
  onRecovered?: (source: string, count: number) => void;
}): Sweeper {
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  let current: Promise<Record<string, number>> = Promise.resolve({});
  let busy = false;

  let first = true;
  async function pass(): Promise<Record<string, number>> {
    const out: Record<string, number> = {};
    const grace = first ? (opts.firstGraceMs ?? opts.graceMs) : opts.graceMs;
    first = false;
    for (const s of opts.sources) {
      let queued = 0;
      try {
        const ids = await s.due(grace === 'all' ? EVERYTHING : new Date(Date.now() - grace), BATCH);
        for (const id of ids) {
          if (stopped) break;
          if ((await s.runner.ensure(id)) === 'queued') queued++;
        }
      } catch (err) {
        // PostgreSQL or Redis down: the next pass tries again.
        opts.logger.warn('sweep could not look at its work', { source: s.name, err });
      }
      out[s.name] = queued;
      if (queued > 0) {
        opts.onRecovered?.(s.name, queued);
        opts.logger.warn('sweep queued work whose job was missing or late', { source: s.name, queued });
      }
    }
    return out;
  }

  function sweep(): Promise<Record<string, number>> {
    const next = current.catch(() => ({})).then(async () => {
      busy = true;
      try {
        return await pass();
      } finally {
        busy = false;
      }
    });
    current = next;
    return next;
  }

  return {
    start() {
      if (timer !== undefined || stopped) return;
      void sweep();
      timer = setInterval(() => {
        if (!busy && !stopped) void sweep();
      }, opts.intervalMs);
      // Never what keeps the process alive.
      timer.unref();
    },
    sweep,
    async close() {
      stopped = true;
      if (timer !== undefined) clearInterval(timer);
      await current.catch(() => undefined);
    },
  };
}
