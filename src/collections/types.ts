/**
 * The collection port: how the payment job moves money out of (and back into) a subscriber's
 * mobile-money wallet. One real implementation (pawaPay v2) and one sandbox speak it; the job sees
 * only these types. Amounts are integer centimes (CDF × 100) on this side of the port: the
 * adapter alone turns them into the API's decimal strings.
 */

/** pawaPay's provider codes for the DRC wallets we collect CDF from. */
export const PROVIDERS = ['VODACOM_MPESA_COD', 'AIRTEL_COD', 'ORANGE_COD'] as const;
export type Provider = (typeof PROVIDERS)[number];

export function isProvider(value: string): value is Provider {
  return (PROVIDERS as readonly string[]).includes(value);
}

/**
 * How the subscriber approves a deposit (the active configuration's `pinPrompt`,
 * `pinPromptRevivable` and `pinPromptInstructions`). `manual`: no prompt appears by itself, the
 * subscriber raises it by dialling `dialCode`; `revivable`: a prompt that did not show (or expired)
 * can be brought back by dialling `dialCode`. Only the dial code is kept from pawaPay's instruction
 * texts (English or French, any alphabet): the subscriber is told in their own language, in our words.
 */
export interface PinPrompt {
  mode: 'automatic' | 'manual';
  revivable: boolean;
  /** A USSD code (`*150#`): digits, `*` and `#` only, so it is safe in any GSM-7 text. */
  dialCode: string | undefined;
}

/** What a provider accepts for a CDF deposit now (pawaPay's active configuration). */
export interface ProviderRules {
  provider: Provider;
  /** 0: whole francs only (`decimalsInAmount: NONE`); 2: centimes allowed (`TWO_PLACES`). */
  decimals: 0 | 2;
  minCentimes: number;
  maxCentimes: number;
  /** Deposits are `DELAYED` (active configuration or availability): they may take longer. Absent when operational. */
  delayed?: true;
  /** Absent: the wallet raises its PIN prompt by itself and it cannot be revived. */
  pinPrompt?: PinPrompt;
}

/** The answer to initiating a deposit or a refund. */
export type InitiateOutcome =
  /** pawaPay took it: a final status will follow (callback and status read). */
  | { kind: 'accepted' }
  /** The same id again: pawaPay already knows it, so the first initiation stands. */
  | { kind: 'duplicate_ignored' }
  /** Definitive: nothing was and nothing will be moved. `code` is pawaPay's `failureCode`. */
  | { kind: 'rejected'; code: string; message: string }
  /** May or may not have been received: read the status, and resend with the same id if NOT_FOUND. */
  | { kind: 'unknown'; reason: 'timeout' | 'network' | 'server_error' | 'bad_response'; message: string };

/** A status read (GET /v2/deposits/{id}, GET /v2/refunds/{id}): the truth about a transfer. */
export type TransferState =
  /** pawaPay has no such id: the initiation never arrived (resend it with the same id). */
  | { kind: 'not_found' }
  /** ACCEPTED, PROCESSING, IN_RECONCILIATION, …: not final yet, read again later. */
  | { kind: 'in_progress'; status: string }
  | { kind: 'completed'; amountCentimes: number; providerTransactionId: string | undefined }
  /** Final: nothing was moved. `code` is pawaPay's `failureCode` (see failure-codes.ts). */
  | { kind: 'failed'; code: string; message: string }
  /** Could not read now (no answer, 5xx, an answer we cannot parse): try again later. */
  | { kind: 'unavailable'; message: string };

export interface DepositRequest {
  /** UUIDv4, stored on the intent before the call: pawaPay's idempotency key. */
  depositId: string;
  amountCentimes: number;
  provider: Provider;
  phoneE164: string;
  /** 4–22 letters, digits or spaces (see customerMessageFor). */
  customerMessage: string;
  /** Our reference, shown on pawaPay's dashboard (the intent id). */
  clientReferenceId: string;
}

export interface RefundRequest {
  /** UUIDv4, stored before the call: pawaPay's idempotency key for the refund. */
  refundId: string;
  depositId: string;
  amountCentimes: number;
}

export interface CollectionPort {
  /** undefined: cannot tell, so the USSD asks the subscriber which wallet to use. */
  predictProvider(phoneE164: string): Promise<Provider | undefined>;
  /**
   * The providers that take CDF deposits now, with their decimals and limits. Cached; a built-in
   * fallback answers when pawaPay cannot be reached. A provider absent from the list is closed
   * (by its configuration or by pawaPay's availability). Never a call per hop: kept, and read again
   * in the background once old.
   */
  providerRules(): Promise<ProviderRules[]>;
  initiateDeposit(req: DepositRequest): Promise<InitiateOutcome>;
  depositStatus(depositId: string): Promise<TransferState>;
  initiateRefund(req: RefundRequest): Promise<InitiateOutcome>;
  refundStatus(refundId: string): Promise<TransferState>;
}
