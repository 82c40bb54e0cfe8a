import type { GetBillsOutcome } from '../regideso/types';
import type { Balance, Intent } from './intent';
import { balanceNow } from './reconcile';
import type { ConfirmOutcome, PaymentRequest, RefusalReason } from './types';

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

/** What REGIDESO's bills, read again before money moves, say of a payment (see checkBillsNow). */
export type BillCheck =
  /** `keyRefused`: REGIDESO refused our API key (the operator must hear of it, beyond this payment). */
  | { kind: 'refused'; reason: RefusalReason; message: string; keyRefused?: true }
  | { kind: 'unavailable'; message: string }
  /** Payable: the bills' balances now, the baseline a later reconciliation compares with. */
  | { kind: 'ok'; baseline: Balance[] };

/**
 * The check before the wallet is asked (src/payments/steps/collect.ts) and before PayFact
 * (steps/pay.ts): the selected bills as GetFact shows them now. A bill GetFact no longer lists
 * counts as paid, as reconciliation counts it (src/payments/reconcile.ts).
 */
export function checkBillsNow(read: GetBillsOutcome, it: Pick<Intent, 'bills' | 'amountCentimes'>): BillCheck {
  switch (read.kind) {
    case 'client_not_found':
      return { kind: 'refused', reason: 'client_not_found', message: read.message };
    case 'unauthorized':
      return { kind: 'refused', reason: 'rejected', message: 'REGIDESO refused the API key', keyRefused: true };
    case 'unavailable':
      return { kind: 'unavailable', message: read.message };
    case 'ok':
      break;
  }
  const baseline: Balance[] = it.bills.map((b) => ({ faeId: b.faeId, balanceCentimes: balanceNow(read.bills, b.faeId) }));
  const balance = baseline.reduce((sum, b) => sum + Math.max(b.balanceCentimes, 0), 0);
  if (balance <= 0) return { kind: 'refused', reason: 'bills_already_paid', message: 'the selected bills have nothing left to pay' };
  if (it.amountCentimes > balance) return { kind: 'refused', reason: 'amount_above_balance', message: `the balance is now ${balance} centimes` };
  return { kind: 'ok', baseline };
}
