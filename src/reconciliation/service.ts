import type { Db } from '../db/types';
import type { Logger } from '../logging/logger';
import type { Intent } from '../payments/intent';
import type { Ledger } from '../payments/ledger';
import { checkPayment, type CheckPorts, type PaymentCheck } from './check';
import { dayBounds, kinshasaDay, kinshasaMinutes, previousDay } from './day';
import { createReconciliationStore, type MismatchRow, type ReconciliationStore, type RunRow, type Totals } from './store';

/**
 * The daily reconciliation: every payment the ledger holds for a Kinshasa day, checked against
 * REGIDESO and pawaPay (check.ts) a few at a time, each mismatch kept with its run and the payment
 * flagged `reconciliation_mismatch`. Runs by itself once a day for the day before (whichever
 * instance claims the day first) and on demand. A run is re-checked from scratch each time, so
 * what a run could not read (`unchecked`) is read again by the next one.
 */
export interface RunReport {
  id: number;
  day: string;
  status: RunRow['status'];
  startedAt: string;
  finishedAt: string | null;
  startedBy: string;
  error: string | null;
  totals: Totals;
  mismatches: MismatchRow[];
}

export interface ReconciliationDeps {
  db: Db;
  ledger: Pick<Ledger, 'list'>;
  /** The payment service's flag (counted and logged there); never over an unresolved flag. */
  flag: (intentId: string, reason: string, detail: string) => Promise<void>;
  ports: CheckPorts;
  logger: Logger;
  /** Payments checked at once: the most calls in flight toward REGIDESO, and toward pawaPay. Default 4. */
  concurrency?: number;
  /** How often a running run says it is alive. Default 10 s. */
  heartbeatMs?: number;
  /** A running run silent for this long is dead (its instance stopped). Default 2 min. */
  staleAfterMs?: number;
  /** The nightly run starts this many minutes after midnight, Kinshasa time. Default 15. */
  scheduleAfterMinutes?: number;
  /** How often each instance looks whether the nightly run is due. Default 60 s. */
  scheduleEveryMs?: number;
  now?: () => Date;
}

export interface ReconciliationService {
  /** Starts a run of `day` for `by` (it goes on in the background), or answers the one already running. */
  start(day: string, by: string): Promise<{ started: boolean; run: RunReport }>;
  /** The latest run of `day`, with its mismatches. */
  latest(day: string): Promise<RunReport | undefined>;
  /** The scheduler's look: claims and starts the nightly run of the day before when due and unclaimed. */
  scheduleTick(): Promise<RunReport | undefined>;
  /** Runs started by this instance, to their end (tests, shutdown). */
  idle(): Promise<void>;
  startSchedule(): void;
  close(): Promise<void>;
  readonly store: ReconciliationStore;
}

export const RECONCILIATION_FLAG = 'reconciliation_mismatch';
const PAGE = 200;

export function reportOf(run: RunRow, mismatches: MismatchRow[]): RunReport {
  return {
    id: run.id,
    day: run.day,
    status: run.status,
    startedAt: run.started_at.toISOString(),
    finishedAt: run.finished_at?.toISOString() ?? null,
    startedBy: run.started_by,
    error: run.error,
    totals: run.totals,
    mismatches,
  };
}

function tally(t: Totals, it: Intent, check: PaymentCheck): void {
  const key = it.provider ?? 'none';
  const p = (t.byProvider[key] ??= { count: 0, amountCentimes: 0, matched: 0, mismatched: 0 });
  t.ledger.count++;
  t.ledger.amountCentimes += it.amountCentimes;
  p.count++;
  p.amountCentimes += it.amountCentimes;
  switch (check.kind) {
    case 'matched':
      t.matched.count++;
      t.matched.amountCentimes += it.amountCentimes;
      p.matched++;
      break;
    case 'mismatched':
      t.mismatched.count++;
      t.mismatched.amountCentimes += it.amountCentimes;
      p.mismatched++;
      break;
    case 'open':
      t.open.count++;
      break;
    case 'unchecked':
      t.unchecked.count++;
      break;
  }
}

/** `fn` over `items`, at most `limit` at a time. */
async function eachLimited<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const item = items[next++] as T;
      await fn(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
}

