import type { ConfirmOutcome, PaymentRequest } from './types';

type Refused = Extract<ConfirmOutcome, { kind: 'refused' }>;

/**
 * The amount rules checked before anything is stored or sent: more than zero, at least the
 * minimum, at most the selected bills' balance. Paying the exact remaining balance stays possible
 * when that balance is itself below the minimum, or a small leftover could never be paid.
 */
export function refusalOf(req: PaymentRequest, minCentimes: number): Refused | undefined {
  if (req.bills.length === 0) return { kind: 'refused', reason: 'no_unpaid_bill', message: 'no bill selected' };
  const balance = req.bills.reduce((sum, b) => sum + b.balanceCentimes, 0);
  if (req.bills.every((b) => b.balanceCentimes <= 0)) {
    return { kind: 'refused', reason: 'bills_already_paid', message: 'the selected bills have nothing left to pay' };
  }
  if (!Number.isSafeInteger(req.amountCentimes) || req.amountCentimes <= 0) {
    return { kind: 'refused', reason: 'amount_below_minimum', message: 'the amount must be more than zero' };
  }
  if (req.amountCentimes > balance) {
    return { kind: 'refused', reason: 'amount_above_balance', message: `the amount is above the selected balance (${balance} centimes)` };
  }
  const wholeSmallBalance = req.amountCentimes === balance && balance < minCentimes;
  if (req.amountCentimes < minCentimes && !wholeSmallBalance) {
    return { kind: 'refused', reason: 'amount_below_minimum', message: `the amount is below the minimum (${minCentimes} centimes)` };
  }
  return undefined;
}
