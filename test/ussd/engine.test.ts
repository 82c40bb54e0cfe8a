import type { HopStore } from '../../src/sessions/types';
import { newPhone, newSessionId, startWorld, type World } from './world';
import { sandboxClient } from '../support/regideso';

let w: World;
beforeAll(async () => {
  w = await startWorld();
});
afterAll(async () => {
  await w.close();
});

function dialer(engine = w.engine, phoneNumber = newPhone(), sessionId = newSessionId()) {
  const inputs: string[] = [];
  return {
    sessionId,
    phoneNumber,
    async send(input?: string): Promise<string> {
      if (input !== undefined) inputs.push(input);
      return engine.handle({ sessionId, phoneNumber, serviceCode: '*123#', text: inputs.join('*') });
    },
  };
}

test('verify: a real receipt typed in another case is found; a phone that never paid it sees no name and the reference masked', async () => {
  const client = sandboxClient(w.sandbox, { timeoutMs: 3000 });
  const paid = await client.payBills({ refClient: '83262', province: 'KIN', billIds: ['108776772'], amountCentimes: 10_000, paidAt: new Date() });
  if (paid.kind !== 'paid') throw new Error(`sandbox did not pay: ${paid.kind}`);
  const d = dialer();
  await d.send();
  expect(await d.send('3')).toContain("numéro d'acquit");
  const typed = paid.numAcquit === paid.numAcquit.toLowerCase() ? paid.numAcquit.toUpperCase() : paid.numAcquit.toLowerCase();
  // Then the province that received it (the same seven names as paying).
  const provinces = await d.send(`  ${typed} `);
  expect(provinces).toContain('1. Kinshasa');
  expect(provinces).toContain('7. Kananga');
  const answer = await d.send('1');
  expect(answer).toMatch(/^END /);
  expect(answer).toContain('paiement réussi');
  expect(answer).toContain('100 CDF');
  expect(answer).toContain('Référence client: 83***2');
  expect(answer).not.toMatch(/MUKEBA|Abonné/);
});

test('verify from a phone that has paid the reference: the name and the reference whole', async () => {
  const client = sandboxClient(w.sandbox, { timeoutMs: 3000 });
  const paid = await client.payBills({ refClient: '83262', province: 'KIN', billIds: ['108776772'], amountCentimes: 10_000, paidAt: new Date() });
  if (paid.kind !== 'paid') throw new Error(`sandbox did not pay: ${paid.kind}`);
  const d = dialer();
  await w.prefs.rememberPaidRef(d.phoneNumber, { ref: '83262', province: 'KIN', maskedName: 'MUKEBA M.', at: Date.now() });
  await d.send();
  await d.send('3');
  await d.send(paid.numAcquit);
  const answer = await d.send('1');
  expect(answer).toMatch(/^END Acquit .*: paiement réussi/);
  expect(answer).toContain('Abonné: MUKEBA MUKEBA (83262)');
});

test('no hop waits past the budget: a hanging REGIDESO gives the "unavailable" screen with a retry', async () => {
  const engine = w.makeEngine({ hopBudgetMs: 1200 });
  const d = dialer(engine);
  await d.send();
  await d.send('1');
  await d.send('83262');
  // The client would wait 3 s per try; only the engine's budget can answer before that.
  w.sandbox.faults.getFact.push({ kind: 'hang', ms: 6000 });
  const answer = await d.send('1');
  expect(answer).toMatch(/^CON REGIDESO ne répond pas/);
  expect(answer).toContain('1. Réessayer');
  expect(await d.send('1')).toContain('MUKEBA M.');
});

test('a session started on another menu version is not reinterpreted', async () => {
  const d = dialer();
  await d.send();
  const other = w.makeEngine({ menu: { ...w.menu, version: `${w.menu.version}-next` } });
  const answer = await other.handle({ sessionId: d.sessionId, phoneNumber: d.phoneNumber, serviceCode: '*123#', text: '1' });
  expect(answer).toMatch(/^END Le service a été mis à jour/);
});

