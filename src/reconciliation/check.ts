import type { CollectionPort, TransferState } from '../collections/types';
import { formatCdf } from '../money';
import { isOpen, type Intent } from '../payments/intent';
import type { Province } from '../provinces';
import type { VerifyOutcome } from '../regideso/types';

/**
 * One payment of the day against what REGIDESO and pawaPay say of it. The ledger's final state is
 * a claim ("REGIDESO gave receipt X for this amount", "the wallet's money came in", "it was given
 * back"); each claim is checked by the read that can prove it. A payment still moving is not
 * judged (its job is on it); a read that could not be made leaves the payment `unchecked`, to be
 * checked again by the next run, and is never taken for a mismatch.
 */
export const MISMATCH_KINDS = [
  /** REGIDESO does not know a receipt number we hold. */
  'unknown_receipt',
  /** REGIDESO knows the receipt but says `échec`. */
  'receipt_failed',
  /** REGIDESO's or pawaPay's amount is not ours. */
  'amount_differs',
  /** The money landed at REGIDESO but its answer was lost: we hold our own RGD-… reference, not a receipt. */
  'no_regideso_receipt',
  /** REGIDESO's balances fell by less than the amount. */
  'partial_payment',
  /** The wallet's money came in, and neither a PayFact nor a refund took it anywhere. */
  'collected_not_paid',
  /** We say the money was collected; pawaPay does not say COMPLETED. */
  'deposit_not_completed',
  /** We gave the deposit up as failed; pawaPay is still processing it. */
  'deposit_not_final',
  /** A refund we count as done (or failed) that pawaPay still processes. */
  'refund_not_final',
  /** We say the refund failed; pawaPay says it was completed. */
  'refund_status_differs',
] as const;
export type MismatchKind = (typeof MISMATCH_KINDS)[number];

export interface Mismatch {
  kind: MismatchKind;
  detail: string;
}

export type PaymentCheck =
  | { kind: 'open' }
  | { kind: 'matched' }
  | { kind: 'mismatched'; mismatches: Mismatch[] }
  | { kind: 'unchecked'; reason: string };

export interface CheckPorts {
  verify(numAcquit: string, province: Province): Promise<VerifyOutcome>;
  /** Absent when the product collects nothing itself (COLLECTION=none). */
  wallet: Pick<CollectionPort, 'depositStatus' | 'refundStatus'> | undefined;
  /** Each call is given up after this; the payment is then unchecked. */
  callTimeoutMs: number;
}

/** Statuses in which the ledger says the wallet's money came in. */
const COLLECTED = new Set(['succeeded', 'reconciled', 'partial', 'refunded', 'refund_failed']);

