import type { Bill } from '../regideso/types';

/**
 * After an uncertain PayFact (timeout, reset, 5xx) or a job found already `submitted`, did the
 * money land? PayFact has no idempotency key, so the only witness is the bills themselves: compare
 * the selected bills' balances now with those read just before the first PayFact.
 * A bill no longer listed counts as fully paid (GetFact may list unpaid bills only).
 */
export type Reconciliation =
  | { kind: 'landed'; decreaseCentimes: number }
  | { kind: 'not_landed' }
  /** Some money moved but less than ours: someone else paid, or REGIDESO split it. A person decides. */
  | { kind: 'partial'; decreaseCentimes: number };

export function reconcile(
  baseline: Array<{ faeId: string; balanceCentimes: number }>,
  bills: Bill[],
  amountCentimes: number,
): Reconciliation {
  const before = baseline.reduce((sum, b) => sum + b.balanceCentimes, 0);
  const now = baseline.reduce((sum, b) => sum + (bills.find((x) => x.faeId === b.faeId)?.balanceCentimes ?? 0), 0);
  const decrease = before - now;
  if (decrease >= amountCentimes) return { kind: 'landed', decreaseCentimes: decrease };
  if (decrease <= 0) return { kind: 'not_landed' };
  return { kind: 'partial', decreaseCentimes: decrease };
}

/** What the subscriber still owes on all listed bills. */
export function totalBalance(bills: Bill[]): number {
  return bills.reduce((sum, b) => sum + Math.max(b.balanceCentimes, 0), 0);
}