test('a retry racing its original: one payment, the same screen twice', async () => {
  const d = dialer();
  for (const i of [undefined, '1', '83262', '1', '2', '1']) await d.send(i);
  const before = w.payments.calls.length;
  const hop = { sessionId: d.sessionId, phoneNumber: d.phoneNumber, serviceCode: '*123#', text: '1*83262*1*2*1*2' };
  const [a, b] = await Promise.all([w.engine.handle(hop), w.engine.handle(hop)]);
  expect(a).toMatch(/^END Paiement de 17 865,57 CDF réussi/);
  expect(b).toBe(a);
  expect(w.payments.calls.length - before).toBe(1);
});

test('two different hops of one session at once are applied one after the other', async () => {
  const d = dialer();
  await d.send();
  const hop = (text: string) => w.engine.handle({ sessionId: d.sessionId, phoneNumber: d.phoneNumber, serviceCode: '*123#', text });
  const [a, b] = await Promise.all([hop('1'), hop('1*83262')]);
  const session = await w.sessions.peek(d.sessionId);
  expect(session?.hops).toBe(3);
  // Whichever ran first, the session holds a consistent path: its cursor is one of the two texts
  // and its screen is the one that text leads to.
  const expected = session?.text === '1*83262' ? 'pay_province' : 'pay_ref';
  expect(session?.screen).toBe(expected);
  expect([a, b].some((x) => x.includes('référence client') || x.includes('Kinshasa'))).toBe(true);
});

test('the Redis session records its menu version, language and cursor', async () => {
  const d = dialer();
  await d.send();
  await d.send('1');
  await d.send('83262');
  const s = await w.sessions.peek(d.sessionId);
  // Proven cumulative by the third hop, which extended the cursor; a nonce drawn for the session.
  expect(s).toMatchObject({ menuVersion: w.menu.version, language: 'fr', text: '1*83262', screen: 'pay_province', shape: 'cumulative' });
  expect(s?.nonce).toMatch(/^[0-9a-f]{16}$/);
  const ttl = await w.redis.ttl(`${w.prefix}s:{${d.sessionId}}`);
  expect(ttl).toBeGreaterThan(180);
  expect(ttl).toBeLessThanOrEqual(360);
});

test('verify asks the province and asks REGIDESO there: a Nord-Kivu receipt is found in Nord-Kivu only', async () => {
  const client = sandboxClient(w.sandbox, { timeoutMs: 3000 });
  const paid = await client.payBills({ refClient: '41007', province: 'NK', billIds: ['306112409'], amountCentimes: 10_000, paidAt: new Date() });
  if (paid.kind !== 'paid') throw new Error(`sandbox did not pay: ${paid.kind}`);
  const inNk = dialer();
  await inNk.send();
  await inNk.send('3');
  expect(await inNk.send(paid.numAcquit)).toContain('4. Nord-Kivu');
  const found = await inNk.send('4');
  expect(found).toMatch(/^END Acquit .*: paiement réussi/);
  expect(found).toContain('41***7');

  const inKin = dialer();
  await inKin.send();
  await inKin.send('3');
  await inKin.send(paid.numAcquit);
  expect(await inKin.send('1')).toMatch(/^CON Acquit .* introuvable/);
});

test('a slow VerifyTransaction: once the budget is spent, no further receipt form is tried', async () => {
  const engine = w.makeEngine({ hopBudgetMs: 1500 });
  const d = dialer(engine);
  await d.send();
  await d.send('3');
  // Four distinct forms to try (as typed, dashed, REGIDESO's shape, upper-case), each answered slowly.
  await d.send('ab*cd*ef');
  for (let i = 0; i < 4; i++) w.sandbox.faults.verify.push({ kind: 'hang', ms: 700 });
  const before = w.sandbox.calls.verify;
  try {
    const answer = await d.send('1');
    expect(answer).toMatch(/^CON REGIDESO ne répond pas/);
    expect(answer).toContain('1. Réessayer');
    // Long enough for every form to have been tried had the loop gone on behind the answer.
    await new Promise((r) => setTimeout(r, 3200));
    expect(w.sandbox.calls.verify - before).toBeLessThanOrEqual(2);
  } finally {
    w.sandbox.faults.verify.length = 0;
  }
});

