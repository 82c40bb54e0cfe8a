import { gsm7Length, SCREEN_LIMIT } from '../../gsm7';
import type { Language } from '../../language';
import type { Menu } from '../menu/model';
import type { MenuOption, Screen } from '../menu/schema';
import type { Json, Vars } from '../../json';
import { compileTemplate, worstCaseSample, type CompiledTemplate } from '../../texts/template';

/** The keys the engine owns on every screen; menus never define them. */
export const BACK_KEY = '0';
export const HOME_KEY = '00';
export const NEXT_KEY = '99';

/**
 * Room for a screen's text. The answer the gateway gets is `CON `/`END ` and the text; some gateways
 * count the whole answer against the 182 characters, so the text keeps to what is left.
 */
export const ANSWER_PREFIX_LENGTH = 'CON '.length;
export const BODY_LIMIT = SCREEN_LIMIT - ANSWER_PREFIX_LENGTH;

/** The error lines the engine can put above a list (re-prompts); pages keep room for the longest. */
export const LIST_ERROR_KEYS = ['nav.invalid_choice'] as const;

/** Texts the engine itself shows; every language file must have them. */
export const ENGINE_TEXT_KEYS = [
  'nav.back_home',
  'nav.next',
  'nav.invalid_choice',
  'session.expired',
  'session.ended',
  'session.outdated',
  'session.wait',
  'session.invalid',
  'session.limited',
  'error.internal',
] as const;

/**
 * How a text key becomes a string: filled from session values when serving, or with every value
 * at its maximum length when the linter measures the worst case. One layout serves both, so what
 * the linter measures is what a subscriber gets.
 */
export type Fill = (key: string, values: Vars) => string;

export function liveFill(menu: Menu, lang: Language): Fill {
  const texts = menu.texts[lang];
  const fallback = menu.texts.fr;
  const cutAt = (n: string) => menu.variables[n]?.maxLength;
  // Each text compiled the first time it is filled (keys are the catalogue's: a bounded set); a Fill
  // kept for the menu's life (the interpreter keeps one per language) compiles each text once.
  const compiled = new Map<string, CompiledTemplate>();
  return (key, values) => {
    let t = compiled.get(key);
    if (t === undefined) {
      t = compileTemplate(texts[key] ?? fallback[key] ?? key);
      compiled.set(key, t);
    }
    return t(values, cutAt);
  };
}

export function worstFill(menu: Menu, lang: Language): Fill {
  return (key) => worstCaseSample(menu.texts[lang][key] ?? '', (n) => menu.variables[n]?.maxLength);
}

export interface Rendered {
  kind: 'CON' | 'END';
  body: string;
}

/**
 * The options shown, with the key each is chosen by: numbered from 1 in order among those shown (a
 * hidden option leaves no gap), except an option with a fixed `key`, which keeps it.
 */
export function visibleOptions(options: MenuOption[], vars: Vars): Array<{ key: string; option: MenuOption }> {
  const shown = options.filter((o) => o.when === undefined || hasValue(vars[o.when]));
  const fixed = new Set(shown.flatMap((o) => (o.key === undefined ? [] : [o.key])));
  let n = 0;
  return shown.map((option) => {
    if (option.key !== undefined) return { key: option.key, option };
    do n++;
    while (fixed.has(String(n)));
    return { key: String(n), option };
  });
}

/**
 * Every key each option can be given, over every combination of the values its screen's `when`s
 * depend on: what the linter checks a confirmation's keys against.
 */
export function possibleKeys(options: MenuOption[]): Array<Set<string>> {
  const names = [...new Set(options.flatMap((o) => (o.when === undefined ? [] : [o.when])))];
  const out = options.map(() => new Set<string>());
  for (let mask = 0; mask < 1 << names.length; mask++) {
    const vars: Vars = Object.fromEntries(names.map((n, i) => [n, (mask >> i) & 1 ? true : null]));
    for (const { key, option } of visibleOptions(options, vars)) out[options.indexOf(option)]?.add(key);
  }
  return out;
}

/** What a `when` asks of a value: set, and not empty. */
export function hasValue(v: Json | undefined): boolean {
  return v !== undefined && v !== null && v !== '' && !(Array.isArray(v) && v.length === 0);
}

export function listItems(screen: Extract<Screen, { type: 'list' }>, vars: Vars): Vars[] {
  const v = vars[screen.items];
  if (!Array.isArray(v)) return [];
  return v.filter((x): x is { [k: string]: Json } => x !== null && typeof x === 'object' && !Array.isArray(x));
}


function joinLines(lines: string[]): string {
  return lines.filter((l) => l !== '').join('\n');
}

/** The longest error line a list can show in this language. */
export function longestListError(fill: Fill, vars: Vars): string {
  return LIST_ERROR_KEYS.map((k) => fill(k, vars)).reduce((a, b) => (gsm7Length(b) > gsm7Length(a) ? b : a), '');
}

/**
 * Splits a list into pages that fit the screen. Every page, the first with its header and fixed
 * options included, keeps room for the longest error line, so a re-prompt never overflows nor moves
 * items between pages. Returns the index of each page's first item. Each line is rendered and
 * measured once: a page's length is the sum of its lines and their line breaks.
 */
