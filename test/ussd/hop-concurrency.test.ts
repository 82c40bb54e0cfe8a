import { sessionKeys } from '../../src/sessions/keys';
import { newPhone, newSessionId, startWorld, type World } from './world';

/**
 * A gateway retry arriving while its original hop is still running (a slow GetFact): it waits for
 * the original within its own budget and answers the original's screen; when even that budget runs
 * out it asks to wait with a CON screen, never an END that would kill the session.
 */
let w: World;
beforeAll(async () => {
  w = await startWorld();
});
afterAll(async () => {
  w.sandbox.faults.getFact.length = 0;
  await w.close();
});

async function atProvinceList(engine = w.engine) {
  const sessionId = newSessionId();
  const phoneNumber = newPhone();
  const hop = (text: string, e = engine) => e.handle({ sessionId, phoneNumber, serviceCode: '*123#', text });
  await hop('');
  await hop('1');
  expect(await hop('1*83262')).toContain('1. Kinshasa');
  return { sessionId, hop };
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('a retry during a slow original waits for it and answers the same screen, with one GetFact', async () => {
  const engine = w.makeEngine({ hopBudgetMs: 4000 });
  const { hop } = await atProvinceList(engine);
  w.sandbox.faults.getFact.push({ kind: 'hang', ms: 2500 });
  const calls = w.sandbox.calls.getFact;
  const original = hop('1*83262*1');
  await pause(300);
  const retry = hop('1*83262*1');
  const [a, b] = await Promise.all([original, retry]);
  expect(a).toMatch(/^CON MUKEBA M\./);
  expect(b).toBe(a);
  expect(w.sandbox.calls.getFact - calls).toBe(1);
});

test('a retry that outwaits its budget gets a CON "please wait"; the next input shows the original screen', async () => {
  const { hop } = await atProvinceList();
  const impatient = w.makeEngine({ hopBudgetMs: 1000 });
  w.sandbox.faults.getFact.push({ kind: 'hang', ms: 2000 });
  const original = hop('1*83262*1');
  await pause(100);
  const retry = await hop('1*83262*1', impatient);
  expect(retry).toMatch(/^CON Votre demande est en cours\. Patientez/);
  expect(await original).toMatch(/^CON MUKEBA M\./);
  // The phone shows "please wait": the "2" typed there is not a choice in the bill list it never saw.
  const shown = await hop('1*83262*1*2');
  expect(shown).toMatch(/^CON MUKEBA M\./);
  expect(shown).toContain('1. Tout payer');
  expect(await hop('1*83262*1*2*2')).toContain('Solde exact: 17 865,57 CDF');
});

test('a "please wait" given over the confirmation: the "1" typed on it shows the confirmation and pays nothing', async () => {
  const { sessionId, hop } = await atProvinceList();
  await hop('1*83262*1');
  await hop('1*83262*1*2');
  // The confirmation is stored under its text, but the phone was answered "please wait" for it
  // (what a retry that outwaited its budget records, as in the test above).
  expect(await hop('1*83262*1*2*1')).toContain('2. Confirmer');
  // What a retry that outwaited its budget notes (as in the test above).
  await w.redis.set(sessionKeys(w.prefix, sessionId).wait, '1*83262*1*2*1');
  const before = w.payments.calls.length;
  const answer = await hop('1*83262*1*2*1*2');
  expect(answer).toMatch(/^CON Payer 17 865,57 CDF/);
  expect(w.payments.calls.length).toBe(before);
  // Answered on the confirmation it has now been shown: it pays, once.
  expect(await hop('1*83262*1*2*1*2*2')).toMatch(/^END Paiement de 17 865,57 CDF réussi/);
  expect(w.payments.calls.length).toBe(before + 1);
});
