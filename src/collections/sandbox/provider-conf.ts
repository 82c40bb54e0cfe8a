import type { Provider } from '../types';

/** One provider's CDF settings in the sandbox's active configuration. */
export interface SandboxProviderConf {
  provider: Provider;
  displayName: string;
  /** 0 → `decimalsInAmount: NONE`, 2 → `TWO_PLACES`. Deposits and refunds alike. */
  decimals: 0 | 2;
  /** pawaPay's amount strings, in francs. */
  minAmount: string;
  maxAmount: string;
  depositStatus: DepositStatusNow;
  /**
   * MANUAL: the wallet shows no prompt by itself; the subscriber dials `dialCode` to raise it.
   * Default AUTOMATIC. `revivable`: a prompt that did not show can be raised again by dialling it.
   */
  pinPrompt?: { mode: 'AUTOMATIC' | 'MANUAL'; revivable: boolean; dialCode: string };
}

export type DepositStatusNow = 'OPERATIONAL' | 'DELAYED' | 'CLOSED';
export const DEPOSIT_STATUSES: readonly DepositStatusNow[] = ['OPERATIONAL', 'DELAYED', 'CLOSED'];

/**
 * Plausible DRC settings: two providers take centimes, Orange takes whole francs only, so the
 * product's decimals handling is exercised end to end.
 */
export const DEFAULT_PROVIDER_CONF: readonly SandboxProviderConf[] = [
  { provider: 'VODACOM_MPESA_COD', displayName: 'Vodacom M-Pesa', decimals: 2, minAmount: '100', maxAmount: '2500000', depositStatus: 'OPERATIONAL' },
  { provider: 'AIRTEL_COD', displayName: 'Airtel Money', decimals: 2, minAmount: '100', maxAmount: '2000000', depositStatus: 'OPERATIONAL' },
  // Orange Money's prompt is MANUAL here: the subscriber dials *144# and chooses 1 to see it.
  { provider: 'ORANGE_COD', displayName: 'Orange Money', decimals: 0, minAmount: '500', maxAmount: '1500000', depositStatus: 'OPERATIONAL', pinPrompt: { mode: 'MANUAL', revivable: true, dialCode: '*144#' } },
];

/**
 * pawaPay's instructions for a prompt the subscriber raises, shaped like its active configuration:
 * per channel, per language, a text with its template and variables (the French one holds a
 * character outside GSM-7, as real ones may: the product must not show it as it is).
 */
function pinPromptInstructions(dialCode: string): Record<string, unknown> {
  const step = (text: string, template: string) => ({ text: text.replace('{{shortCode}}', dialCode), template, variables: { shortCode: dialCode } });
  return {
    channels: [
      {
        type: 'USSD',
        displayName: { en: 'Approve on your phone', fr: 'Approuver sur votre téléphone' },
        quickLink: `tel:${encodeURIComponent(dialCode)}`,
        instructions: {
          en: [step('Dial {{shortCode}} and choose 1 to approve', 'Dial {{shortCode}} and choose 1 to approve'), step('Enter your PIN to confirm', 'Enter your PIN to confirm')],
          fr: [step('Composez {{shortCode}} et choisissez 1 pour approuver', 'Composez {{shortCode}} et choisissez 1 pour approuver'), step('Entrez votre PIN pour être débité', 'Entrez votre PIN pour être débité')],
        },
      },
    ],
  };
}

function operation(p: SandboxProviderConf, type: 'DEPOSIT' | 'REFUND', callbackUrl: string | undefined): Record<string, unknown> {
  const common = {
    minAmount: p.minAmount,
    maxAmount: p.maxAmount,
    decimalsInAmount: p.decimals === 0 ? 'NONE' : 'TWO_PLACES',
    status: type === 'DEPOSIT' ? p.depositStatus : 'OPERATIONAL',
    ...(callbackUrl ? { callbackUrl } : {}),
  };
  if (type !== 'DEPOSIT') return common;
  const prompt = p.pinPrompt;
  return {
    authType: 'PROVIDER_AUTH',
    pinPrompt: prompt?.mode ?? 'AUTOMATIC',
    pinPromptRevivable: prompt?.revivable ?? false,
    ...(prompt ? { pinPromptInstructions: pinPromptInstructions(prompt.dialCode) } : {}),
    ...common,
  };
}

/** GET /v2/active-conf, shaped like the live API (operation types keyed by type). */
export function activeConfBody(
  providers: readonly SandboxProviderConf[],
  query: { country?: string; operationType?: string },
  extra: { signedCallbacks: boolean; depositCallbackUrl?: string; refundCallbackUrl?: string },
): Record<string, unknown> {
  const types = (['DEPOSIT', 'REFUND'] as const).filter((t) => !query.operationType || query.operationType === t);
  const countries =
    query.country && query.country !== 'COD'
      ? []
      : [
          {
            country: 'COD',
            displayName: { en: 'DR Congo', fr: 'RD Congo' },
            prefix: '243',
            flag: 'https://static-content.pawapay.io/country_flags/cod.svg',
            providers: providers.map((p) => ({
              provider: p.provider,
              displayName: p.displayName,
              nameDisplayedToCustomer: 'REGIDESO',
              currencies: [
                {
                  currency: 'CDF',
                  displayName: 'FC',
                  operationTypes: Object.fromEntries(types.map((t) => [t, operation(p, t, t === 'DEPOSIT' ? extra.depositCallbackUrl : extra.refundCallbackUrl)])),
                },
                // A second currency, as the live configuration has: consumers must pick CDF.
                ...(p.provider === 'VODACOM_MPESA_COD'
                  ? [{ currency: 'USD', displayName: '$', operationTypes: Object.fromEntries(types.map((t) => [t, { minAmount: '0.5', maxAmount: '1000', decimalsInAmount: 'TWO_PLACES', status: 'OPERATIONAL' }])) }]
                  : []),
              ],
            })),
          },
        ];
  return {
    companyName: 'REGIDESO (sandbox wallet)',
    signatureConfiguration: { signedRequestsOnly: false, signedCallbacks: extra.signedCallbacks },
    countries,
  };
}

/** GET /v2/availability: each provider's status per operation type, as pawaPay's operations team sets it. */
export function availabilityBody(providers: readonly SandboxProviderConf[], query: { country?: string; operationType?: string }): unknown[] {
  if (query.country && query.country !== 'COD') return [];
  const types = (['DEPOSIT', 'PAYOUT', 'REFUND'] as const).filter((t) => !query.operationType || query.operationType === t);
  return [
    {
      country: 'COD',
      providers: providers.map((p) => ({
        provider: p.provider,
        operationTypes: types.map((t) => ({ operationType: t, status: t === 'DEPOSIT' ? p.depositStatus : 'OPERATIONAL' })),
      })),
    },
  ];
}
