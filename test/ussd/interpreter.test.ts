import { gsm7Length, SCREEN_LIMIT } from '../../src/gsm7';
import { silentLogger } from '../../src/logging/logger';
import type { SessionState } from '../../src/sessions/types';
import type { ActionResult } from '../../src/ussd/actions/types';
import { createInterpreter, type Act } from '../../src/ussd/interpreter';
import { loadMenu } from '../../src/ussd/menu/load';
import { MENU_DIR } from './world';

/** The interpreter alone: a plain session object, the product menu, actions answered by a script. */
const menu = loadMenu(MENU_DIR);
const interp = createInterpreter({ menu, minPaymentCentimes: 10_000, logger: silentLogger() });

function scripted(outcomes: Record<string, ActionResult>): Act & { ran: string[] } {
  const ran: string[] = [];
  const act = async (name: string): Promise<ActionResult> => {
    ran.push(name);
    return outcomes[name] ?? { outcome: 'unavailable' };
  };
  return Object.assign(act, { ran });
}

const bills = [
  { faeId: '1', billNumber: 'A', issuedOn: '2024-03-31', balance: 1_786_557 },
  { faeId: '2', billNumber: 'B', issuedOn: '2024-04-30', balance: 1_698_321 },
];
const found: ActionResult = { outcome: 'found', set: { subscriberName: 'MUKEBA MUKEBA', bills, total: 3_484_878, billCount: 2 } };
const selected: ActionResult = { outcome: 'selected', set: { selectedIds: ['1'], selectedBalance: 1_786_557, billsLabel: '03/2024', otherAmount: true, exactAmount: true } };

test('a path walks input by input, and holds before the payment on a screen not shown', async () => {
  const s: SessionState = interp.start({ language: undefined, lastRef: undefined, paidRefs: [] });
  const act = scripted({ fetchBills: found, selectBills: selected, detectWallet: { outcome: 'none' } });
  expect(await interp.walk(s, '1*83262*1*2*1*2', false, act)).toBeUndefined();
  expect(s.screen).toBe('pay_confirm');
  expect(act.ran).toEqual(['fetchBills', 'selectBills', 'detectWallet']);
  // Shown now: its key pays.
  const pay = scripted({ confirmPayment: { outcome: 'succeeded', set: { numAcquit: 'X-1', paidAmount: 1_786_557 } } });
  await interp.walk(s, '2', true, pay);
  expect(pay.ran).toEqual(['confirmPayment']);
  expect(interp.answer(s)).toMatch(/^END Paiement de 17 865,57 CDF réussi/);
  expect(s.ended).toBe(true);
});

test('a refused input stops the walk and its error is shown above the screen where it was typed', async () => {
  const s = interp.start({ language: undefined, lastRef: undefined, paidRefs: [] });
  const error = await interp.walk(s, '1*x*1', false, scripted({}));
  expect(error).toBe('ref.invalid');
  expect(s.screen).toBe('pay_ref');
  expect(interp.answer(s, error)).toMatch(/^CON Référence invalide/);
});

test('a free-text answer keeps its `*` when its screen takes it whole (a receipt typed with * for its dashes)', async () => {
  const s = interp.start({ language: undefined, lastRef: undefined, paidRefs: [] });
  await interp.walk(s, '3', true, scripted({}));
  await interp.walk(s, 'ab*cd*ef', true, scripted({}));
  expect(s.vars.numAcquit).toBe('ab*cd*ef');
  expect(s.screen).toBe('verify_province');
});

test('an over-long screen is cut by GSM-7 septets (an extension character takes two), not by UTF-16 length', async () => {
  const s = interp.start({ language: undefined, lastRef: undefined, paidRefs: [] });
  await interp.walk(s, '1*83262*1', false, scripted({ fetchBills: found }));
  // An amount is never cut by its template, so a huge one can push the screen past the limit; `€` takes two septets.
  s.screen = 'pay_confirm';
  Object.assign(s.vars, { amount: 10 ** 15, billsLabel: '€'.repeat(30), subscriberName: '€'.repeat(40) });
  const answer = interp.answer(s);
  // Under the limit in UTF-16 code units, over it in septets: a cut by `.length` would send it whole.
  expect(answer.length).toBeLessThan(SCREEN_LIMIT);
  expect(answer.startsWith('CON ')).toBe(true);
  expect(gsm7Length(answer)).toBeLessThanOrEqual(SCREEN_LIMIT);
});