export function createReconciliationService(deps: ReconciliationDeps): ReconciliationService {
  const store = createReconciliationStore(deps.db);
  const now = deps.now ?? (() => new Date());
  const concurrency = Math.max(1, deps.concurrency ?? 4);
  const heartbeatMs = deps.heartbeatMs ?? 10_000;
  const staleAfterMs = deps.staleAfterMs ?? 120_000;
  const afterMinutes = deps.scheduleAfterMinutes ?? 15;
  const log = deps.logger;
  const running = new Set<Promise<void>>();
  let timer: NodeJS.Timeout | undefined;
  let closed = false;

  const staleBefore = (at: Date) => new Date(at.getTime() - staleAfterMs);

  async function flagOnce(it: Intent, rows: MismatchRow[]): Promise<void> {
    // Once per payment: a mismatch an operator already looked at and resolved is listed again by a
    // later run of the day, not put back on their list.
    if (it.flagReason === RECONCILIATION_FLAG) return;
    const detail = rows.map((m) => `${m.kind}: ${m.detail}`).join('; ');
    await deps.flag(it.id, RECONCILIATION_FLAG, detail).catch((err: unknown) => log.warn('reconciliation could not flag a payment', { jobId: it.id, err }));
  }

  async function execute(run: RunRow): Promise<void> {
    const { from, to } = dayBounds(run.day);
    const totals: Totals = run.totals;
    let mine = true;
    const beat = setInterval(() => {
      store.heartbeat(run.id, totals, now()).then(
        (ok) => {
          if (!ok) mine = false;
        },
        (err: unknown) => log.warn('reconciliation heartbeat not written', { run: run.id, err }),
      );
    }, heartbeatMs);
    beat.unref();
    log.info('reconciliation started', { run: run.id, day: run.day, by: run.started_by });
    try {
      let after: { createdAt: Date; id: string } | undefined;
      for (;;) {
        const page = await deps.ledger.list({ from, to, limit: PAGE, ...(after !== undefined ? { after } : {}) });
        await eachLimited(page, concurrency, async (it) => {
          if (!mine || closed) return;
          const check = await checkPayment(it, deps.ports);
          tally(totals, it, check);
          if (check.kind !== 'mismatched') return;
          const rows = check.mismatches.map((m) => ({ intentId: it.id, kind: m.kind, detail: m.detail, numAcquit: it.numAcquit, amountCentimes: it.amountCentimes, provider: it.provider }));
          await store.addMismatches(run.id, rows);
          await flagOnce(it, rows);
        });
        const last = page.at(-1);
        if (page.length < PAGE || last === undefined || !mine || closed) break;
        after = { createdAt: last.createdAt, id: last.id };
      }
      if (!mine) {
        log.warn('reconciliation run taken over by another instance: stopped here', { run: run.id, day: run.day });
        return;
      }
      if (closed) {
        // A nightly run is left to be taken over once its heartbeat is old (by the next instance,
        // or this one restarted); an operator's run is closed, and they ask again.
        if (run.kind === 'manual') await store.finish(run.id, 'failed', totals, now(), 'stopped: the instance running it shut down');
        return;
      }
      await store.finish(run.id, 'done', totals, now());
      log.info('reconciliation done', { run: run.id, day: run.day, ledger: totals.ledger.count, matched: totals.matched.count, mismatched: totals.mismatched.count, open: totals.open.count, unchecked: totals.unchecked.count });
    } catch (err) {
      log.error('reconciliation failed', { run: run.id, day: run.day, err });
      await store.finish(run.id, 'failed', totals, now(), err instanceof Error ? err.message : String(err)).catch(() => undefined);
    } finally {
      clearInterval(beat);
    }
  }

  function launch(run: RunRow): void {
    const p = execute(run).finally(() => running.delete(p));
    running.add(p);
  }

  const report = async (run: RunRow) => reportOf(run, await store.mismatches(run.id));

  async function scheduleTick(): Promise<RunReport | undefined> {
    const at = now();
    if (closed || kinshasaMinutes(at) < afterMinutes) return undefined;
    const day = previousDay(kinshasaDay(at));
    const run = await store.claimScheduled(day, at, staleBefore(at));
    if (run === undefined) return undefined;
    launch(run);
    return report(run);
  }

  async function idle(): Promise<void> {
    while (running.size > 0) await Promise.allSettled([...running]);
  }

  return {
    store,
    async start(day, by) {
      const out = await store.startManual(day, by, now(), staleBefore(now()));
      if (out.started) launch(out.run);
      return { started: out.started, run: await report(out.run) };
    },
    async latest(day) {
      const run = await store.latest(day);
      return run === undefined ? undefined : report(run);
    },
    scheduleTick,
    idle,
    startSchedule() {
      if (timer !== undefined || closed) return;
      const tick = () => {
        scheduleTick().catch((err: unknown) => log.warn('reconciliation schedule could not look', { err }));
      };
      tick();
      timer = setInterval(tick, deps.scheduleEveryMs ?? 60_000);
      timer.unref();
    },
    async close() {
      closed = true;
      clearInterval(timer);
      await idle();
    },
  };
}