export function listPages(screen: Extract<Screen, { type: 'list' }>, vars: Vars, fill: Fill, isStart: boolean): number[] {
  return listLayout(screen, vars, fill, isStart).starts;
}

/** The pages (see listPages), and every item's line as rendered for them, so the page shown reuses them. */
function listLayout(screen: Extract<Screen, { type: 'list' }>, vars: Vars, fill: Fill, isStart: boolean): { starts: number[]; lines: string[]; shown: Array<{ key: string; option: MenuOption }> } {
  const items = listItems(screen, vars);
  const shown = visibleOptions(screen.options, vars);
  const sizeOf = (lines: string[]) => lines.filter((l) => l !== '').reduce((n, l) => n + gsm7Length(l) + 1, 0);
  const common = sizeOf([longestListError(fill, vars), fill(screen.text, vars), isStart ? '' : fill('nav.back_home', vars)]);
  const firstPageExtra = sizeOf(shown.map(({ key, option }) => `${key}. ${fill(option.label, vars)}`));
  const nextLine = sizeOf([`${NEXT_KEY}. ${fill('nav.next', vars)}`]);
  const lines = items.map((item, i) => itemLine(screen, vars, fill, item, i, shown.length));
  const itemSize = lines.map((line) => sizeOf([line]));
  // Every line counted with a break after it: the last has none.
  const fits = (size: number) => size - 1 <= BODY_LIMIT;
  const starts: number[] = [0];
  let i = 0;
  while (i < items.length) {
    let size = common + (starts.length === 1 ? firstPageExtra : 0) + (itemSize[i] ?? 0);
    let end = i + 1;
    // Greedy: the most items that fit, with a `next` line reserved when more remain; at least one.
    while (end < items.length && fits(size + (itemSize[end] ?? 0) + (end + 1 < items.length ? nextLine : 0))) {
      size += itemSize[end] ?? 0;
      end++;
    }
    if (end >= items.length) break;
    starts.push(end);
    i = end;
  }
  return { starts, lines, shown };
}

/** The number typed to choose item `i` (0-based) comes after the `shown` options of the screen. */
function itemLine(screen: Extract<Screen, { type: 'list' }>, vars: Vars, fill: Fill, item: Vars, i: number, shown: number): string {
  const line = fill(screen.item, { ...vars, ...item });
  return screen.store === undefined ? `- ${line}` : `${String(shown + i + 1)}. ${line}`;
}

function listBody(
  screen: Extract<Screen, { type: 'list' }>,
  vars: Vars,
  fill: Fill,
  isStart: boolean,
  layout: { lines: string[]; shown: Array<{ key: string; option: MenuOption }> },
  page: number,
  from: number,
  to: number,
  more: boolean,
  error: string,
): string {
  const lines = [error, fill(screen.text, vars)];
  if (page === 0) for (const { key, option } of layout.shown) lines.push(`${key}. ${fill(option.label, vars)}`);
  for (let i = from; i < to && i < layout.lines.length; i++) lines.push(layout.lines[i] ?? '');
  if (more) lines.push(`${NEXT_KEY}. ${fill('nav.next', vars)}`);
  if (!isStart) lines.push(fill('nav.back_home', vars));
  return joinLines(lines);
}

/** The screen a subscriber sees, with the error line (a re-prompt) above it when there is one. */
export function renderScreen(menu: Menu, screenId: string, page: number, vars: Vars, fill: Fill, errorKey?: string): Rendered {
  const screen = menu.screens[screenId];
  const error = errorKey === undefined ? '' : fill(errorKey, vars);
  if (screen === undefined) return { kind: 'END', body: fill('error.internal', vars) };
  const isStart = screenId === menu.start;
  const nav = isStart ? '' : fill('nav.back_home', vars);
  switch (screen.type) {
    case 'end':
      return { kind: 'END', body: fill(screen.text, vars) };
    case 'action':
      // Actions are passed through, never shown; reaching here is a bug the engine logs.
      return { kind: 'END', body: fill('error.internal', vars) };
    case 'menu':
    case 'input': {
      const opts = visibleOptions(screen.options, vars).map(({ key, option }) => `${key}. ${fill(option.label, vars)}`);
      return { kind: 'CON', body: joinLines([error, fill(screen.text, vars), ...opts, nav]) };
    }
    case 'list': {
      const layout = listLayout(screen, vars, fill, isStart);
      const { starts } = layout;
      const p = Math.min(Math.max(page, 0), starts.length - 1);
      const from = starts[p] ?? 0;
      const next = starts[p + 1];
      const to = next ?? layout.lines.length;
      return { kind: 'CON', body: listBody(screen, vars, fill, isStart, layout, p, from, to, next !== undefined, error) };
    }
  }
}

/** The worst-case list page: header, fixed options, one item at its longest numbered `NN.`, `next`, nav and error. */
export function worstListBody(screen: Extract<Screen, { type: 'list' }>, fill: Fill, isStart: boolean, error: string): string {
  const lines = [error, fill(screen.text, {})];
  for (const o of screen.options) lines.push(`9. ${fill(o.label, {})}`);
  lines.push(`${screen.store === undefined ? '-' : '99.'} ${fill(screen.item, {})}`);
  lines.push(`${NEXT_KEY}. ${fill('nav.next', {})}`);
  if (!isStart) lines.push(fill('nav.back_home', {}));
  return joinLines(lines);
}
