import type { CheckDef } from './types';

/** `a > b` for two strings of digits without leading zeros (compared as numbers of any length). */
function digitsAbove(a: string, b: string): boolean {
  return a.length !== b.length ? a.length > b.length : a > b;
}

/**
 * The least a subscriber may type, whatever the configured minimum: ten francs, two digits. A single
 * digit is a menu key, and a gateway that sends only the newest input repeats a retried one on the
 * next screen: no typed amount may read as the key that confirms a payment (menus:check holds the
 * amount prompt to that with a two-digit pattern; this keeps the checks and the texts in step).
 */
export const TYPED_MIN_FRANCS = 10;

/** The smallest typed amount, in centimes: the configured minimum, or ten francs. */
export function typedMinimumCentimes(minPaymentCentimes: number): number {
  return Math.max(minPaymentCentimes, TYPED_MIN_FRANCS * 100);
}

/**
 * Whole francs typed on a keypad, checked against the minimum and the selected balance. The digits
 * are compared as text, so neither a long run of leading zeros nor a number past what a float holds
 * exactly can change the answer: anything above the balance is "too large", whatever its length.
 */
export const amountCheck: CheckDef = {
  run(input, vars, minPaymentCentimes) {
    if (!/^\d+$/.test(input)) return { ok: false, error: 'not_number' };
    const francs = input.replace(/^0+/, '');
    if (francs === '') return { ok: false, error: 'zero' };
    const balance = typeof vars.selectedBalance === 'number' && vars.selectedBalance > 0 ? vars.selectedBalance : 0;
    const maxFrancs = String(Math.floor(balance / 100));
    const minFrancs = String(Math.ceil(typedMinimumCentimes(minPaymentCentimes) / 100));
    if (digitsAbove(minFrancs, francs)) return { ok: false, error: 'below_min' };
    if (digitsAbove(francs, maxFrancs)) return { ok: false, error: 'above_balance' };
    // At most the balance's own digits now: a safe integer.
    return { ok: true, value: Number(francs) * 100 };
  },
};

/** Whether a typed amount can pass at all: the smallest typeable amount is within the balance. */
export function canTypeAmount(balanceCentimes: number, minPaymentCentimes: number): boolean {
  return Math.ceil(typedMinimumCentimes(minPaymentCentimes) / 100) * 100 <= balanceCentimes;
}
