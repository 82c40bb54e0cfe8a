import { counter, histogram, type Metrics } from '../metrics';
import { FINAL_STATUSES, type Intent } from './intent';

/**
 * What the operator watches on the money path. Metrics already in the registry are reused: two
 * payment services (a test's crashed worker and its successor) may share one registry, and
 * prom-client refuses to register a name twice. Without a registry every call is a no-op.
 */
export type PayFactOutcome = 'paid' | 'refused' | 'unauthorized' | 'uncertain';
export type TransferOutcome = 'completed' | 'failed' | 'rejected';

export interface PaymentMetrics {
  /** Once per intent, by the write that settles it (a compare-and-set: only one writer wins). */
  settled(it: Intent): void;
  flagged(reason: string): void;
  flagResolved(): void;
  payFact(outcome: PayFactOutcome): void;
  deposit(outcome: TransferOutcome): void;
  refund(outcome: TransferOutcome): void;
  /** From confirm to the wallet's money collected. */
  collected(it: Intent): void;
}

const PAYFACT_OUTCOMES: readonly PayFactOutcome[] = ['paid', 'refused', 'unauthorized', 'uncertain'];
const TRANSFER_OUTCOMES: readonly TransferOutcome[] = ['completed', 'failed', 'rejected'];
// A payment settles within seconds when REGIDESO answers, within minutes when a PIN or a retry waits.
const SECONDS_BUCKETS = [0.25, 0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300, 600, 1800, 3600];

const seconds = (from: Date, to: Date) => Math.max((to.getTime() - from.getTime()) / 1000, 0);

export function createPaymentMetrics(m: Metrics | undefined): PaymentMetrics {
  if (m === undefined) {
    const none = () => undefined;
    return { settled: none, flagged: none, flagResolved: none, payFact: none, deposit: none, refund: none, collected: none };
  }
  const settled = counter(m, 'payments_settled_total', 'Payment intents settled, by final status', ['status'] as const);
  const flagged = counter(m, 'payments_flagged_total', 'Payments flagged for the operator, by reason', ['reason'] as const);
  const resolved = counter(m, 'payments_flag_resolutions_total', 'Flagged payments marked handled by the operator', [] as const);
  const payFact = counter(m, 'payfact_calls_total', 'PayFact calls by outcome', ['outcome'] as const);
  const deposits = counter(m, 'wallet_deposits_total', 'Wallet deposits (collections) by final outcome', ['outcome'] as const);
  const refunds = counter(m, 'wallet_refunds_total', 'Wallet refunds by final outcome', ['outcome'] as const);
  const settleSeconds = histogram(m, 'payment_settle_seconds', 'Time from payment confirmed to settled', [] as const, SECONDS_BUCKETS);
  const collectSeconds = histogram(m, 'payment_collect_seconds', "Time from payment confirmed to the wallet's money collected", [] as const, SECONDS_BUCKETS);
  // Zeros from the start, so rate() and alerts see every series before its first event.
  for (const s of FINAL_STATUSES) settled.inc({ status: s }, 0);
  resolved.inc(0);
  for (const o of PAYFACT_OUTCOMES) payFact.inc({ outcome: o }, 0);
  for (const o of TRANSFER_OUTCOMES) {
    deposits.inc({ outcome: o }, 0);
    refunds.inc({ outcome: o }, 0);
  }
  return {
    settled(it) {
      settled.inc({ status: it.status });
      settleSeconds.observe(seconds(it.createdAt, it.updatedAt));
    },
    flagged: (reason) => flagged.inc({ reason }),
    flagResolved: () => resolved.inc(),
    payFact: (outcome) => payFact.inc({ outcome }),
    deposit: (outcome) => deposits.inc({ outcome }),
    refund: (outcome) => refunds.inc({ outcome }),
    collected: (it) => collectSeconds.observe(seconds(it.createdAt, it.updatedAt)),
  };
}
