import type { KeywordLanguage } from '../language';
import { parseProvince, type Province } from '../provinces';

export type { KeywordLanguage } from '../language';

export type KeywordName = 'receipt' | 'bill' | 'help';

export type ParsedSms =
  | { command: 'receipt'; language: KeywordLanguage; numAcquit: string; province: Province | undefined }
  | { command: 'recent_receipts'; language: KeywordLanguage }
  | { command: 'bill'; language: KeywordLanguage; refClient: string; province: Province | undefined }
  /** A keyword with a missing or unusable argument: reply with that keyword's usage. */
  | { command: 'usage'; language: KeywordLanguage; keyword: 'receipt' | 'bill' }
  | { command: 'unknown_province'; language: KeywordLanguage; keyword: 'receipt' | 'bill'; given: string }
  /** `understood: false` for anything that is not a keyword (answered with help, in French). */
  | { command: 'help'; language: KeywordLanguage; understood: boolean };

const KEYWORDS: Record<string, { name: KeywordName; language: KeywordLanguage }> = {
  RECU: { name: 'receipt', language: 'fr' },
  RECUS: { name: 'receipt', language: 'fr' },
  RECEIPT: { name: 'receipt', language: 'en' },
  RECEIPTS: { name: 'receipt', language: 'en' },
  FACTURE: { name: 'bill', language: 'fr' },
  FACTURES: { name: 'bill', language: 'fr' },
  BILL: { name: 'bill', language: 'en' },
  BILLS: { name: 'bill', language: 'en' },
  AIDE: { name: 'help', language: 'fr' },
  HELP: { name: 'help', language: 'en' },
};

/**
 * What a receipt number or customer reference may look like (`29-01-25FINCA-83262-0dfe8`,
 * `01234-X`). Anything else is not sent to REGIDESO nor echoed back in a reply.
 */
const ARGUMENT = /^[A-Za-z0-9][A-Za-z0-9._/-]{0,47}$/;

/** `Reçu` → `RECU`: keywords are matched without case or accents. */
export function foldKeyword(word: string): string {
  return word
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toUpperCase();
}

/**
 * The keyword: the letters the message starts with (`Reçu.`, `FACTURE83262` → `Reçu`, `FACTURE`).
 * Greedy, so a keyword glued to a letter makes another word (`RECUX`), and only a glued digit
 * starts an argument.
 */
const LEADING_WORD = /^([\p{L}\p{M}]+)(.*)$/su;
/** What may stand between a keyword and its argument: spaces and punctuation (`Reçu. 28-…`, `RECU: …`). */
const SEPARATOR = /^[\s\p{P}]*/u;
/** Punctuation closing the message (`FACTURE 83262 KC.`) belongs to no argument. */
const TRAILING_PUNCTUATION = /[\s.!?]+$/u;

/**
 * Parses an inbound SMS. The keyword is folded; its argument keeps its case, since receipt numbers
 * carry lower-case hexadecimal (`0dfe8`). A province may be a code or a name (`kongo central`).
 * Phones make people type `Reçu.` or glue the keyword to a number (`FACTURE83262`): punctuation
 * after the keyword is skipped, and a glued argument is taken when it starts with a digit.
 */
export function parseSms(text: string): ParsedSms {
  const m = LEADING_WORD.exec(text.normalize('NFC').trim());
  const keyword = m?.[1] === undefined ? undefined : KEYWORDS[foldKeyword(m[1])];
  if (keyword === undefined) return { command: 'help', language: 'fr', understood: false };
  const { name, language } = keyword;
  if (name === 'help') return { command: 'help', language, understood: true };

  const tail = m?.[2] ?? '';
  const words = tail
    .replace(SEPARATOR, '')
    .replace(TRAILING_PUNCTUATION, '')
    .split(/[\s,;:]+/)
    .filter((w) => w.length > 0);
  const [arg, ...rest] = words;
  if (arg === undefined) {
    return name === 'receipt' ? { command: 'recent_receipts', language } : { command: 'usage', language, keyword: name };
  }
  if (!ARGUMENT.test(arg)) return { command: 'usage', language, keyword: name };

  let province: Province | undefined;
  if (rest.length > 0) {
    const given = rest.join(' ');
    province = parseProvince(given);
    if (province === undefined) {
      return { command: 'unknown_province', language, keyword: name, given: given.slice(0, 20) };
    }
  }
  return name === 'receipt'
    ? { command: 'receipt', language, numAcquit: arg, province }
    : { command: 'bill', language, refClient: arg, province };
}
