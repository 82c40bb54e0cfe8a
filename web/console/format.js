// @ts-check
import { currentLang } from './i18n.js';

/**
 * Amounts in CDF the French way, `17 865,57 CDF` (as src/money.ts formatCdf), from integer
 * centimes: no float arithmetic.
 * @param {number} centimes
 */
export function cdf(centimes) {
  const sign = centimes < 0 ? '-' : '';
  const abs = Math.abs(centimes);
  const whole = String(Math.floor(abs / 100)).replace(/\B(?=(\d{3})+(?!\d))/g, '\u202f');
  const frac = abs % 100;
  return `${sign}${whole}${frac === 0 ? '' : ',' + String(frac).padStart(2, '0')}\u00a0CDF`;
}

/** Kinshasa has no daylight saving: UTC+1 all year. */
const KINSHASA_MS = 3_600_000;

/**
 * An instant as a Kinshasa date and time, `2026-12-01 10:42:58`.
 * @param {string | null | undefined} iso
 */
export function when(iso) {
  if (iso === null || iso === undefined) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return new Date(d.getTime() + KINSHASA_MS).toISOString().replace('T', ' ').slice(0, 19);
}

/**
 * A day in Kinshasa, `days` from today (-1: yesterday).
 * @param {number} days
 */
export function kinshasaDay(days = 0) {
  return new Date(Date.now() + KINSHASA_MS + days * 86_400_000).toISOString().slice(0, 10);
}

/** @param {number} n */
export function count(n) {
  return n.toLocaleString(currentLang() === 'fr' ? 'fr-FR' : 'en-GB');
}
