import { Counter, Histogram } from 'prom-client';
import type { Metrics } from '../metrics';
import type { Intent } from './intent';

/**
 * What the operator watches on the money path. Metrics already in the registry are reused: two
 * payment services (a test's crashed worker and its successor) may share one registry, and
 * prom-client refuses to register a name twice. Without a registry every call is a no-op.
 */
export type PayFactOutcome = 'paid' | 'refused' | 'unauthorized' | 'uncertain';
export type RecoveryAction = 'requeued' | 'retried' | 'expired';

export interface PaymentMetrics {
  /** Once per intent, by the write that settles it (a compare-and-set: only one writer wins). */
  settled(it: Intent): void;
  flagged(): void;
  payFact(outcome: PayFactOutcome): void;
  recovered(action: RecoveryAction): void;
}

const SETTLED_STATUSES = ['succeeded', 'reconciled', 'failed', 'uncertain'] as const;
const PAYFACT_OUTCOMES: readonly PayFactOutcome[] = ['paid', 'refused', 'unauthorized', 'uncertain'];
const RECOVERY_ACTIONS: readonly RecoveryAction[] = ['requeued', 'retried', 'expired'];
// A payment settles within seconds when REGIDESO answers, within minutes when the job retries.
const SETTLE_BUCKETS = [0.25, 0.5, 1, 2, 5, 10, 30, 60, 120, 300, 600, 1800, 3600];

function counter<L extends string>(m: Metrics, name: string, help: string, labelNames: readonly L[]): Counter<L> {
  const existing = m.registry.getSingleMetric(name);
  if (existing instanceof Counter) return existing as Counter<L>;
  return new Counter({ name, help, labelNames, registers: [m.registry] });
}

function histogram(m: Metrics, name: string, help: string, buckets: number[]): Histogram {
  const existing = m.registry.getSingleMetric(name);
  if (existing instanceof Histogram) return existing as Histogram;
  return new Histogram({ name, help, buckets, registers: [m.registry] });
}

export function createPaymentMetrics(m: Metrics | undefined): PaymentMetrics {
  if (m === undefined) return { settled: () => undefined, flagged: () => undefined, payFact: () => undefined, recovered: () => undefined };
  const settled = counter(m, 'payments_settled_total', 'Payment intents settled, by final status', ['status'] as const);
  const flagged = counter(m, 'payments_flagged_total', 'Payment intents flagged for the operator', [] as const);
  const payFact = counter(m, 'payfact_calls_total', 'PayFact calls by outcome', ['outcome'] as const);
  const recovered = counter(m, 'payments_recovered_total', 'Stale open intents whose job the sweep queued again', ['action'] as const);
  const settleSeconds = histogram(m, 'payment_settle_seconds', 'Time from payment intent created to settled', SETTLE_BUCKETS);
  // Zeros from the start, so rate() and alerts see every series before its first event.
  for (const s of SETTLED_STATUSES) settled.inc({ status: s }, 0);
  flagged.inc(0);
  for (const o of PAYFACT_OUTCOMES) payFact.inc({ outcome: o }, 0);
  for (const a of RECOVERY_ACTIONS) recovered.inc({ action: a }, 0);

  return {
    settled(it) {
      settled.inc({ status: it.status });
      const seconds = (Date.parse(it.updatedAt) - Date.parse(it.createdAt)) / 1000;
      if (Number.isFinite(seconds)) settleSeconds.observe(Math.max(seconds, 0));
    },
    flagged: () => flagged.inc(),
    payFact: (outcome) => payFact.inc({ outcome }),
    recovered: (action) => recovered.inc({ action }),
  };
}
