import { fitGsm7, gsm7Length, toGsm7 } from '../gsm7';
import type { Vars } from '../json';
import { DEFAULT_LANGUAGE, type Language } from '../language';
import {
  COMPOSITES,
  FIT_LIMIT,
  MESSAGES,
  messageKeys,
  SCREEN_PREFIX,
  type CompositeKey,
  type CompositeSpec,
  type Fit,
  type LanguageOf,
  type MessageKey,
  type MessageSpec,
  type ValuesOf,
} from './messages';
import { renderTemplate } from './template';

/**
 * The catalogue: every text the product sends, per language, as menus/lang/<language>.yaml holds it
 * (a loaded, checked menu is one). Loaded and checked once at start-up, with the menu.
 */
export interface Catalogue {
  texts: Record<Language, Record<string, string>>;
}

/** One text of a composite message, with its values. */
export type Piece = { [K in MessageKey]: { key: K; values: ValuesOf<K> } }[MessageKey];

/** The texts sent outside USSD screens, filled and fitted to where they go. */
export interface Messages {
  text<K extends MessageKey>(language: LanguageOf<K>, key: K, values: ValuesOf<K>): string;
  /** A composite message (see COMPOSITES) from its pieces in order; an absent piece is left out. */
  compose<C extends CompositeKey>(language: CompositeLanguage<C>, key: C, pieces: ReadonlyArray<Piece | undefined>): string;
  /** Whether those pieces fit the composite's room whole, nothing dropped nor cut. */
  fitsWhole<C extends CompositeKey>(language: CompositeLanguage<C>, key: C, pieces: ReadonlyArray<Piece | undefined>): boolean;
}

type CompositeLanguage<C extends CompositeKey> = (typeof COMPOSITES)[C]['languages'][number];

export class CatalogueError extends Error {
  constructor(readonly missing: string[]) {
    super(`the catalogue lacks texts the product sends: ${missing.join(', ')}`);
    this.name = 'CatalogueError';
  }
}

/**
 * The renderer over a checked catalogue. Refuses (throws) a catalogue without every text the code
 * sends, in every language it is sent in: a missing receipt text must stop the deploy, not a receipt.
 */
export function createMessages(catalogue: Catalogue): Messages {
  const missing: string[] = [];
  for (const [key, languages] of messageKeys()) {
    for (const lang of languages) if (catalogue.texts[lang][key] === undefined) missing.push(`${lang}:${key}`);
  }
  if (missing.length > 0) throw new CatalogueError(missing);

  const raw = (language: Language, key: string) => catalogue.texts[language][key] ?? catalogue.texts[DEFAULT_LANGUAGE][key] ?? key;

  function fill(language: Language, key: MessageKey, values: Readonly<Record<string, string | number>>): string {
    const spec: MessageSpec = MESSAGES[key];
    const vars: Vars = {};
    for (const [name, value] of Object.entries(values)) {
      const v = spec.values[name];
      if (v !== undefined && 'choices' in v) vars[name] = raw(language, `${v.choices}.${String(value)}`);
      // One line per value: data with line breaks or runs of spaces (a name) would break the layout.
      else vars[name] = typeof value === 'string' ? value.replace(/\s+/g, ' ').trim() : value;
    }
    return renderTemplate(raw(language, key), vars, (name) => {
      const v = spec.values[name];
      return v === undefined || 'choices' in v || v.whole === true ? undefined : v.maxLength;
    });
  }

  return {
    text(language, key, values) {
      return fit(MESSAGES[key].fit, fill(language, key, values));
    },
    compose(language, key, pieces) {
      const spec: CompositeSpec = COMPOSITES[key];
      let kept = render(language, pieces);
      for (const drop of spec.drop) {
        if (gsm7Length(joined(spec, kept)) <= FIT_LIMIT[spec.fit]) break;
        kept = kept.filter((p) => p.key !== drop);
      }
      return fit(spec.fit, joined(spec, kept));
    },
    fitsWhole(language, key, pieces) {
      const spec: CompositeSpec = COMPOSITES[key];
      return gsm7Length(joined(spec, render(language, pieces))) <= FIT_LIMIT[spec.fit];
    },
  };

  function render(language: Language, pieces: ReadonlyArray<Piece | undefined>): Array<{ key: MessageKey; text: string }> {
    return pieces.flatMap((p) => (p === undefined ? [] : [{ key: p.key, text: fill(language, p.key, p.values) }]));
  }
}

const joined = (spec: CompositeSpec, pieces: ReadonlyArray<{ text: string }>) => pieces.map((p) => p.text).join(spec.join);

/**
 * What happens to a text that does not fit, which the linter rules out for values within their
 * declared length. A USSD answer is cut by septets (the gateway would refuse it); a keyword reply is
 * cut with `...` (a third segment costs and says little more); a payment SMS is sent whole: two
 * segments cost more, a cut receipt number or reference would be wrong.
 */
function fit(kind: Fit, text: string): string {
  switch (kind) {
    case 'screen':
      return fitGsm7(text, FIT_LIMIT.screen - SCREEN_PREFIX.length);
    case 'sms2':
      return fitSms(text);
    case 'sms':
    case 'part':
      return text;
  }
}

/** Never more than two concatenated segments. */
export function fitSms(text: string): string {
  const t = toGsm7(text);
  if (gsm7Length(t) <= FIT_LIMIT.sms2) return t;
  return fitGsm7(t, FIT_LIMIT.sms2 - 3) + '...';
}
