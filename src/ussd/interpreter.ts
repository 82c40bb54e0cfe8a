import { fitGsm7, gsm7Length } from '../gsm7';
import type { Json, Vars } from '../json';
import { DEFAULT_LANGUAGE, type Language } from '../language';
import type { Logger } from '../logging/logger';
import type { Prefs, SessionState } from '../sessions/types';
import { CHECKS } from './actions';
import { typedMinimumCentimes } from './actions/amount';
import { firstScreenSaved } from './actions/saved';
import { isCheckName, type ActionResult } from './actions/types';
import type { Menu } from './menu/model';
import { sideEffectTargets } from './menu/side-effects';
import type { MenuOption, Screen } from './menu/schema';
import { BACK_KEY, BODY_LIMIT, HOME_KEY, liveFill, type Fill, listItems, listPages, NEXT_KEY, renderScreen, visibleOptions } from './render/screen';
import { createStaticAnswers } from './render/static-answers';

/** Runs the named action over the session's values (the gateway binds it to the hop and its budget). */
export type Act = (name: string, s: Readonly<SessionState>) => Promise<ActionResult>;

export interface Interpreter {
  readonly menu: Menu;
  /** Where a new session starts, with what is remembered about the phone. */
  start(prefs: Prefs): SessionState;
  /**
   * Applies a path of inputs (one, or several joined by `*`) one by one. `shown`: the subscriber was
   * shown the current screen (false on a first hop). Only the first input answers a screen the
   * subscriber saw: the walk holds before any input that would move money from a screen not shown.
   * Stops at the first input refused, and returns its error text key.
   */
  walk(s: SessionState, path: string, shown: boolean, act: Act): Promise<string | undefined>;
  /**
   * A new session's first screen, before its inputs are walked: runs the menu's `open` action when
   * the first hop carries nothing, or a reference dialled with the code (`*123*83262#`, text
   * `83262`: taken as typed on the `dialReference` screen). Returns the inputs left to walk; a text
   * that starts with a menu key is left whole, from the start screen, as before.
   */
  open(s: SessionState, text: string, act: Act): Promise<string | undefined>;
  /** The answer for the current screen (`CON …`/`END …`), within the screen limit; an END ends the session. */
  answer(s: SessionState, errorKey?: string): string;
  /** An engine text (session expired, please wait…) in a language. */
  text(language: Language, key: string): string;
}

const MAX_HISTORY = 40;
/**
 * A first input this long or longer may be a reference dialled with the code; shorter ones are keys
 * (menu options are one digit, the engine's keys `0`, `00` and `99` at most two).
 */
export const DIAL_REFERENCE_MIN_LENGTH = 3;
/** A chain of actions longer than this is a loop in the menu. */
const MAX_ACTION_CHAIN = 12;

type ListScreen = Extract<Screen, { type: 'list' }>;
type InputScreen = Extract<Screen, { type: 'input' }>;

/**
 * What one input did: moved on (or back), was refused with an error to show above the screen, or
 * was held because it would run a side-effecting action from a screen the subscriber was not shown.
 */
type Applied = { kind: 'moved' } | { kind: 'error'; key: string } | { kind: 'held' };
const MOVED: Applied = { kind: 'moved' };
const HELD: Applied = { kind: 'held' };
const refused = (key: string): Applied => ({ kind: 'error', key });

/**
 * The menu interpreter: moves a session through the menu, input by input, and renders where it
 * is. It holds no I/O of its own: actions come in through `act`, the session goes in and out of
 * Redis elsewhere (the hop runner), so it can be tested over a plain object.
 */
