import { LANGUAGES, type Language } from '../../src/language';
import { silentLogger } from '../../src/logging/logger';
import type { Vars } from '../../src/json';
import type { SessionState } from '../../src/sessions/types';
import { createInterpreter } from '../../src/ussd/interpreter';
import { loadMenu } from '../../src/ussd/menu/load';
import { liveFill, renderScreen } from '../../src/ussd/render/screen';
import { MENU_DIR } from './world';

/**
 * Static screens are rendered once per language and `when` variant, then served from a cache: what
 * a session gets must stay what rendering it afresh gives, whatever the sessions before it saw.
 */
const menu = loadMenu(MENU_DIR);

function at(screen: string, language: Language, vars: Vars): SessionState {
  return { language, screen, page: 0, history: [], vars, ended: false };
}

function fresh(screen: string, language: Language, vars: Vars): string {
  const r = renderScreen(menu, screen, 0, vars, liveFill(menu, language));
  return `${r.kind} ${r.body}`;
}

// Two sessions of each kind in turn: the second of each meets whatever the first left in the cache.
const variants: Vars[] = [
  { lastRef: null, minAmount: '100' },
  { lastRef: '83262', minAmount: '100' },
  { lastRef: '11111', minAmount: '100', saved1Ref: '22222', saved1Name: 'MUKEBA', saved1Province: 'KIN' },
  { lastRef: '33333', minAmount: '100', saved1Ref: '44444', saved1Name: 'KABILA', saved1Province: 'KAT' },
  { lastRef: null, minAmount: '100' },
];

test('every screen answers as a fresh render, in every language, with or without its `when` values, twice over', () => {
  const interp = createInterpreter({ menu, minPaymentCentimes: 10_000, logger: silentLogger() });
  const screens = Object.entries(menu.screens).filter(([, s]) => s.type !== 'action' && s.type !== 'list').map(([id]) => id);
  expect(screens).toEqual(expect.arrayContaining(['main', 'pay_ref', 'pay_province']));
  for (let round = 0; round < 2; round++)
    for (const language of LANGUAGES)
      for (const id of screens)
        for (const vars of variants) {
          const s = at(id, language, { ...vars });
          expect(interp.answer(s)).toBe(fresh(id, language, vars));
          expect(s.ended).toBe(menu.screens[id]?.type === 'end');
        }
});

test('a screen that names a session value shows each session its own, after one without it was cached', () => {
  const interp = createInterpreter({ menu, minPaymentCentimes: 10_000, logger: silentLogger() });
  const none = interp.answer(at('main', 'fr', { lastRef: null }));
  expect(none).not.toMatch(/22222|44444/);
  expect(interp.answer(at('main', 'fr', { lastRef: null }))).toBe(none);
  expect(interp.answer(at('main', 'fr', { lastRef: '1', saved1Ref: '22222', saved1Name: 'A', saved1Province: 'KIN' }))).toContain('22222');
  expect(interp.answer(at('main', 'fr', { lastRef: '1', saved1Ref: '44444', saved1Name: 'B', saved1Province: 'KIN' }))).toContain('44444');
  expect(interp.answer(at('pay_ref', 'en', { lastRef: '83262' }))).toContain('83262');
  expect(interp.answer(at('pay_ref', 'en', { lastRef: '90001' }))).toContain('90001');
  // An error line above the screen is never served from the cache.
  expect(interp.answer(at('pay_ref', 'en', { lastRef: null }), 'ref.invalid')).toBe(
    `CON ${renderScreen(menu, 'pay_ref', 0, { lastRef: null }, liveFill(menu, 'en'), 'ref.invalid').body}`,
  );
});
