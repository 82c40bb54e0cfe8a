import { createRegidesoClient } from '../../src/regideso/client';
import { silentLogger } from '../../src/logging/logger';
import { newPhone, newSessionId, startWorld, type World } from './world';

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

test('verify: a real receipt typed in another case is found, and the name is masked', async () => {
  const client = createRegidesoClient({ baseUrl: w.sandbox.baseUrl, apiKey: w.sandbox.apiKey, operator: 'FINCA', timeoutMs: 3000, logger: silentLogger() });
  const paid = await client.payBills({ refClient: '83262', province: 'KIN', billIds: ['108776772'], amountCentimes: 10_000, paidAt: new Date() });
  if (paid.kind !== 'paid') throw new Error(`sandbox did not pay: ${paid.kind}`);
  const d = dialer();
  await d.send();
  expect(await d.send('3')).toContain("numéro d'acquit");
  const typed = paid.numAcquit === paid.numAcquit.toLowerCase() ? paid.numAcquit.toUpperCase() : paid.numAcquit.toLowerCase();
  const answer = await d.send(`  ${typed} `);
  expect(answer).toMatch(/^END /);
  expect(answer).toContain('paiement réussi');
  expect(answer).toContain('100 CDF');
  expect(answer).toContain('M***** M*****');
  expect(answer).not.toContain('MUKEBA');
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
  expect(await d.send('1')).toContain('MUKEBA MUKEBA');
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
  const hop = { sessionId: d.sessionId, phoneNumber: d.phoneNumber, serviceCode: '*123#', text: '1*83262*1*2*1*1' };
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
  const session = await w.sessions.get(d.sessionId);
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
  const s = await w.sessions.get(d.sessionId);
  expect(s).toMatchObject({ menuVersion: w.menu.version, language: 'fr', text: '1', screen: 'pay_ref', mode: 'cumulative' });
  const ttl = await w.redis.ttl(`${w.prefix}s:{${d.sessionId}}`);
  expect(ttl).toBeGreaterThan(180);
  expect(ttl).toBeLessThanOrEqual(360);
});
