import { toGsm7 } from '../../gsm7';
import { maskName } from '../../logging/mask';
import type { Json, Vars } from '../../json';
import { formatCdf, parseCentimes } from '../../money';

export const FILTERS = ['money', 'month', 'date', 'mask', 'upper'] as const;
export type Filter = (typeof FILTERS)[number];

/** Filters whose output has a fixed maximum whatever the value (the linter uses it). */
const FIXED_WIDTH: Partial<Record<Filter, number>> = { month: 7, date: 10 };

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
 * Fills a text. Values are converted to GSM-7 (names come from REGIDESO) and cut to their declared
 * maximum so the linter's worst case holds at run time; amounts are never cut (a cut amount lies).
 */
export function renderTemplate(text: string, values: Vars, maxLength: (name: string) => number | undefined): string {
  return text.replace(PLACEHOLDER, (_all, name: string, filter: string | undefined) => {
    const out = toGsm7(applyFilter(values[name], filter as Filter | undefined));
    const max = maxLength(name);
    if (filter === 'money' || max === undefined || out.length <= max) return out;
    return out.slice(0, max).trimEnd();
  });
}

/** The longest a text can get once filled: every placeholder at its variable's maximum. */
export function worstCaseLength(text: string, maxLength: (name: string) => number | undefined): number {
  let n = text.replace(PLACEHOLDER, '').length;
  for (const p of placeholders(text).found) {
    const fixed = p.filter === undefined ? undefined : FIXED_WIDTH[p.filter];
    n += fixed ?? maxLength(p.name) ?? 0;
  }
  return n;
}

/** The longest text a template could produce, as a string (for showing the worst case in a message). */
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
    case 'mask':
      return maskName(text);
    case 'upper':
      return text.toUpperCase();
  }
}
