/**
 * pawaPay's failure codes (v2 `failureReason.failureCode`) grouped by what the subscriber is told,
 * so SMS texts map from one place. Codes not listed fall into `other`: "the payment did not go
 * through, you were not debited".
 */
export type DepositFailureKind = 'insufficient_balance' | 'not_approved' | 'limit_reached' | 'wallet_not_found' | 'amount_refused' | 'provider_unavailable' | 'other';

const KINDS: Readonly<Record<string, DepositFailureKind>> = {
  INSUFFICIENT_BALANCE: 'insufficient_balance',
  PAYMENT_NOT_APPROVED: 'not_approved',
  // v2 names it WALLET_LIMIT_REACHED; the v1 sandbox tables still say PAYER_LIMIT_REACHED.
  WALLET_LIMIT_REACHED: 'limit_reached',
  PAYER_LIMIT_REACHED: 'limit_reached',
  PAYER_NOT_FOUND: 'wallet_not_found',
  INVALID_PHONE_NUMBER: 'wallet_not_found',
  AMOUNT_OUT_OF_BOUNDS: 'amount_refused',
  INVALID_AMOUNT: 'amount_refused',
  PROVIDER_TEMPORARILY_UNAVAILABLE: 'provider_unavailable',
};

export function depositFailureKind(code: string): DepositFailureKind {
  return KINDS[code] ?? 'other';
}
