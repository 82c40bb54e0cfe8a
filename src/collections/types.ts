/** The collection port (pawaPay v2 shape): placeholder until the adapter branch lands. */
export const PROVIDERS = ['VODACOM_MPESA_COD', 'AIRTEL_COD', 'ORANGE_COD'] as const;
export type Provider = (typeof PROVIDERS)[number];
export interface ProviderRules {
  provider: Provider;
  decimals: 0 | 2;
  minCentimes: number;
  maxCentimes: number;
}
export type InitiateOutcome =
  | { kind: 'accepted' }
  | { kind: 'duplicate_ignored' }
  | { kind: 'rejected'; code: string; message: string }
  | { kind: 'unknown'; reason: 'timeout' | 'network' | 'server_error' | 'bad_response'; message: string };
export type TransferState =
  | { kind: 'not_found' }
  | { kind: 'in_progress'; status: string }
  | { kind: 'completed'; amountCentimes: number; providerTransactionId: string | undefined }
  | { kind: 'failed'; code: string; message: string }
  | { kind: 'unavailable'; message: string };
export interface CollectionPort {
  predictProvider(phoneE164: string): Promise<Provider | undefined>;
  providerRules(): Promise<ProviderRules[]>;
  initiateDeposit(req: { depositId: string; amountCentimes: number; provider: Provider; phoneE164: string; customerMessage: string; clientReferenceId: string }): Promise<InitiateOutcome>;
  depositStatus(depositId: string): Promise<TransferState>;
  initiateRefund(req: { refundId: string; depositId: string; amountCentimes: number }): Promise<InitiateOutcome>;
  refundStatus(refundId: string): Promise<TransferState>;
}
