/** Subscriber languages: French is the default; English, Swahili and Lingala are offered. */
export const LANGUAGES = ['fr', 'en', 'sw', 'ln'] as const;
export type Language = (typeof LANGUAGES)[number];
export const DEFAULT_LANGUAGE: Language = 'fr';

export function isLanguage(v: string): v is Language {
  return (LANGUAGES as readonly string[]).includes(v);
}
