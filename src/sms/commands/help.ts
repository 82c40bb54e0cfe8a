import type { KeywordLanguage } from '../keywords';
import type { KeywordTexts } from '../keyword-texts';
import type { CommandResult } from './context';

/** `AIDE` / `HELP`, and anything not understood (answered in French, the default language). */
export function helpCommand(texts: KeywordTexts, cmd: { language: KeywordLanguage; understood: boolean }): CommandResult {
  return { outcome: cmd.understood ? 'asked' : 'not_understood', reply: texts.help(cmd.language) };
}

/** A keyword without a usable argument: how to use that keyword. */
export function usageCommand(texts: KeywordTexts, cmd: { language: KeywordLanguage; keyword: 'receipt' | 'bill' }): CommandResult {
  return { outcome: 'usage', reply: texts.usage(cmd.keyword, cmd.language) };
}

export function unknownProvinceCommand(texts: KeywordTexts, cmd: { language: KeywordLanguage; keyword: 'receipt' | 'bill'; given: string }): CommandResult {
  return { outcome: 'unknown_province', reply: texts.unknownProvince(cmd.given, cmd.keyword, cmd.language) };
}
