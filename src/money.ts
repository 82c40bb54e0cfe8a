/**
 * Money is integer centimes (CDF × 100) from the moment it is parsed. REGIDESO sends amounts as
 * strings ("17865.57", "0") or numbers (17765.57); both are parsed as decimal text, never as floats,
 * so no binary rounding can change an amount. More than two decimals is not an amount: undefined.
 */
export type Centimes = number;

// At most two decimals: a third digit is not an amount we can hold exactly, so it is refused, not cut.
const DECIMAL = /^(-)?(\d+)(?:[.,](\d{1,2}))?$/;

/** Parses a decimal amount in francs into centimes; undefined when it is not a number. */
export function parseCentimes(value: string | number): Centimes | undefined {
  const text = typeof value === 'number' ? numberToText(value) : value.trim();
  if (text === undefined) return undefined;
  const m = DECIMAL.exec(text);
  if (!m) return undefined;
  const [, sign, whole, frac = ''] = m;
  const centimes = Number(whole) * 100 + Number(frac.padEnd(2, '0'));
  if (!Number.isSafeInteger(centimes)) return undefined;
  // `-0` is zero: a negative sign on nothing must not reach a comparison or a record.
  return sign !== undefined && centimes !== 0 ? -centimes : centimes;
}

/**
 * A JSON number such as 17765.57 → "17765.57": JavaScript prints a number as the shortest text
 * that reads back to it, so an amount sent with two decimals comes back as those digits, and no
 * arithmetic on the float is needed (a number with more digits than centimes is refused).
 */
function numberToText(n: number): string | undefined {
  return Number.isFinite(n) ? String(n) : undefined;
}

/** Centimes → the decimal text REGIDESO expects in PayFact ("100", "17865.57"). */
export function centimesToDecimal(c: Centimes): string {
  const sign = c < 0 ? '-' : '';
  const abs = Math.abs(c);
  const whole = Math.floor(abs / 100);
  const frac = abs % 100;
  return frac === 0 ? `${sign}${whole}` : `${sign}${whole}.${String(frac).padStart(2, '0')}`;
}

/**
 * Centimes → francs with always two decimals (`17865.57`, `100.00`), for files a spreadsheet
 * reads as numbers: integer arithmetic only, so no amount is ever off by a binary rounding.
 */
export function centimesToCdfText(c: Centimes): string {
  const abs = Math.abs(c);
  const frac = abs % 100;
  return `${c < 0 ? '-' : ''}${(abs - frac) / 100}.${String(frac).padStart(2, '0')}`;
}

/** French style for people: `17 865,57 CDF`; whole amounts drop the centimes: `100 CDF`. */
export function formatCdf(c: Centimes): string {
  const sign = c < 0 ? '-' : '';
  const abs = Math.abs(c);
  const whole = String(Math.floor(abs / 100)).replace(/\B(?=(\d{3})+(?!\d))/g, ' ');
  const frac = abs % 100;
  return `${sign}${whole}${frac === 0 ? '' : ',' + String(frac).padStart(2, '0')} CDF`;
}
