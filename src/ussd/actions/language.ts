import { isLanguage } from '../../language';
import type { ActionDef } from './types';

/** Switches the session's language and remembers it for this phone's later sessions. */
export const setLanguage: ActionDef = {
  async run(ctx) {
    const lang = ctx.vars.language;
    if (typeof lang !== 'string' || !isLanguage(lang)) return { outcome: 'unavailable' };
    return { outcome: 'done', language: lang, remember: { language: lang } };
  },
};
