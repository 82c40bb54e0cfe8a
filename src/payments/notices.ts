import { depositFailureKind } from '../collections/failure-codes';
import type { ReceiptTexts } from './sms-texts';
import { ownReferenceFor } from './ids';
import type { Intent } from './intent';
import type { QueuedSms } from './ledger';

/**
 * The SMS a change of an intent owes the subscriber, queued in the same transaction as the change.
 * Each notice has an id of its own per intent (`<intent>-receipt`, `<intent>-review`, …), so a step
 * run twice queues it once, and a later outcome (resolved after "under review") is a new message.
 * The sentences come from the catalogue loaded at start-up (`texts`).
 */
export function noticesFor(prev: Intent, next: Intent, texts: ReceiptTexts): QueuedSms[] {
  const { receiptText, appliedWithoutReceiptText, underReviewText, paymentFailedText, paymentRefusedText, notDebitedText, refundedText, refundFailedText } = texts;
  const facts = { amountCentimes: next.collectedCentimes ?? next.amountCentimes, refClient: next.refClient };
  const reference = next.numAcquit ?? ownReferenceFor(next.id);
  const sms = (suffix: string, kind: QueuedSms['kind'], body: string): QueuedSms => ({ id: `${next.id}-${suffix}`, kind, recipient: next.phone, body });
  const out: QueuedSms[] = [];
  if (prev.status !== next.status) {
    switch (next.status) {
      case 'succeeded':
        out.push(
          sms('receipt', 'receipt', receiptText(next.language, { ...facts, billNumbers: next.bills.map((b) => b.billNumber), numAcquit: next.numAcquit ?? '', remainingCentimes: next.remainingCentimes ?? undefined })),
        );
        break;
      case 'reconciled':
        out.push(sms('applied', 'receipt', appliedWithoutReceiptText(next.language, { ...facts, reference })));
        break;
      case 'failed':
        if (next.depositFailureCode !== null) out.push(sms('failed', 'notice', notDebitedText(next.language, depositFailureKind(next.depositFailureCode), facts)));
        else if (next.refusalReason !== null) out.push(sms('failed', 'notice', paymentRefusedText(next.language, next.refusalReason, facts)));
        else out.push(sms('failed', 'notice', paymentFailedText(next.language, facts)));
        break;
      case 'refunded':
        out.push(sms('refunded', 'notice', refundedText(next.language, facts)));
        break;
      case 'refund_failed':
        out.push(sms('refund-failed', 'notice', refundFailedText(next.language, { ...facts, reference: ownReferenceFor(next.id) })));
        break;
      case 'partial':
        out.push(sms('review', 'notice', underReviewText(next.language, { ...facts, reference })));
        break;
      default:
        break;
    }
  }
  // Given up as uncertain, or a deposit that will not finish: "being checked, do not pay again".
  const review = (next.unresolved && !prev.unresolved) || (next.flagReason === 'deposit_stuck' && prev.flagReason !== 'deposit_stuck');
  if (review && next.status !== 'partial') out.push(sms('review', 'notice', underReviewText(next.language, { ...facts, reference })));
  return out;
}
