import type { Provider } from './types';

/**
 * The DRC's mobile prefixes (the two digits after +243) by wallet operator: what the number says
 * when pawaPay's predict-provider cannot answer. Numbers move between operators (portability), so
 * this is a fallback, never a replacement for the API; an unknown prefix gives undefined and the
 * USSD asks the subscriber.
 */
const DRC_PREFIXES: Readonly<Record<string, Provider>> = {
  '81': 'VODACOM_MPESA_COD',
  '82': 'VODACOM_MPESA_COD',
  '83': 'VODACOM_MPESA_COD',
  '97': 'AIRTEL_COD',
  '98': 'AIRTEL_COD',
  '99': 'AIRTEL_COD',
  '84': 'ORANGE_COD',
  '85': 'ORANGE_COD',
  '89': 'ORANGE_COD',
};

/** A DRC mobile number: +243 then nine digits. */
const DRC_MOBILE = /^\+243(\d{9})$/;

export function providerFromPrefix(phoneE164: string): Provider | undefined {
  const m = DRC_MOBILE.exec(phoneE164);
  if (!m) return undefined;
  return DRC_PREFIXES[(m[1] ?? '').slice(0, 2)];
}
