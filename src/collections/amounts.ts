/**
 * pawaPay carries amounts as decimal strings ("100", "17865.57"); we carry integer centimes. Both
 * directions are exact text conversions: a float never touches money, and an amount a provider
 * cannot take is refused rather than rounded (rounding money is a decision for a person, not a
 * formatter).
 */

/** pawaPay's longest amount string. */
const MAX_AMOUNT_LENGTH = 23;

/**
 * Centimes → the API's amount string for a provider taking `decimals` places: `100` for whole
 * francs (valid whatever the provider), `17865.57` otherwise. undefined when the amount cannot be
 * sent: not a positive whole number of centimes, or centimes for a provider that takes none.
 */
export function amountString(centimes: number, decimals: 0 | 2): string | undefined {
  if (!Number.isSafeInteger(centimes) || centimes <= 0) return undefined;
  const whole = Math.floor(centimes / 100);
  const frac = centimes % 100;
  if (frac !== 0 && decimals === 0) return undefined;
  const text = frac === 0 ? String(whole) : `${whole}.${String(frac).padStart(2, '0')}`;
  return text.length <= MAX_AMOUNT_LENGTH ? text : undefined;
}

/** The exact text of an amount, centimes included only when there are some. */
export function exactAmountString(centimes: number): string | undefined {
  return amountString(centimes, centimes % 100 === 0 ? 0 : 2);
}

// pawaPay's own rule: no leading zeros except "0.x", at most two decimals, no sign, no bare dot.
const API_AMOUNT = /^(0|[1-9]\d*)(?:\.(\d{1,2}))?$/;

/** An amount string from pawaPay (or sent to the sandbox) → centimes; undefined when malformed. */
export function parseApiAmount(text: string): number | undefined {
  if (text.length > MAX_AMOUNT_LENGTH) return undefined;
  const m = API_AMOUNT.exec(text);
  if (!m) return undefined;
  const whole = Number(m[1]);
  const frac = Number((m[2] ?? '').padEnd(2, '0'));
  const centimes = whole * 100 + frac;
  return Number.isSafeInteger(centimes) ? centimes : undefined;
}

/** The number of decimal places an API amount string carries (0, 1 or 2). */
export function decimalsOf(text: string): number {
  const dot = text.indexOf('.');
  return dot < 0 ? 0 : text.length - dot - 1;
}
