import { z } from 'zod';
import { read } from './reads';
import { defineAction } from './types';

/** Switches the session's language and remembers it for this phone's later sessions. */
export const setLanguage = defineAction({
  local: true,
  reads: z.object({ language: read.language }),
  sets: [],
  async run(_ctx, _deps, { language }) {
    if (language === undefined) return { outcome: 'unavailable' };
    return { outcome: 'done', language, remember: { language } };
  },
});
