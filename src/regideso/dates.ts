/**
 * REGIDESO writes dates two ways in the same API (`2024-03-31 00:00:00` on GetFact, `31-03-2024`
 * on PayFact); the domain only ever sees `YYYY-MM-DD`.
 */
const ISO_LIKE = /^(\d{4})-(\d{2})-(\d{2})(?:[ T]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/;
const DAY_FIRST = /^(\d{2})[-/](\d{2})[-/](\d{4})(?: \d{2}:\d{2}(?::\d{2})?)?$/;

/** `YYYY-MM-DD` for a real calendar date, undefined for anything else. */
export function normaliseDate(text: string): string | undefined {
  const t = text.trim();
  let y: string | undefined;
  let m: string | undefined;
  let d: string | undefined;
  const iso = ISO_LIKE.exec(t);
  if (iso) [, y, m, d] = iso;
  const dayFirst = iso ? null : DAY_FIRST.exec(t);
  if (dayFirst) [, d, m, y] = dayFirst;
  if (y === undefined || m === undefined || d === undefined) return undefined;
  const date = new Date(Date.UTC(Number(y), Number(m) - 1, Number(d)));
  // Date.UTC rolls 2024-02-31 over to March: a round trip catches impossible dates.
  if (date.getUTCFullYear() !== Number(y) || date.getUTCMonth() !== Number(m) - 1 || date.getUTCDate() !== Number(d)) {
    return undefined;
  }
  return `${y}-${m}-${d}`;
}

/** `2024-03-31` → `31-03-2024`, the shape PayFact answers with. */
export function toDayFirst(isoDate: string): string {
  const [y, m, d] = isoDate.split('-');
  return `${d}-${m}-${y}`;
}
