import type { DepositFailureKind } from '../collections/failure-codes';
import type { Language } from '../language';
import type { Centimes } from '../money';
import type { Messages } from '../texts/catalogue';
import type { RefusalChoice } from '../texts/messages';
import type { RefusalReason } from './types';

/**
 * The SMS a payment sends, in the subscriber's language. The sentences are in the catalogue
 * (menus/lang/<language>.yaml, `sms.receipt.*`, `sms.notice.*`), where `menus:check` proves each
 * GSM-7 and within one segment with the longest values we expect; this maps a payment's facts onto
 * their values. Values from REGIDESO are folded to GSM-7 when filled, so one odd character cannot
 * switch the message to UCS-2.
 */
export interface ReceiptFacts {
  amountCentimes: Centimes;
  refClient: string;
  billNumbers: string[];
  numAcquit: string;
  remainingCentimes: Centimes | undefined;
}

export interface NoticeFacts {
  amountCentimes: Centimes;
  refClient: string;
  /** Our own reference (applied without receipt, under review). */
  reference: string;
}

/**
 * The catalogue names the refusal reasons it has a text for (src/texts/messages.ts, below payments,
 * cannot import ours): this does not compile unless both lists hold the same reasons.
 */
type SameSet<A, B> = [A] extends [B] ? ([B] extends [A] ? true : never) : never;
const _everyRefusalHasItsText: SameSet<RefusalReason, RefusalChoice> = true;

/** Why a wallet did not give the money, in the subscriber's terms (pawaPay's codes grouped in src/collections/failure-codes.ts). */
export type NotDebitedReason = DepositFailureKind;

type Money = { amountCentimes: Centimes; refClient: string };

export interface ReceiptTexts {
  /** The success receipt: amount, bill, reference, num_acquit, what remains owed on the whole account (not the bill alone); one segment. */
  receiptText(language: Language, facts: ReceiptFacts): string;
  /** The money landed but REGIDESO's answer (and so its receipt number) was lost. */
  appliedWithoutReceiptText(language: Language, facts: NoticeFacts): string;
  /** The outcome is not known yet and needs the operator: the subscriber must not pay twice. */
  underReviewText(language: Language, facts: NoticeFacts): string;
  /** REGIDESO could not be reached; nothing was sent, nothing taken. */
  paymentFailedText(language: Language, facts: Money): string;
  /** Refused before or by PayFact; nothing taken. */
  paymentRefusedText(language: Language, reason: RefusalReason, facts: Money): string;
  /** The wallet did not give the money (failed or rejected deposit); nothing was taken. */
  notDebitedText(language: Language, reason: NotDebitedReason, facts: Money): string;
  /** REGIDESO refused after the money was collected: it goes back to the wallet. */
  refundedText(language: Language, facts: Money): string;
  /** The refund itself failed: the operator handles it; the subscriber keeps a reference. */
  refundFailedText(language: Language, facts: NoticeFacts): string;
  /** How to raise the wallet's PIN prompt: `manual` (it shows only once dialled) or `revive` (dial if it did not show). */
  approveText(language: Language, how: 'manual' | 'revive', facts: Money & { wallet: string; dialCode: string }): string;
}

/** One bill by its number; several as the first number and how many more (`8326224601541+2`). */
function billLabel(billNumbers: string[]): string | undefined {
  const [first] = billNumbers;
  if (first === undefined) return undefined;
  return billNumbers.length === 1 ? first : `${first}+${billNumbers.length - 1}`;
}

export function receiptTexts(messages: Messages): ReceiptTexts {
  const money = (f: Money) => ({ amount: f.amountCentimes, refClient: f.refClient });
  return {
    receiptText(language, facts) {
      const bill = billLabel(facts.billNumbers);
      // The receipt number is the point of the message: if a value is unexpectedly long, the
      // remaining balance goes first, then the bill, then the reference (COMPOSITES in src/texts/messages.ts).
      return messages.compose(language, 'sms.receipt', [
        { key: 'sms.receipt.head', values: { amount: facts.amountCentimes } },
        bill === undefined ? undefined : { key: 'sms.receipt.bill', values: { bill } },
        { key: 'sms.receipt.ref', values: { refClient: facts.refClient } },
        { key: 'sms.receipt.acq', values: { numAcquit: facts.numAcquit } },
        facts.remainingCentimes === undefined ? undefined : { key: 'sms.receipt.rest', values: { remaining: facts.remainingCentimes } },
      ]);
    },
    appliedWithoutReceiptText: (language, facts) => messages.text(language, 'sms.notice.applied', { ...money(facts), reference: facts.reference }),
    underReviewText: (language, facts) => messages.text(language, 'sms.notice.review', { ...money(facts), reference: facts.reference }),
    paymentFailedText: (language, facts) => messages.text(language, 'sms.notice.failed', money(facts)),
    paymentRefusedText: (language, reason, facts) => messages.text(language, 'sms.notice.refused', { ...money(facts), reason }),
    notDebitedText: (language, reason, facts) => messages.text(language, 'sms.notice.not_debited', { ...money(facts), reason }),
    refundedText: (language, facts) => messages.text(language, 'sms.notice.refunded', money(facts)),
    refundFailedText: (language, facts) => messages.text(language, 'sms.notice.refund_failed', { ...money(facts), reference: facts.reference }),
    approveText: (language, how, facts) => messages.text(language, how === 'manual' ? 'sms.notice.approve_manual' : 'sms.notice.approve_revive', { ...money(facts), wallet: facts.wallet, dialCode: facts.dialCode }),
  };
}