export function createInterpreter(deps: { menu: Menu; minPaymentCentimes: number; logger: Logger }): Interpreter {
  const { menu, logger } = deps;
  // Input patterns come from the menu, fixed for the interpreter's life: compiled once, not on every hop.
  const patterns = new Map<string, RegExp>();
  const patternOf = (source: string): RegExp => {
    let re = patterns.get(source);
    if (re === undefined) {
      re = new RegExp(source);
      patterns.set(source, re);
    }
    return re;
  };
  const sideEffecting = sideEffectTargets(menu);
  // The main menu, the reference prompt, the province list: the same bytes for every session in a language.
  const statics = createStaticAnswers(menu);
  // One Fill per language for the menu's life: each keeps its texts compiled.
  const fills = new Map<Language, Fill>();
  const fillFor = (language: Language): Fill => {
    let f = fills.get(language);
    if (f === undefined) {
      f = liveFill(menu, language);
      fills.set(language, f);
    }
    return f;
  };
  /** Going to `target` is allowed unless it runs a side-effecting action from a screen the subscriber did not see. */
  const mayGo = (target: string, shown: boolean) => shown || !sideEffecting.has(target);

  async function goTo(s: SessionState, next: string, act: Act): Promise<void> {
    // An error or retry screen is not somewhere to come back to: `0` after its retry skips it.
    const leaving = menu.screens[s.screen];
    if (!(leaving?.type === 'menu' && leaving.transient)) s.history.push([s.screen, s.page]);
    if (s.history.length > MAX_HISTORY) s.history.shift();
    let id = next;
    for (let i = 0; i < MAX_ACTION_CHAIN; i++) {
      const screen = menu.screens[id];
      if (screen?.type !== 'action') break;
      const result = await act(screen.action, s);
      Object.assign(s.vars, result.set ?? {});
      if (result.language !== undefined) s.language = result.language;
      id = screen.outcomes[result.outcome] ?? screen.outcomes.unavailable ?? menu.start;
    }
    s.screen = id;
    s.page = 0;
    if (menu.screens[id]?.type === 'end') s.ended = true;
  }

  function setVars(s: SessionState, set: Record<string, string> | undefined): void {
    for (const [name, value] of Object.entries(set ?? {})) {
      const copy = /^\{([a-zA-Z][a-zA-Z0-9]*)\}$/.exec(value);
      s.vars[name] = copy?.[1] !== undefined ? (s.vars[copy[1]] ?? null) : value;
    }
  }

  function validate(screen: InputScreen, value: string, vars: Vars): { ok: true; value: Json } | { ok: false; error: string } {
    let out: Json = value;
    for (const v of screen.validators) {
      switch (v.kind) {
        case 'pattern':
          if (!patternOf(v.pattern).test(value)) return { ok: false, error: v.error };
          break;
        case 'length':
          if (value.length < v.min || value.length > v.max) return { ok: false, error: v.error };
          break;
        case 'range':
          if (!/^-?\d+$/.test(value) || Number(value) < v.min || Number(value) > v.max) return { ok: false, error: v.error };
          break;
        case 'check': {
          if (!isCheckName(v.name)) return { ok: false, error: 'nav.invalid_choice' };
          const r = CHECKS[v.name].run(value, vars, deps.minPaymentCentimes);
          if (!r.ok) return { ok: false, error: v.errors[r.error] ?? 'nav.invalid_choice' };
          out = r.value;
        }
      }
    }
    return { ok: true, value: out };
  }

  async function apply(s: SessionState, raw: string, shown: boolean, act: Act): Promise<Applied> {
    const input = raw.trim();
    if (input === HOME_KEY) {
      s.history = [];
      s.screen = menu.start;
      s.page = 0;
      return MOVED;
    }
    if (input === BACK_KEY) {
      const prev = s.history.pop();
      s.screen = prev?.[0] ?? menu.start;
      s.page = prev?.[1] ?? 0;
      return MOVED;
    }
    const screen = menu.screens[s.screen];
    if (screen === undefined || screen.type === 'end' || screen.type === 'action') return refused('nav.invalid_choice');
    const option = visibleOptions(screen.options, s.vars).find((o) => o.key === input);
    if (option !== undefined) return choose(s, option.option, shown, act);
    switch (screen.type) {
      case 'menu':
        return refused('nav.invalid_choice');
      case 'input': {
        const r = validate(screen, input, s.vars);
        if (!r.ok) return refused(r.error);
        if (!mayGo(screen.next, shown)) return HELD;
        s.vars[screen.store] = r.value;
        await goTo(s, screen.next, act);
        return MOVED;
      }
      case 'list':
        return chooseInList(s, screen, input, shown, act);
    }
  }

  async function choose(s: SessionState, option: MenuOption, shown: boolean, act: Act): Promise<Applied> {
    if (!mayGo(option.next, shown)) return HELD;
    setVars(s, option.set);
    await goTo(s, option.next, act);
    return MOVED;
  }

  async function chooseInList(s: SessionState, screen: ListScreen, input: string, shown: boolean, act: Act): Promise<Applied> {
    if (input === NEXT_KEY) {
      const pages = listPages(screen, s.vars, fillFor(s.language), s.screen === menu.start);
      if (s.page + 1 >= pages.length) return refused('nav.invalid_choice');
      s.history.push([s.screen, s.page]);
      s.page += 1;
      return MOVED;
    }
    if (screen.store === undefined || screen.next === undefined || !/^\d{1,3}$/.test(input)) return refused('nav.invalid_choice');
    const items = listItems(screen, s.vars);
    // Items are numbered after the options shown (see itemLine): the key typed gives the index.
    const index = Number(input) - visibleOptions(screen.options, s.vars).length - 1;
    const item = index < 0 ? undefined : items[index];
    if (item === undefined) return refused('nav.invalid_choice');
    if (!mayGo(screen.next, shown)) return HELD;
    s.vars[screen.store] = item;
    await goTo(s, screen.next, act);
    return MOVED;
  }

  /**
   * The next input of a path. `*` separates inputs, but a free-text answer may hold one (a receipt
   * number typed with `*` for its dashes): on an input screen that takes the whole rest as its
   * answer, the rest is one input.
   */
  function nextInput(s: SessionState, path: string): [string, string | undefined] {
    const cut = path.indexOf('*');
    if (cut < 0) return [path, undefined];
    const screen = menu.screens[s.screen];
    if (screen?.type === 'input' && validate(screen, path.trim(), s.vars).ok) return [path, undefined];
    return [path.slice(0, cut), path.slice(cut + 1)];
  }

  /** Runs the open action; landing on the start screen leaves nothing to go back to. */
  async function opening(s: SessionState, open: string, act: Act): Promise<void> {
    await goTo(s, open, act);
    if (s.screen === menu.start) s.history = [];
  }

  return {
    menu,
    async open(s, text, act) {
      if (menu.open === undefined) return text === '' ? undefined : text;
      if (text === '') {
        await opening(s, menu.open, act);
        return undefined;
      }
      const cut = text.indexOf('*');
      const first = (cut < 0 ? text : text.slice(0, cut)).trim();
      const screen = menu.dialReference === undefined ? undefined : menu.screens[menu.dialReference];
      if (screen?.type !== 'input' || first.length < DIAL_REFERENCE_MIN_LENGTH) return text;
      const r = validate(screen, first, s.vars);
      if (!r.ok) return text;
      s.vars[screen.store] = r.value;
      await opening(s, menu.open, act);
      return cut < 0 ? undefined : text.slice(cut + 1);
    },
    start(prefs) {
      return {
        language: prefs.language ?? DEFAULT_LANGUAGE,
        screen: menu.start,
        page: 0,
        history: [],
        // The most recent account this phone paid, one key on the main menu (whichever way the session opened).
        vars: { lastRef: prefs.lastRef ?? null, minAmount: typedMinimumCentimes(deps.minPaymentCentimes), ...firstScreenSaved(prefs.paidRefs) },
        ended: false,
      };
    },
    async walk(s, path, shown, act) {
      let rest: string | undefined = path;
      let seen = shown;
      while (rest !== undefined && !s.ended) {
        const [input, after] = nextInput(s, rest);
        const applied = await apply(s, input, seen, act);
        if (applied.kind === 'error') return applied.key;
        if (applied.kind === 'held') return undefined;
        rest = after;
        seen = false;
      }
      return undefined;
    },
    answer(s, errorKey) {
      const cached = errorKey === undefined ? statics.get(s.screen, s.language, s.vars) : undefined;
      if (cached !== undefined) {
        if (cached.startsWith('END')) s.ended = true;
        return cached;
      }
      const rendered = renderScreen(menu, s.screen, s.page, s.vars, fillFor(s.language), errorKey);
      let body = rendered.body;
      const length = gsm7Length(body);
      if (length > BODY_LIMIT) {
        // The linter rules this out for every declared value; an undeclared extreme (a huge amount) is cut, not sent.
        logger.error('ussd screen over the limit', { screen: s.screen, length });
        body = fitGsm7(body, BODY_LIMIT);
      }
      if (rendered.kind === 'END') s.ended = true;
      const answer = `${rendered.kind} ${body}`;
      if (errorKey === undefined && length <= BODY_LIMIT) statics.offer(s.screen, s.language, s.vars, answer);
      return answer;
    },
    text(language, key) {
      return fillFor(language)(key, {});
    },
  };
}
