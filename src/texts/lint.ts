import { gsm7Length } from '../gsm7';
import { LANGUAGES, type Language } from '../language';
import { CHOICES, COMPOSITES, FIT_LIMIT, isMessageNamespace, MESSAGE_NAMESPACES, MESSAGES, messageKeys, SCREEN_PREFIX, type CompositeSpec, type Fit, type MessageSpec } from './messages';
import { placeholders, worstCaseSample } from './template';

export interface TextFault {
  file: string;
  message: string;
}

const ROOM: Record<Exclude<Fit, 'part'>, string> = {
  sms: 'one SMS segment',
  sms2: 'two SMS segments',
  screen: 'a USSD screen, "END " included',
};

/**
 * The texts the product sends outside screens (see src/texts/messages.ts), in every language they
 * are sent in: present, showing only values declared for them, and within their room with every
 * value at its longest. A menu folder holds them all or none: a folder of screens alone (a test
 * fixture, a draft) is checked as a menu; the product refuses to start without them (createMessages).
 * GSM-7 and filters are checked with every other text of the catalogue.
 */
export function lintMessages(texts: Record<Language, Record<string, string>>, langFile: (l: Language) => string): TextFault[] {
  const faults: TextFault[] = [];
  const keys = messageKeys();
  const holdsAny = LANGUAGES.some((l) => Object.keys(texts[l]).some(isMessageNamespace));
  if (!holdsAny) return faults;

  for (const lang of LANGUAGES) {
    const file = langFile(lang);
    for (const [key, languages] of keys) {
      if (languages.includes(lang) && texts[lang][key] === undefined) faults.push({ file, message: `missing translation for "${key}"` });
    }
    for (const [key, text] of Object.entries(texts[lang])) {
      if (!isMessageNamespace(key)) continue;
      const languages = keys.get(key);
      if (languages === undefined) {
        faults.push({ file, message: `"${key}" is sent by no code (texts under ${MESSAGE_NAMESPACES.join(' and ')} are the product's messages, declared in src/texts/messages.ts)` });
        continue;
      }
      if (!languages.includes(lang)) {
        faults.push({ file, message: `"${key}" is never sent in ${lang} (only in ${languages.join(', ')})` });
        continue;
      }
      const spec: MessageSpec | undefined = (MESSAGES as Record<string, MessageSpec>)[key];
      const declared = Object.keys(spec?.values ?? {});
      for (const p of placeholders(text).found) {
        if (!declared.includes(p.name)) {
          faults.push({ file, message: `"${key}" shows "{${p.name}}", which is not one of its values (${declared.length === 0 ? 'it has none' : declared.join(', ')})` });
        }
      }
    }
    faults.push(...lintMessageLengths(texts[lang], lang, file));
  }
  return faults;
}

/** Septets a text takes with every value at its longest; a choice at its longest text in that language. */
function worstSeptets(texts: Record<string, string>, key: string): number {
  const text = texts[key];
  if (text === undefined) return 0;
  const spec: MessageSpec | undefined = (MESSAGES as Record<string, MessageSpec>)[key];
  return gsm7Length(
    worstCaseSample(text, (name) => {
      const v = spec?.values[name];
      if (v === undefined) return undefined;
      if ('choices' in v) return Math.max(0, ...CHOICES[v.choices].choices.map((c: string) => worstSeptets(texts, `${v.choices}.${c}`)));
      return v.maxLength;
    }),
  );
}

function lintMessageLengths(texts: Record<string, string>, lang: Language, file: string): TextFault[] {
  const faults: TextFault[] = [];
  const over = (what: string, n: number, fit: Exclude<Fit, 'part'>) =>
    faults.push({ file, message: `[${lang}] ${what} can reach ${n} septets with every value at its longest (limit ${FIT_LIMIT[fit]}: ${ROOM[fit]})` });
  for (const [key, spec] of Object.entries(MESSAGES) as Array<[string, MessageSpec]>) {
    if (spec.fit === 'part' || !spec.languages.includes(lang) || texts[key] === undefined) continue;
    const n = worstSeptets(texts, key) + (spec.fit === 'screen' ? SCREEN_PREFIX.length : 0);
    if (n > FIT_LIMIT[spec.fit]) over(`"${key}"`, n, spec.fit);
  }
  for (const [key, spec] of Object.entries(COMPOSITES) as Array<[string, CompositeSpec]>) {
    if (!spec.languages.includes(lang)) continue;
    let n = (spec.slots.length - 1) * gsm7Length(spec.join);
    for (const slot of spec.slots) n += Math.max(...slot.anyOf.map((k) => worstSeptets(texts, k)));
    if (n > FIT_LIMIT[spec.fit]) over(`the message "${key}" (${spec.slots.map((s) => s.anyOf.join(' or ')).join(' + ')})`, n, spec.fit);
  }
  return faults;
}
