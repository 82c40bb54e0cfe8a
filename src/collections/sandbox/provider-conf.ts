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
  depositStatus: 'OPERATIONAL' | 'DELAYED' | 'CLOSED';
}

/**
 * Plausible DRC settings: two providers take centimes, Orange takes whole francs only, so the
 * product's decimals handling is exercised end to end.
 */
export const DEFAULT_PROVIDER_CONF: readonly SandboxProviderConf[] = [
  { provider: 'VODACOM_MPESA_COD', displayName: 'Vodacom M-Pesa', decimals: 2, minAmount: '100', maxAmount: '2500000', depositStatus: 'OPERATIONAL' },
  { provider: 'AIRTEL_COD', displayName: 'Airtel Money', decimals: 2, minAmount: '100', maxAmount: '2000000', depositStatus: 'OPERATIONAL' },
  { provider: 'ORANGE_COD', displayName: 'Orange Money', decimals: 0, minAmount: '500', maxAmount: '1500000', depositStatus: 'OPERATIONAL' },
];

function operation(p: SandboxProviderConf, type: 'DEPOSIT' | 'REFUND', callbackUrl: string | undefined): Record<string, unknown> {
  const common = {
    minAmount: p.minAmount,
    maxAmount: p.maxAmount,
    decimalsInAmount: p.decimals === 0 ? 'NONE' : 'TWO_PLACES',
    status: type === 'DEPOSIT' ? p.depositStatus : 'OPERATIONAL',
    ...(callbackUrl ? { callbackUrl } : {}),
  };
  return type === 'DEPOSIT' ? { authType: 'PROVIDER_AUTH', pinPrompt: 'AUTOMATIC', pinPromptRevivable: false, ...common } : common;
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
