import type { Gauge } from 'prom-client';
import type { Db } from '../db/types';
import type { QueueDepth } from '../jobs/queue-depth';
import type { Logger } from '../logging/logger';
import { gauge, type Metrics } from '../metrics';
import { createPeriodic } from '../periodic';
import type { ReconciliationStore } from '../reconciliation/store';
import { oldestOpenDepositSeconds, openFlagsByReason, smsFailingCount } from './readings';

/**
 * The operator's gauges, read from the ledger and the queues in the background (every 30 s by
 * default) and served from memory: a scrape never queries PostgreSQL, Redis or REGIDESO. Every
 * label set is small and fixed in kind (flag reasons, queue names), so cardinality stays bounded;
 * the last reconciliation run is told by unlabelled gauges, not one series per day.
 */
export interface OperationsGauges {
  /** The first refresh, awaited (so the first scrape already has values), then one every interval. */
  start(): Promise<void>;
  refresh(): Promise<void>;
  close(): void;
}

export interface OperationsGaugesDeps {
  db: Db;
  queueDepth: Pick<QueueDepth, 'read'>;
  reconciliation: Pick<ReconciliationStore, 'lastDone'>;
  metrics: Metrics;
  logger: Logger;
  intervalMs: number;
  now?: () => Date;
}

/** Sets each label's value; a label seen before and absent now goes back to 0 (an alert must see it clear). */
function setAll<L extends string>(g: Gauge<L>, label: L, values: Record<string, number>, seen: Set<string>): void {
  for (const k of Object.keys(values)) seen.add(k);
  for (const k of seen) g.set({ [label]: k } as Record<L, string>, values[k] ?? 0);
}

export function createOperationsGauges(deps: OperationsGaugesDeps): OperationsGauges {
  const m = deps.metrics;
  const now = deps.now ?? (() => new Date());
  const openFlags = gauge(m, 'payments_open_flags', 'Flagged payments not yet resolved by an operator, by reason', ['reason'] as const);
  const jobsWaiting = gauge(m, 'jobs_waiting', 'Jobs waiting or delayed in each queue (not yet taken by a worker)', ['queue'] as const);
  const oldestDeposit = gauge(m, 'wallet_deposits_open_oldest_seconds', 'Age of the oldest wallet deposit not final yet (0 when none)', [] as const);
  const smsFailing = gauge(m, 'sms_messages_failing', 'SMS the gateway keeps refusing for reasons of ours (key, credit, outage), not sent yet', [] as const);
  const lastMismatches = gauge(m, 'reconciliation_last_run_mismatches', 'Mismatches found by the latest finished reconciliation run', [] as const);
  const lastUnchecked = gauge(m, 'reconciliation_last_run_unchecked', 'Payments the latest finished reconciliation run could not check (REGIDESO or pawaPay did not answer)', [] as const);
  const lastFinished = gauge(m, 'reconciliation_last_run_timestamp_seconds', 'When the latest reconciliation run finished (Unix time; 0 before the first)', [] as const);
  const seenReasons = new Set<string>();
  const seenQueues = new Set<string>();

  // Each reading on its own: Redis down must not freeze the ledger's gauges, nor the reverse.
  const read = <T>(what: string, p: Promise<T>, apply: (v: T) => void) =>
    p.then(apply, (err: unknown) => deps.logger.warn('operations gauge not refreshed', { gauge: what, err }));

  const refreshOnce = async () => {
    await Promise.all([
      read('payments_open_flags', openFlagsByReason(deps.db), (v) => setAll(openFlags, 'reason', v, seenReasons)),
      read('jobs_waiting', deps.queueDepth.read(), (v) => setAll(jobsWaiting, 'queue', v, seenQueues)),
      read('wallet_deposits_open_oldest_seconds', oldestOpenDepositSeconds(deps.db, now()), (v) => oldestDeposit.set(v)),
      read('sms_messages_failing', smsFailingCount(deps.db), (v) => smsFailing.set(v)),
      read('reconciliation_last_run', deps.reconciliation.lastDone(), (run) => {
        lastMismatches.set(run?.mismatchCount ?? 0);
        lastUnchecked.set(run?.totals.unchecked.count ?? 0);
        lastFinished.set(run?.finished_at === null || run === undefined ? 0 : run.finished_at.getTime() / 1000);
      }),
    ]);
  };
  const periodic = createPeriodic(refreshOnce, deps.intervalMs);

  return {
    start: () => periodic.start(),
    refresh: () => periodic.run(),
    close: () => periodic.stop(),
  };
}
