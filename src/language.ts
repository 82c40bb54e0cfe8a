/** Subscriber languages: French is the default; English, Swahili and Lingala are offered. */
export const LANGUAGES = ['fr', 'en', 'sw', 'ln'] as const;
export type Language = (typeof LANGUAGES)[number];
export const DEFAULT_LANGUAGE: Language = 'fr';

export function isLanguage(v: string): v is Language {
  return (LANGUAGES as readonly string[]).includes(v);
}

/**
 * SMS keywords exist in French and English (`RECU`, `RECEIPT`…); a keyword's reply is in its
 * language, so those texts exist in these two only.
 */
export const KEYWORD_LANGUAGES = ['fr', 'en'] as const satisfies readonly Language[];
export type KeywordLanguage = (typeof KEYWORD_LANGUAGES)[number];
