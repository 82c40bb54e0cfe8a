import type { Language } from '../language';
import type { Centimes } from '../money';
import type { Province } from '../provinces';

/** What the confirm screen hands to the payment service. */
export interface PaymentRequest {
  /** The USSD session: the intent's key derives from it, so a replayed confirm creates nothing new. */
  sessionId: string;
  phoneNumber: string;
  language: Language;
  refClient: string;
  province: Province;
  subscriberName: string;
  /** The selected bills with their balances as the subscriber saw them (the snapshot). */
  bills: Array<{ faeId: string; billNumber: string; issuedOn: string; balanceCentimes: Centimes }>;
  amountCentimes: Centimes;
}

export type ConfirmOutcome =
  /** PayFact answered within the hop's wait: the receipt number can be shown at once. */
  | { kind: 'succeeded'; numAcquit: string; amountCentimes: Centimes; remainingCentimes: Centimes | undefined }
  /** The money landed but REGIDESO's answer was lost: recorded under our own reference. */
  | { kind: 'applied_without_receipt'; reference: string; amountCentimes: Centimes }
  /** Still running when the hop had to answer: the receipt follows by SMS. */
  | { kind: 'pending'; amountCentimes: Centimes }
  /** Refused before or by PayFact; no money moved. */
  | {
      kind: 'refused';
      reason:
        | 'amount_above_balance'
        | 'amount_below_minimum'
        | 'no_unpaid_bill'
        | 'bills_already_paid'
        | 'bills_not_owned'
        | 'client_not_found'
        | 'rejected';
      message: string;
    }
  /** Could not even be queued (Redis down): no money moved, the subscriber may try again. */
  | { kind: 'failed'; message: string };

export interface PaymentService {
  confirm(req: PaymentRequest): Promise<ConfirmOutcome>;
}

export type PaymentStatus = 'pending' | 'submitted' | 'succeeded' | 'failed' | 'uncertain' | 'reconciled';

/** A payment as kept in the records (Redis), findable by num_acquit and by phone number. */
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
  numAcquit: string | undefined;
  /** True when numAcquit is ours, not REGIDESO's (flagged for the operator). */
  ownReference: boolean;
  remainingCentimes: Centimes | undefined;
  failureMessage: string | undefined;
  createdAt: string;
  updatedAt: string;
}

export interface PaymentRecords {
  get(intentId: string): Promise<PaymentRecord | undefined>;
  findByNumAcquit(numAcquit: string): Promise<PaymentRecord | undefined>;
  /** Newest first. */
  recentByPhone(phoneNumber: string, limit: number): Promise<PaymentRecord[]>;
}
