import type { DepositFailureKind } from '../collections/failure-codes';
import type { PinPrompt, Provider } from '../collections/types';
import type { Language } from '../language';
import type { Centimes } from '../money';
import type { Province } from '../provinces';

/** What the confirm screen hands to the payment service. */
export interface PaymentRequest {
  sessionId: string;
  /**
   * Drawn when the USSD session was created: with the session id it names the intent, so a
   * gateway that reuses a session id can never be answered with an older intent's outcome.
   */
  sessionNonce: string;
  phoneNumber: string;
  language: Language;
  refClient: string;
  province: Province;
  subscriberName: string;
  /** The selected bills with their balances as the subscriber saw them (the snapshot). */
  bills: Array<{ faeId: string; billNumber: string; issuedOn: string; balanceCentimes: Centimes }>;
  amountCentimes: Centimes;
  /** The wallet to debit when the money is collected first; unused when the operator collects upstream. */
  provider?: Provider | undefined;
}

export const REFUSAL_REASONS = [
  'amount_above_balance',
  'amount_below_minimum',
  'no_unpaid_bill',
  'bills_already_paid',
  'bills_not_owned',
  'client_not_found',
  'rejected',
] as const;
export type RefusalReason = (typeof REFUSAL_REASONS)[number];

export type ConfirmOutcome =
  /** PayFact answered within the hop's wait: the receipt number can be shown at once. */
  | { kind: 'succeeded'; numAcquit: string; amountCentimes: Centimes; remainingCentimes: Centimes | null }
  /** The money landed but REGIDESO's answer was lost: recorded under our own reference. */
  | { kind: 'applied_without_receipt'; reference: string; amountCentimes: Centimes }
  /** Recorded; still running when the hop had to answer: the outcome follows by SMS. */
  | { kind: 'pending'; amountCentimes: Centimes }
  /**
   * Recorded; the wallet will ask the subscriber to approve the debit with a PIN once the session
   * ends. `prompt`: how the subscriber raises that prompt when the wallet does not (or not surely)
   * do it by itself; `delayed`: the wallet's deposits are slow now.
   */
  | { kind: 'collecting'; amountCentimes: Centimes; provider: Provider; prompt?: PinPrompt; delayed?: true }
  /** The wallet refused the deposit at once (no such wallet, provider closed, amount refused): nothing taken. */
  | { kind: 'wallet_refused'; reason: DepositFailureKind; provider: Provider; amountCentimes: Centimes }
  /** The wallet takes no deposit now (pawaPay says CLOSED): nothing recorded, nothing started. */
  | { kind: 'wallet_closed'; provider: Provider }
  /** Refused before or by PayFact; no money moved. */
  | { kind: 'refused'; reason: RefusalReason; message: string }
  /** Nothing was taken and nothing will happen (failed at once): the subscriber may try again. */
  | { kind: 'failed'; message: string }
  /** The ledger could not record it (down, unreachable): nothing was taken, nothing will happen; try again later. */
  | { kind: 'not_recorded' }
  /** We cannot tell whether it was recorded (COMMIT sent, no answer, no read since): if it was, its SMS will say so. */
  | { kind: 'unknown'; amountCentimes: Centimes }
  /** Another payment of this account (from any phone) is open: nothing started; its outcome follows by SMS to its payer. */
  | { kind: 'under_way'; amountCentimes: Centimes }
  /** A replayed confirm that does not match what this session confirmed before: refused, nothing told. */
  | { kind: 'mismatch' };

export interface PaymentService {
  confirm(req: PaymentRequest): Promise<ConfirmOutcome>;
}

export type PaymentStatus =
  | 'pending'
  | 'collecting'
  | 'collected'
  | 'submitted'
  | 'uncertain'
  | 'refunding'
  | 'succeeded'
  | 'reconciled'
  | 'failed'
  | 'refunded'
  | 'refund_failed'
  | 'partial';

/** A payment as the records show it (SMS lookups, the operator's views). */
export interface PaymentRecord {
  intentId: string;
  sessionId: string;
  phoneNumber: string;
  language: Language;
  refClient: string;
  province: Province;
  subscriberName: string;
  billIds: string[];
  amountCentimes: Centimes;
  status: PaymentStatus;
  /** REGIDESO's receipt number, or our own reference when the money landed but the answer was lost. */
  numAcquit: string | null;
  /** True when numAcquit is ours, not REGIDESO's. */
  ownReference: boolean;
  remainingCentimes: Centimes | null;
  failureMessage: string | null;
  collection: 'wallet' | 'none';
  provider: Provider | null;
  depositId: string | null;
  depositStatus: string | null;
  providerTransactionId: string | null;
  refundId: string | null;
  refundStatus: string | null;
  flagReason: string | null;
  flaggedAt: string | null;
  resolvedAt: string | null;
  /** Who cleared the flag (the operator's name from their key) and what they wrote. */
  resolvedBy: string | null;
  resolutionNote: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface PaymentRecords {
  get(intentId: string): Promise<PaymentRecord | undefined>;
  findByNumAcquit(numAcquit: string): Promise<PaymentRecord | undefined>;
  /** Newest first. */
  recentByPhone(phoneNumber: string, limit: number): Promise<PaymentRecord[]>;
}
