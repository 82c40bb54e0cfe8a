import { z } from 'zod';
import { read } from './reads';
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
const amountReads = z.object({ selectedBalance: read.number, amountMin: read.number, amountMax: read.number });

export const amountCheck: CheckDef = {
  run(input, vars, minPaymentCentimes) {
    if (!/^\d+$/.test(input)) return { ok: false, error: 'not_number' };
    const francs = input.replace(/^0+/, '');
    if (francs === '') return { ok: false, error: 'zero' };
    // The bounds the selection (and the wallet's limits) set; the balance and the minimum otherwise.
    const v = amountReads.parse(vars);
    const balance = v.selectedBalance !== undefined && v.selectedBalance > 0 ? v.selectedBalance : 0;
    const max = v.amountMax ?? balance;
    const min = v.amountMin ?? typedMinimumCentimes(minPaymentCentimes);
    const maxFrancs = String(Math.floor(max / 100));
    const minFrancs = String(Math.ceil(min / 100));
    if (digitsAbove(minFrancs, francs)) return { ok: false, error: 'below_min' };
    if (digitsAbove(francs, maxFrancs)) return { ok: false, error: 'above_balance' };
    // At most the balance's own digits now: a safe integer.
    return { ok: true, value: Number(francs) * 100 };
  },
};

/** What the amount screen may offer for a selection: the exact balance, a typed amount, and its bounds. */
export interface AmountBounds {
  /** Smallest and largest typed amount, whole francs, in centimes. */
  min: number;
  max: number;
  /** A typed amount can pass at all. */
  typed: boolean;
  /** The exact balance can be paid (the wallet takes it, centimes included). */
  exact: boolean;
}

/** A wallet's limits for one deposit (pawaPay's active configuration). */
export interface WalletLimits {
  decimals: 0 | 2;
  minCentimes: number;
  maxCentimes: number;
}

/**
 * The amount rules in one place: typed amounts are whole francs from the typed minimum (and the
 * wallet's minimum) to the balance (and the wallet's maximum); the exact balance is offered when the
 * wallet takes it, since an amount the wallet would refuse must be refused on this screen, never
 * after the session ended. Without a wallet (the operator collects upstream) the balance decides.
 */
export function amountBounds(balanceCentimes: number, minPaymentCentimes: number, wallet?: WalletLimits): AmountBounds {
  const min = Math.ceil(Math.max(typedMinimumCentimes(minPaymentCentimes), wallet?.minCentimes ?? 0) / 100) * 100;
  const max = Math.floor(Math.min(balanceCentimes, wallet?.maxCentimes ?? Number.POSITIVE_INFINITY) / 100) * 100;
  const exact =
    balanceCentimes > 0 &&
    (wallet === undefined ||
      (balanceCentimes >= wallet.minCentimes && balanceCentimes <= wallet.maxCentimes && (wallet.decimals === 2 || balanceCentimes % 100 === 0)));
  return { min, max, typed: min <= max, exact };
}

/** The session values the amount and confirmation screens read, for these bounds. */
export function amountVars(b: AmountBounds): { amountMin: number; amountMax: number; otherAmount: true | null; exactAmount: true | null } {
  return { amountMin: b.min, amountMax: b.max, otherAmount: b.typed ? true : null, exactAmount: b.exact ? true : null };
}