async function bounded<T>(call: Promise<T>, ms: number, late: T): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<T>((resolve) => {
    timer = setTimeout(() => resolve(late), ms);
  });
  try {
    return await Promise.race([call, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

const said = (s: TransferState): string =>
  s.kind === 'in_progress' ? `pawaPay says ${s.status}` : s.kind === 'failed' ? `pawaPay says FAILED (${s.code})` : s.kind === 'not_found' ? 'pawaPay does not know it' : 'pawaPay says COMPLETED';

export async function checkPayment(it: Intent, ports: CheckPorts): Promise<PaymentCheck> {
  if (isOpen(it)) return { kind: 'open' };
  const found: Mismatch[] = [];
  const unreadable: string[] = [];
  const timeoutMs = ports.callTimeoutMs;

  // REGIDESO: the receipt we hold must be one it knows, as a success, for our amount.
  if (it.status === 'succeeded' && it.numAcquit !== null && !it.ownReference) {
    const v = await bounded(ports.verify(it.numAcquit, it.province).catch((err: unknown): VerifyOutcome => ({ kind: 'unavailable', reason: 'network', message: String(err) })), timeoutMs, {
      kind: 'unavailable',
      reason: 'timeout',
      message: `no answer within ${timeoutMs} ms`,
    });
    if (v.kind === 'not_found') found.push({ kind: 'unknown_receipt', detail: `REGIDESO does not know receipt ${it.numAcquit} (${it.province}): ${v.message}` });
    else if (v.kind === 'ok') {
      if (v.transaction.status !== 'succès') found.push({ kind: 'receipt_failed', detail: `REGIDESO says ${v.transaction.status} for receipt ${it.numAcquit}` });
      if (v.transaction.totalPaidCentimes !== it.amountCentimes) {
        found.push({ kind: 'amount_differs', detail: `REGIDESO holds ${formatCdf(v.transaction.totalPaidCentimes)} for receipt ${it.numAcquit}, the ledger ${formatCdf(it.amountCentimes)}` });
      }
    } else unreadable.push(`REGIDESO: ${v.message}`);
  } else if (it.status === 'reconciled') {
    found.push({ kind: 'no_regideso_receipt', detail: `REGIDESO took the money but its receipt number never reached us (our reference ${it.numAcquit ?? '-'}): ask REGIDESO for it` });
  } else if (it.status === 'partial') {
    found.push({ kind: 'partial_payment', detail: `REGIDESO's balances fell by less than ${formatCdf(it.amountCentimes)}` });
  }

  // pawaPay: the deposit, and the refund when there is one.
  if (it.collection === 'wallet' && ports.wallet !== undefined && it.depositId !== null) {
    const unavailable = (err: unknown): TransferState => ({ kind: 'unavailable', message: String(err) });
    const late: TransferState = { kind: 'unavailable', message: `no answer within ${timeoutMs} ms` };
    const deposit = await bounded(ports.wallet.depositStatus(it.depositId).catch(unavailable), timeoutMs, late);
    const collected = COLLECTED.has(it.status);
    if (deposit.kind === 'unavailable') unreadable.push(`pawaPay deposit: ${deposit.message}`);
    else if (collected) {
      // A paid payment must have collected its amount; a refunded one what we recorded and gave back.
      const expected = it.status === 'refunded' || it.status === 'refund_failed' ? (it.collectedCentimes ?? it.amountCentimes) : it.amountCentimes;
      if (deposit.kind !== 'completed') found.push({ kind: 'deposit_not_completed', detail: `the ledger says collected; ${said(deposit)} for deposit ${it.depositId}` });
      else if (deposit.amountCentimes !== expected) {
        found.push({ kind: 'amount_differs', detail: `pawaPay collected ${formatCdf(deposit.amountCentimes)} on deposit ${it.depositId}, the ledger ${formatCdf(expected)}` });
      }
    } else if (deposit.kind === 'completed') {
      found.push({ kind: 'collected_not_paid', detail: `pawaPay collected ${formatCdf(deposit.amountCentimes)} on deposit ${it.depositId}, which the ledger counts as failed: no PayFact, no refund` });
    } else if (deposit.kind === 'in_progress') {
      found.push({ kind: 'deposit_not_final', detail: `the ledger gave deposit ${it.depositId} up as failed; ${said(deposit)}` });
    }

    if (it.refundId !== null && (it.status === 'refunded' || it.status === 'refund_failed')) {
      const refund = await bounded(ports.wallet.refundStatus(it.refundId).catch(unavailable), timeoutMs, late);
      const owed = it.collectedCentimes ?? it.amountCentimes;
      if (refund.kind === 'unavailable') unreadable.push(`pawaPay refund: ${refund.message}`);
      else if (refund.kind === 'in_progress') found.push({ kind: 'refund_not_final', detail: `refund ${it.refundId}: the ledger says ${it.status}; ${said(refund)}` });
      else if (it.status === 'refunded') {
        if (refund.kind === 'completed') {
          if (refund.amountCentimes !== owed) found.push({ kind: 'amount_differs', detail: `pawaPay refunded ${formatCdf(refund.amountCentimes)} on refund ${it.refundId}, the ledger ${formatCdf(owed)}` });
        } else found.push({ kind: 'collected_not_paid', detail: `the ledger says refunded; ${said(refund)} for refund ${it.refundId}: the money is still with us` });
      } else if (refund.kind === 'completed') {
        found.push({ kind: 'refund_status_differs', detail: `the ledger says the refund failed; pawaPay says COMPLETED for refund ${it.refundId} (${formatCdf(refund.amountCentimes)})` });
      } else {
        found.push({ kind: 'collected_not_paid', detail: `refund ${it.refundId} failed (${said(refund)}): ${formatCdf(owed)} collected, neither paid to REGIDESO nor given back` });
      }
    }
  }

  if (found.length > 0) return { kind: 'mismatched', mismatches: found };
  if (unreadable.length > 0) return { kind: 'unchecked', reason: unreadable.join('; ') };
  return { kind: 'matched' };
}
