import { fitGsm7, toGsm7 } from '../gsm7';
import { maskName } from '../logging/mask';
import type { Json, Vars } from '../json';
import { formatCdf, parseCentimes } from '../money';

/**
 * The template language of every text in the catalogue (menus/lang/*.yaml): `{name}` or
 * `{name|filter}`. Shared by USSD screens and by what is sent outside them (SMS, HTTP fallbacks), so a
 * text is written, filled and measured the same way wherever it goes.
 */
export const FILTERS = ['money', 'month', 'date', 'datetime', 'isodatetime', 'mask', 'upper'] as const;
export type Filter = (typeof FILTERS)[number];

/**
 * Filters whose output has a fixed maximum whatever the value (the linter uses it). A value they
 * cannot read is cut to that width, so the maximum holds for any value.
 */
const FIXED_WIDTH: Partial<Record<Filter, number>> = { month: 7, date: 10, datetime: 16, isodatetime: 16 };

export interface Placeholder {
  name: string;
  filter: Filter | undefined;
}

const PLACEHOLDER = /\{([a-zA-Z][a-zA-Z0-9]*)(?:\|([a-z]+))?\}/g;

/** The placeholders of a text, and the unknown filters named in it (for the linter). */
export function placeholders(text: string): { found: Placeholder[]; badFilters: string[] } {
  const found: Placeholder[] = [];
  const badFilters: string[] = [];
  for (const m of text.matchAll(PLACEHOLDER)) {
    const [, name = '', filter] = m;
    if (filter !== undefined && !(FILTERS as readonly string[]).includes(filter)) badFilters.push(filter);
    found.push({ name, filter: filter as Filter | undefined });
  }
  return { found, badFilters };
}

/**
 * Fills a text. Values are converted to GSM-7 (names come from REGIDESO) and cut to `cutAt` septets
 * so the linter's worst case holds at run time; amounts are never cut (a cut amount lies), nor is a
 * value whose `cutAt` is undefined (an identifier the message must show whole).
 */
export function renderTemplate(text: string, values: Vars, cutAt: (name: string) => number | undefined): string {
  return compileTemplate(text)(values, cutAt);
}

export type CompiledTemplate = (values: Vars, cutAt: (name: string) => number | undefined) => string;

/**
 * A text split once into its literal parts and placeholders, for a caller that fills the same text
 * again and again (a bills list fills its item line for every bill on every hop): filling is then
 * a concatenation, without a regular expression. What it gives is renderTemplate's, which uses it.
 */
export function compileTemplate(text: string): CompiledTemplate {
  // Most texts of a screen (labels, prompts, navigation) hold no placeholder.
  if (!text.includes('{')) return () => text;
  const literals: string[] = [];
  const holes: Placeholder[] = [];
  let last = 0;
  for (const m of text.matchAll(PLACEHOLDER)) {
    literals.push(text.slice(last, m.index));
    holes.push({ name: m[1] ?? '', filter: m[2] as Filter | undefined });
    last = m.index + m[0].length;
  }
  if (holes.length === 0) return () => text;
  literals.push(text.slice(last));
  return (values, cutAt) => {
    let out = literals[0] ?? '';
    for (let i = 0; i < holes.length; i++) out += fillHole(holes[i] as Placeholder, values, cutAt) + (literals[i + 1] ?? '');
    return out;
  };
}

function fillHole({ name, filter: f }: Placeholder, values: Vars, cutAt: (name: string) => number | undefined): string {
  const fixed = f === undefined ? undefined : FIXED_WIDTH[f];
  const out = toGsm7(applyFilter(values[name], f));
  const max = fixed ?? cutAt(name);
  if (f === 'money' || max === undefined) return out;
  const cut = fitGsm7(out, max);
  return cut === out ? out : cut.trimEnd();
}

/** The longest text a template could produce, as a string: every value at its maximum, in septets. */
export function worstCaseSample(text: string, maxLength: (name: string) => number | undefined): string {
  return text.replace(PLACEHOLDER, (_all, name: string, filter: string | undefined) => {
    const fixed = filter === undefined ? undefined : FIXED_WIDTH[filter as Filter];
    return 'X'.repeat(fixed ?? maxLength(name) ?? 0);
  });
}

function applyFilter(value: Json | undefined, filter: Filter | undefined): string {
  if (value === undefined || value === null) return '';
  const text = typeof value === 'string' ? value : typeof value === 'number' || typeof value === 'boolean' ? String(value) : '';
  switch (filter) {
    case undefined:
      return text;
    case 'money': {
      const c = typeof value === 'number' ? value : parseCentimes(text);
      return c === undefined ? text : formatCdf(c);
    }
    case 'month': {
      const m = /^(\d{4})-(\d{2})/.exec(text);
      return m ? `${m[2]}/${m[1]}` : text;
    }
    case 'date': {
      const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(text);
      return m ? `${m[3]}/${m[2]}/${m[1]}` : text;
    }
    case 'datetime':
    case 'isodatetime':
      return dateTime(text, filter);
    case 'mask':
      return maskName(text);
    case 'upper':
      return text.toUpperCase();
  }
}

/**
 * `2025-01-29 10:42:58` → `29/01/2025 10:42` (`datetime`) or `2025-01-29 10:42` (`isodatetime`); a
 * midnight time (a date alone, as REGIDESO sends bill dates) is left out.
 */
function dateTime(text: string, filter: 'datetime' | 'isodatetime'): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2}))?/.exec(text.trim());
  if (!m) return text;
  const [, y, mo, d, h, mi] = m;
  const time = h !== undefined && mi !== undefined && !(h === '00' && mi === '00') ? ` ${h}:${mi}` : '';
  return (filter === 'datetime' ? `${d}/${mo}/${y}` : `${y}-${mo}-${d}`) + time;
}
