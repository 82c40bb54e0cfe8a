/**
 * The GSM 03.38 default alphabet and its extension table. One character outside them switches an
 * SMS or a USSD screen to UCS-2 and halves the room, so every text we send is checked against this.
 */
const BASIC =
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?' +
  '¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà';
const EXTENDED = '^{}\\[~]|€\f';
const BASIC_SET = new Set(BASIC);
const EXTENDED_SET = new Set(EXTENDED);
/** The extension characters but the euro sign, all ASCII, by code. */
const ASCII_EXTENDED = new Set([...EXTENDED].filter((ch) => ch !== '€').map((ch) => ch.charCodeAt(0)));

export function isGsm7(text: string): boolean {
  for (const ch of text) if (!BASIC_SET.has(ch) && !EXTENDED_SET.has(ch)) return false;
  return true;
}

/** The characters of `text` outside GSM-7, for precise error messages. */
export function nonGsm7Chars(text: string): string[] {
  return [...new Set([...text].filter((ch) => !BASIC_SET.has(ch) && !EXTENDED_SET.has(ch)))];
}

/** Septets used: extension characters take two. */
export function gsm7Length(text: string): number {
  let n = 0;
  // By UTF-16 unit, without a string per character (screens are measured on every hop): every
  // character outside ASCII but the euro sign takes one septet, and a surrogate pair is one character.
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x80) n += ASCII_EXTENDED.has(code) ? 2 : 1;
    else if (code === 0x20ac) n += 2;
    else if (!isLowSurrogate(code) || i === 0 || !isHighSurrogate(text.charCodeAt(i - 1))) n += 1;
  }
  return n;
}

const isHighSurrogate = (code: number) => code >= 0xd800 && code <= 0xdbff;
const isLowSurrogate = (code: number) => code >= 0xdc00 && code <= 0xdfff;

/**
 * Replaces what GSM-7 lacks with its nearest letter (ê→e, ç→c, curly quotes → straight), for data
 * we do not control such as subscriber names; our own texts are checked, not converted.
 */
export function toGsm7(text: string): string {
  // Most values (amounts, dates, references, most names) are printable ASCII, all GSM-7 but the backtick.
  if (isGsm7Ascii(text)) return text;
  let out = '';
  for (const ch of text) {
    if (BASIC_SET.has(ch) || EXTENDED_SET.has(ch)) out += ch;
    else if (ch === '\u2018' || ch === '\u2019') out += "'";
    else if (ch === '\u201c' || ch === '\u201d') out += '"';
    else if (ch === '\u2013' || ch === '\u2014') out += '-';
    else if (ch === '\u00a0') out += ' ';
    else {
      const base = ch.normalize('NFD').replace(/[\u0300-\u036f]/g, '');
      out += [...base].every((c) => BASIC_SET.has(c)) ? base : '?';
    }
  }
  return out;
}

function isGsm7Ascii(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x20 ? code !== 0x0a && code !== 0x0d && code !== 0x0c : code > 0x7e || code === 0x60) return false;
  }
  return true;
}

/** The longest start of `text` that takes at most `limit` GSM-7 septets (an extension character takes two). */
export function fitGsm7(text: string, limit: number): string {
  if (gsm7Length(text) <= limit) return text;
  let n = 0;
  let end = 0;
  for (const ch of text) {
    n += gsm7Length(ch);
    if (n > limit) break;
    end += ch.length;
  }
  return text.slice(0, end);
}

export const SCREEN_LIMIT = 182;
export const SMS_SEGMENT = 160;
/** A concatenated SMS loses 7 septets per segment to its header. */
export const SMS_TWO_SEGMENTS = 2 * 153;

/** The alphabet itself, served to the browser phone so its counter never drifts from this file. */
export const GSM7_ALPHABET = { basic: BASIC, extended: EXTENDED } as const;
