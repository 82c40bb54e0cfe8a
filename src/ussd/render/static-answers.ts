import type { Language } from '../../language';
import type { Vars } from '../../json';
import type { Menu } from '../menu/model';
import { hasValue } from './screen';

/**
 * The answers of screens that are the same bytes for every session in a language (the main menu,
 * the reference prompt, the province list): rendered once, then served as they are.
 *
 * What makes an answer static is decided from the menu, never guessed: a menu, input or end screen
 * (a list's items are the session's), shown without an error line, whose every text shown holds no
 * placeholder in the language. Which options show depends on their `when` values, so the key is the
 * screen, the language and which of those values are set: with `saved1Ref` set the main menu shows
 * `saved.account1`, whose text names the account, and that variant is never cached; without it the
 * menu is static. The cached string is what rendering gives (the caller renders a miss and offers
 * it back), so a hit can only differ from a fresh render if the menu changed, and a menu is fixed
 * for the interpreter's life.
 */
export interface StaticAnswers {
  /** The cached answer (`CON …`/`END …`), or undefined: render it, then `offer` it. */
  get(screenId: string, language: Language, vars: Vars): string | undefined;
  /** Keeps a freshly rendered answer if the screen is static for these values (a no-op otherwise). */
  offer(screenId: string, language: Language, vars: Vars, answer: string): void;
}

/** A static screen's variants (by `when` mask) per language; null: this variant is not static. */
type Variants = Map<Language, Map<number, string | null>>;

/** More `when` names than this on one screen and it is simply rendered (masks stay small integers). */
const MAX_WHEN_NAMES = 8;

export function createStaticAnswers(menu: Menu): StaticAnswers {
  const whens = new Map<string, string[]>();
  const cache = new Map<string, Variants>();
  for (const [id, screen] of Object.entries(menu.screens)) {
    if (screen.type === 'list' || screen.type === 'action') continue;
    const names = screen.type === 'end' ? [] : [...new Set(screen.options.flatMap((o) => (o.when === undefined ? [] : [o.when])))];
    if (names.length > MAX_WHEN_NAMES) continue;
    whens.set(id, names);
    cache.set(id, new Map());
  }

  const maskOf = (names: string[], vars: Vars): number => {
    let mask = 0;
    for (let i = 0; i < names.length; i++) if (hasValue(vars[names[i] as string])) mask |= 1 << i;
    return mask;
  };

  /** Every text the screen shows with this mask holds no placeholder in the language (the renderer's own lookup). */
  const isStatic = (screenId: string, language: Language, vars: Vars): boolean => {
    const screen = menu.screens[screenId];
    if (screen === undefined || screen.type === 'list' || screen.type === 'action') return false;
    const keys = [screen.text];
    if (screen.type !== 'end') {
      for (const o of screen.options) if (o.when === undefined || hasValue(vars[o.when])) keys.push(o.label);
      if (screenId !== menu.start) keys.push('nav.back_home');
    }
    const texts = menu.texts[language];
    return keys.every((k) => !(texts[k] ?? menu.texts.fr[k] ?? k).includes('{'));
  };

  return {
    get(screenId, language, vars) {
      const names = whens.get(screenId);
      if (names === undefined) return undefined;
      return cache.get(screenId)?.get(language)?.get(maskOf(names, vars)) ?? undefined;
    },
    offer(screenId, language, vars, answer) {
      const names = whens.get(screenId);
      const variants = cache.get(screenId);
      if (names === undefined || variants === undefined) return;
      let byMask = variants.get(language);
      if (byMask === undefined) {
        byMask = new Map();
        variants.set(language, byMask);
      }
      const mask = maskOf(names, vars);
      if (byMask.has(mask)) return;
      byMask.set(mask, isStatic(screenId, language, vars) ? answer : null);
    },
  };
}
