/**
 * The sandbox wallet's test numbers: the last two digits of the payer's number decide what happens
 * to a deposit, the way pawaPay's own sandbox uses fixed MSISDNs. Any prefix works (`+24381234599x`
 * is Vodacom, `+24397…` Airtel, `+24384…` Orange), so each outcome can be tried with each wallet.
 *
 * | ending          | deposit                                                                  | callback |
 * |-----------------|--------------------------------------------------------------------------|----------|
 * | 90, and any ending not listed | PIN prompt; approved after the delay unless a phone shows it, then waits for the PIN | yes |
 * | 91              | FAILED INSUFFICIENT_BALANCE after the delay                              | yes      |
 * | 92              | FAILED PAYMENT_NOT_APPROVED after the delay (the subscriber ignored the prompt) | yes |
 * | 93              | stuck: ACCEPTED, then PROCESSING, never final                            | never    |
 * | 94              | approved like 90, but the callback is lost (only a status read tells)    | never    |
 * | 95              | REJECTED at initiation: INVALID_PHONE_NUMBER (no such wallet number)    | no       |
 * | 96              | approved like 90; any refund of it then FAILS (UNSPECIFIED_FAILURE)     | yes      |
 * | 97              | FAILED PAYER_NOT_FOUND after the delay (the number has no wallet)        | yes      |
 * | 98              | FAILED WALLET_LIMIT_REACHED after the delay                              | yes      |
 *
 * Refunds complete after the refund delay, except those of a deposit from a …96 number.
 */
export type DepositScenario =
  | { kind: 'approve'; callbackLost: boolean; refundFails: boolean }
  | { kind: 'fail'; code: string; message: string }
  | { kind: 'stuck' }
  | { kind: 'reject'; code: string; message: string };

const APPROVE: DepositScenario = { kind: 'approve', callbackLost: false, refundFails: false };

const BY_ENDING: Readonly<Record<string, DepositScenario>> = {
  '90': APPROVE,
  '91': { kind: 'fail', code: 'INSUFFICIENT_BALANCE', message: 'The customer does not have enough funds to complete this payment.' },
  '92': { kind: 'fail', code: 'PAYMENT_NOT_APPROVED', message: 'The customer did not authorize the payment.' },
  '93': { kind: 'stuck' },
  '94': { kind: 'approve', callbackLost: true, refundFails: false },
  '95': { kind: 'reject', code: 'INVALID_PHONE_NUMBER', message: 'The phone number is not valid for the provider.' },
  '96': { kind: 'approve', callbackLost: false, refundFails: true },
  '97': { kind: 'fail', code: 'PAYER_NOT_FOUND', message: 'The phone number does not belong to a mobile money wallet.' },
  '98': { kind: 'fail', code: 'WALLET_LIMIT_REACHED', message: "The customer has reached their wallet's transaction limit." },
};

export function scenarioFor(msisdn: string): DepositScenario {
  return BY_ENDING[msisdn.slice(-2)] ?? APPROVE;
}

/** For the CLI and the README: one line per ending. */
export const TEST_NUMBER_GUIDE: ReadonlyArray<{ example: string; what: string }> = [
  { example: '+243812345990', what: 'approved (PIN prompt; auto-approved when no phone shows it)' },
  { example: '+243812345991', what: 'FAILED INSUFFICIENT_BALANCE' },
  { example: '+243812345992', what: 'FAILED PAYMENT_NOT_APPROVED' },
  { example: '+243812345993', what: 'stuck in PROCESSING, no callback' },
  { example: '+243812345994', what: 'COMPLETED, callback lost (status read only)' },
  { example: '+243812345995', what: 'REJECTED at initiation: INVALID_PHONE_NUMBER' },
  { example: '+243812345996', what: 'COMPLETED; its refunds FAIL' },
  { example: '+243812345997', what: 'FAILED PAYER_NOT_FOUND' },
  { example: '+243812345998', what: 'FAILED WALLET_LIMIT_REACHED' },
];
