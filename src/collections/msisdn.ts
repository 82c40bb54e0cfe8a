/**
 * pawaPay names a wallet by its MSISDN: the E.164 digits without the plus (`243812345990`). The
 * product keeps E.164 (`+243812345990`, see src/phone.ts); these two functions are the only
 * crossing between the forms.
 */
const E164 = /^\+[1-9]\d{6,14}$/;
const MSISDN = /^[1-9]\d{6,14}$/;

/** `+243812345990` → `243812345990`; undefined for anything that is not E.164. */
export function msisdnFromE164(phoneE164: string): string | undefined {
  return E164.test(phoneE164) ? phoneE164.slice(1) : undefined;
}

/** `243812345990` → `+243812345990`; undefined for anything that is not an MSISDN. */
export function e164FromMsisdn(msisdn: string): string | undefined {
  return MSISDN.test(msisdn) ? `+${msisdn}` : undefined;
}