test('running a payment is a property of the action, not of a screen: no confirmation screen, no walking into it', async () => {
  // The same menu with "exact balance" leading straight to the payment (menus:check refuses this; the engine still guards it).
  const amount = w.menu.screens.pay_amount;
  if (amount?.type !== 'menu' || amount.options[0] === undefined) throw new Error('pay_amount is not the expected menu');
  const unguarded = { ...w.menu, screens: { ...w.menu.screens, pay_amount: { ...amount, options: [{ ...amount.options[0], next: 'pay_submit' }, ...amount.options.slice(1)] } } };
  const engine = w.makeEngine({ menu: unguarded });
  const before = w.payments.calls.length;
  const d = dialer(engine);
  const hop = (text: string) => engine.handle({ sessionId: d.sessionId, phoneNumber: d.phoneNumber, serviceCode: '*123#', text });
  const held = await hop('1*83262*1*2*1');
  expect(held).toMatch(/^CON Facture\(s\) 03\/2024\. Montant/);
  expect(w.payments.calls.length).toBe(before);
  // Answered on the screen it was shown: now it runs.
  expect(await hop('1*83262*1*2*1*1')).toMatch(/^END Paiement de 17 865,57 CDF réussi/);
  expect(w.payments.calls.length).toBe(before + 1);
});

test('the same session id from another phone is told the session is not valid, in its own language', async () => {
  const d = dialer();
  await d.send();
  await d.send('1');
  const other = newPhone();
  const fr = await w.engine.handle({ sessionId: d.sessionId, phoneNumber: other, serviceCode: '*123#', text: '1*83262' });
  expect(fr).toMatch(/^END Session non valide\. Recomposez le code/);
  const english = newPhone();
  await w.prefs.setLanguage(english, 'en');
  const en = await w.engine.handle({ sessionId: d.sessionId, phoneNumber: english, serviceCode: '*123#', text: '1*83262' });
  expect(en).toMatch(/^END This session is not valid\. Dial the code again/);
  // The owner's session is untouched.
  expect(await d.send('83262')).toContain('1. Kinshasa');
});

test('Redis failing after the confirm ran: the subscriber still gets the payment answer, and a replay pays nothing more', async () => {
  // The session store fails on its next save only (a Redis stall during the confirm hop).
  let failNextSave = false;
  const flaky: HopStore = {
    ...w.sessions,
    async commit(s, token, clearWait) {
      if (failNextSave) {
        failNextSave = false;
        // The lease is released when it expires: free it now, as a stalled Redis coming back would find it expired.
        await w.sessions.release(s.id, token);
        throw new Error('Command timed out');
      }
      return w.sessions.commit(s, token, clearWait);
    },
  };
  const engine = w.makeEngine({ sessions: flaky });
  const d = dialer(engine);
  for (const i of [undefined, '1', '83262', '1', '2', '1']) await d.send(i);
  const before = w.payments.calls.length;
  failNextSave = true;
  const answer = await d.send('2');
  expect(answer).toMatch(/^END Paiement de 17 865,57 CDF réussi/);
  // The gateway retries the same hop: the session still stands at the confirmation screen, and
  // the payment service is asked again with the same session (its intent key), nothing new.
  const replay = await engine.handle({ sessionId: d.sessionId, phoneNumber: d.phoneNumber, serviceCode: '*123#', text: '1*83262*1*2*1*2' });
  expect(replay).toMatch(/^END Paiement de 17 865,57 CDF/);
  expect(new Set(w.payments.calls.slice(before).map((c) => c.sessionId))).toEqual(new Set([d.sessionId]));
});
