import type { Bill } from '../regideso/types';
import type { Balance } from './intent';

/**
 * After an uncertain PayFact (timeout, reset, 5xx) or a job found already `submitted`, did the
 * money land? PayFact has no idempotency key, so the only witness is the bills themselves: compare
 * the selected bills' balances now with those read just before the first PayFact.
 *
 * A bill GetFact no longer lists counts as paid (balance 0), here and in the check before PayFact
 * alike (src/payments/steps/pay.ts): GetFact may list unpaid bills only.
 */
export type Reconciliation =
  | { kind: 'landed'; decreaseCentimes: number }
  /** The balances fell by twice our amount or more: an earlier PayFact landed late and a later one too. */
  | { kind: 'landed_twice'; decreaseCentimes: number }
  | { kind: 'not_landed' }
  /** Some money moved but less than ours: someone else paid, or REGIDESO split it. A person decides. */
  | { kind: 'partial'; decreaseCentimes: number };

export function balanceNow(bills: Bill[], faeId: string): number {
  return bills.find((x) => x.faeId === faeId)?.balanceCentimes ?? 0;
}

export function reconcile(baseline: Balance[], bills: Bill[], amountCentimes: number): Reconciliation {
  const before = baseline.reduce((sum, b) => sum + b.balanceCentimes, 0);
  const now = baseline.reduce((sum, b) => sum + balanceNow(bills, b.faeId), 0);
  const decrease = before - now;
  if (decrease >= 2 * amountCentimes) return { kind: 'landed_twice', decreaseCentimes: decrease };
  if (decrease >= amountCentimes) return { kind: 'landed', decreaseCentimes: decrease };
  if (decrease <= 0) return { kind: 'not_landed' };
  return { kind: 'partial', decreaseCentimes: decrease };
}

/** What the subscriber still owes on all listed bills. */
export function totalBalance(bills: Bill[]): number {
  return bills.reduce((sum, b) => sum + Math.max(b.balanceCentimes, 0), 0);
}
