import type { Centimes } from '../money';
import type { Province } from '../provinces';

/** A bill as the domain sees it: amounts in centimes, names trimmed, dates as `YYYY-MM-DD`. */
export interface Bill {
  faeId: string;
  refClient: string;
  subscriberName: string;
  billNumber: string;
  /** Issue date, `YYYY-MM-DD` (REGIDESO sends `2024-03-31 00:00:00` or `31-03-2024`). */
  issuedOn: string;
  agency: string;
  province: Province;
  amountCentimes: Centimes;
  paidCentimes: Centimes;
  balanceCentimes: Centimes;
}

/** Failures every call can meet. `unavailable`: timeout, network error or 5xx. */
export type CommonFailure =
  | { kind: 'unauthorized'; message: string }
  | { kind: 'unavailable'; reason: 'timeout' | 'network' | 'server_error' | 'bad_response'; message: string };

export type GetBillsOutcome =
  | { kind: 'ok'; bills: Bill[] }
  | { kind: 'client_not_found'; message: string }
  | CommonFailure;

export interface PayRequest {
  refClient: string;
  province: Province;
  billIds: string[];
  amountCentimes: Centimes;
  /** When the subscriber paid; sent as the province's local time. */
  paidAt: Date;
}

export interface PaidBill {
  faeId: string;
  billNumber: string;
  subscriberName: string;
  paidCentimes: Centimes;
  balanceAfterCentimes: Centimes;
}

export type PayOutcome =
  | {
      kind: 'paid';
      numAcquit: string;
      bills: PaidBill[];
      /** What the subscriber still owes on all bills, when REGIDESO says it. */
      totalDebtCentimes: Centimes | undefined;
      unpaidBillCount: number | undefined;
    }
  | { kind: 'no_unpaid_bill'; message: string }
  | { kind: 'bills_not_owned'; message: string }
  | { kind: 'client_not_found'; message: string }
  /** Any other definitive `success: false`: never retried. */
  | { kind: 'rejected'; message: string }
  | { kind: 'unauthorized'; message: string }
  /** Timeout, reset or 5xx after the request may have reached REGIDESO: the money may have landed. */
  | { kind: 'uncertain'; reason: 'timeout' | 'network' | 'server_error' | 'bad_response'; message: string };

export interface Transaction {
  numAcquit: string;
  status: 'succès' | 'échec';
  refClient: string;
  subscriberName: string;
  totalPaidCentimes: Centimes;
  transactionCount: number;
  /** `YYYY-MM-DD HH:mm:ss` as REGIDESO sends it. */
  paidAt: string;
  operator: string;
}

export type VerifyOutcome =
  | { kind: 'ok'; transaction: Transaction }
  | { kind: 'not_found'; message: string }
  | CommonFailure;

export interface RegidesoClient {
  getBills(refClient: string, province: Province): Promise<GetBillsOutcome>;
  payBills(req: PayRequest): Promise<PayOutcome>;
  verifyTransaction(numAcquit: string, province: Province): Promise<VerifyOutcome>;
  /** For /readyz: true when REGIDESO answers at all (any HTTP status below 500). */
  ping(): Promise<boolean>;
}
