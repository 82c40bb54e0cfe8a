import { parsePhoneNumberFromString } from 'libphonenumber-js';
import { z } from 'zod';

/**
 * Phone numbers are keys (preferences, payments by phone, rate limits, SMS recipients), so every
 * number is brought to one form, E.164 (`+243812345990`), once, where it enters the product.
 * Gateways and forms send `+243…`, `243…` (no plus), ` 243…` (a `+` a form body turned into a
 * space), `00243…` or the national `081…`; national numbers are read as the DRC's.
 */
const DEFAULT_COUNTRY = 'CD';

/** A DRC mobile number already in E.164, as gateways send nearly every hop: no parsing needed. */
const DRC_E164 = /^\+243[1-9]\d{8}$/;

export function toE164(raw: string): string | undefined {
  if (DRC_E164.test(raw)) return raw;
  let v = raw.trim().replace(/[\s().-]/g, '');
  if (v.startsWith('00')) v = `+${v.slice(2)}`;
  // Eleven digits or more without a plus is an international number missing its `+`.
  if (/^\d{11,15}$/.test(v)) v = `+${v}`;
  if (!/^\+?\d{6,15}$/.test(v)) return undefined;
  const parsed = parsePhoneNumberFromString(v, DEFAULT_COUNTRY);
  if (parsed === undefined || !parsed.isPossible()) return undefined;
  return parsed.number;
}

/** A zod field for a phone number from outside: E.164 out, a clear message for anything else. */
export const phoneSchema = z
  .string()
  .max(32)
  .transform((v, ctx) => {
    const e164 = toE164(v);
    if (e164 === undefined) {
      ctx.addIssue({ code: 'custom', message: 'must be a phone number such as +243812345990' });
      return z.NEVER;
    }
    return e164;
  });
