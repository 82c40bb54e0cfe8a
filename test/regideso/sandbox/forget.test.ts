import { startSandbox, type RunningSandbox } from '../../../src/regideso/sandbox/server';
import { sandboxClient } from '../../support/regideso';

/** The sandbox REGIDESO's test-only "forget a receipt", by its object and by its opt-in admin route. */
let sandbox: RunningSandbox;
let closed: RunningSandbox;

beforeAll(async () => {
  sandbox = await startSandbox({ adminToken: 'admin-secret' });
  closed = await startSandbox();
});
afterAll(async () => {
  await sandbox.close();
  await closed.close();
});

async function payOnce(s: RunningSandbox): Promise<string> {
  const client = sandboxClient(s);
  const out = await client.payBills({ refClient: '83262', province: 'KIN', billIds: ['108776771'], amountCentimes: 10_000, paidAt: new Date() });
  if (out.kind !== 'paid') throw new Error(out.kind);
  expect((await client.verifyTransaction(out.numAcquit, 'KIN')).kind).toBe('ok');
  return out.numAcquit;
}

const forget = (s: RunningSandbox, token: string | undefined, body: unknown) =>
  fetch(`${s.baseUrl}/sandbox-admin/forget`, { method: 'POST', headers: { 'content-type': 'application/json', ...(token !== undefined ? { 'x-admin-token': token } : {}) }, body: JSON.stringify(body) });

it('forget(): VerifyTransaction answers "not found" from then on, as REGIDESO does for a receipt it does not know', async () => {
  const n = await payOnce(sandbox);
  expect(sandbox.forget(n)).toBe(true);
  expect(await sandboxClient(sandbox).verifyTransaction(n, 'KIN')).toMatchObject({ kind: 'not_found' });
  expect(sandbox.forget(n)).toBe(false);
});

it('the admin route needs its token, then forgets; without the option it does not exist', async () => {
  const n = await payOnce(sandbox);
  expect((await forget(sandbox, undefined, { num_acquit: n })).status).toBe(401);
  expect((await forget(sandbox, 'wrong', { num_acquit: n })).status).toBe(401);
  expect((await forget(sandbox, 'admin-secret', {})).status).toBe(400);
  expect((await sandboxClient(sandbox).verifyTransaction(n, 'KIN')).kind).toBe('ok');
  const res = await forget(sandbox, 'admin-secret', { num_acquit: n });
  expect(res.status).toBe(200);
  expect(await res.json()).toEqual({ success: true, forgotten: true });
  expect((await sandboxClient(sandbox).verifyTransaction(n, 'KIN')).kind).toBe('not_found');

  const kept = await payOnce(closed);
  expect((await forget(closed, 'admin-secret', { num_acquit: kept })).status).toBe(404);
  expect((await sandboxClient(closed).verifyTransaction(kept, 'KIN')).kind).toBe('ok');
});
