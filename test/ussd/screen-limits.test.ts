import { gsm7Length, isGsm7, SCREEN_LIMIT } from '../../src/gsm7';
import { LANGUAGES } from '../../src/language';
import { LIST_ERROR_KEYS, liveFill, listPages, renderScreen } from '../../src/ussd/render/screen';
import type { Vars } from '../../src/json';
import { newPhone, newSessionId, startWorld, type World } from './world';

/**
 * Bill lists with the error line of a re-prompt, on every page, in every language: the whole answer
 * (`CON ` included, as gateways may count it) stays within 182 characters.
 */
let w: World;
beforeAll(async () => {
  w = await startWorld();
});
afterAll(async () => {
  await w.close();
});

function longestListError(lang: (typeof LANGUAGES)[number]): string {
  const fill = liveFill(w.menu, lang);
  return LIST_ERROR_KEYS.map((k) => fill(k, {})).sort((a, b) => gsm7Length(b) - gsm7Length(a))[0] ?? '';
}

describe.each(LANGUAGES)('%s', (lang) => {
  test.each([
    ['pay', '1', '70315', '2'],
    ['consult', '2', '70315', '2'],
    ['pay', '1', '83262', '1'],
    ['consult', '2', '83262', '1'],
    ['pay', '1', '91844', '1'],
  ])('%s list of %s: every page re-prompted fits', async (_flow, choice, ref, province) => {
    const phoneNumber = newPhone();
    await w.prefs.setLanguage(phoneNumber, lang);
    const sessionId = newSessionId();
    const inputs = [choice, ref, province];
    const hop = (...more: string[]) => w.engine.handle({ sessionId, phoneNumber, serviceCode: '*123#', text: [...inputs, ...more].join('*') });
    // The first request carries the path to the list.
    let page = await hop();
    expect(page).toMatch(/^CON /);
    const error = longestListError(lang);
    for (let p = 0; p < 20; p++) {
      const reprompt = await hop('abc');
      inputs.push('abc');
      const where = `${lang} ${ref} page ${p + 1}:\n${reprompt}`;
      expect({ where, starts: reprompt.startsWith(`CON ${error}\n`) }).toEqual({ where, starts: true });
      expect({ where, length: gsm7Length(reprompt) <= SCREEN_LIMIT, gsm7: isGsm7(reprompt) }).toEqual({ where, length: true, gsm7: true });
      // The same items as without the error line: room for it was kept, nothing moved.
      expect(reprompt.slice(`CON ${error}\n`.length)).toBe(page.slice('CON '.length));
      if (!/^99\. /m.test(page)) break;
      page = await hop('99');
      inputs.push('99');
    }
  });
});

test('every list of the menu, every page, every language, values at their longest: fits with the longest error', () => {
  const item = { issuedOn: '2024-12-31', balance: 9_999_999_999_999 };
  const vars: Vars = {
    subscriberName: 'W'.repeat(60),
    total: 99_999_999_999_999,
    bills: Array.from({ length: 40 }, () => item),
  };
  for (const lang of LANGUAGES) {
    const fill = liveFill(w.menu, lang);
    for (const [id, screen] of Object.entries(w.menu.screens)) {
      if (screen.type !== 'list') continue;
      const pages = listPages(screen, vars, fill, id === w.menu.start);
      expect(pages.length).toBeGreaterThan(1);
      for (let p = 0; p < pages.length; p++) {
        for (const key of LIST_ERROR_KEYS) {
          const r = renderScreen(w.menu, id, p, vars, fill, key);
          const answer = `${r.kind} ${r.body}`;
          const where = `${lang} ${id} page ${p + 1} error ${key}: ${gsm7Length(answer)}\n${answer}`;
          expect({ where, fits: gsm7Length(answer) <= SCREEN_LIMIT }).toEqual({ where, fits: true });
        }
      }
    }
  }
});
