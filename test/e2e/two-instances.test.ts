import { randomUUID } from 'node:crypto';
import { until as waitUntil } from '../support/wait';
import { Queue } from 'bullmq';
import type { RunningSandboxWallet } from '../../src/collections/sandbox/server';
import type { Db } from '../../src/db/types';
import { queuePrefix } from '../../src/jobs/bullmq-runner';
import type { RunningSandbox } from '../../src/regideso/sandbox/server';
import { spawnProduct, type ProductProcess } from '../support/product-process';
import { connectTestRedis, REDIS_CLUSTER_NODES } from '../support/redis';
import { queuesEmpty, startWalletRig, type WalletRig } from '../support/wallet-product';
import { PAY_100_ON_108776771 } from './product-kit';

/**
 * Two instances of the product, as behind a load balancer: two real processes (main.ts), each on
 * its own port, sharing one Redis (the cluster in the cluster run), one PostgreSQL ledger (one
 * schema, which both migrate at start-up), one REGIDESO and one pawaPay-compatible wallet (the
 * sandboxes, started here so PayFact calls and deposits can be counted). The sweeps run at their
 * production timings (20 s, 40 s): every wait below is for a condition, within jest's timeout.
 */
const CONFIRM = PAY_100_ON_108776771.at(-1) as string;

let rig: WalletRig | undefined;
let regideso: RunningSandbox;
let wallet: RunningSandboxWallet;
let ledger: Db;
let prefix: string;
let a: ProductProcess;
let b: ProductProcess;
/** Started after A is killed, as an orchestrator replaces a dead instance. */
let c: ProductProcess | undefined;
let env: Record<string, string>;

let seq = 0;
/** A Vodacom number ending in 90: the sandbox wallet approves its deposits on its own. */
const newPhone = () => `+24381${String(Date.now() % 10_000).padStart(4, '0')}${seq++ % 10}90`;
const newSession = () => `ATUid_${randomUUID().replace(/-/g, '')}`;


interface IntentRow {
  id: string;
  status: string;
  num_acquit: string | null;
  deposit_id: string | null;
}

const intentsOf = async (sessionId: string) =>
  (await ledger.query<IntentRow>('SELECT id, status, num_acquit, deposit_id FROM payment_intents WHERE session_id = $1', [sessionId])).rows;

/** Waits until the session's payment reached one of `statuses`, and every queue is empty: nothing is left to run. */
async function settled(sessionId: string, statuses: readonly string[] = ['succeeded']): Promise<IntentRow> {
  const intent = await until(async () => {
    const [it] = await intentsOf(sessionId);
    return it !== undefined && statuses.includes(it.status) ? it : undefined;
  });
  await queuesEmpty(prefix);
  return intent;
}

/** What the subscriber received (SMS_TRANSPORT=outbox keeps it in Redis), through either instance. */
async function outbox(via: ProductProcess, phone: string): Promise<string[]> {
  const res = await via.get(`/outbox?to=${encodeURIComponent(phone)}`);
  return ((await res.json()) as Array<{ message: string }>).map((m) => m.message);
}

/** The receipts of one payment, counted in the ledger and in the outbox. */
async function receipts(via: ProductProcess, intent: IntentRow, phone: string): Promise<{ ledger: number; outbox: number }> {
  const sent = await ledger.query<{ n: number }>(`SELECT count(*)::int AS n FROM sms_messages WHERE intent_id = $1 AND kind = 'receipt' AND status = 'sent'`, [intent.id]);
  const messages = await outbox(via, phone);
  return { ledger: sent.rows[0]?.n ?? -1, outbox: messages.filter((m) => m.includes(intent.num_acquit ?? 'no receipt number')).length };
}

const depositsOf = (phone: string) => wallet.deposits().filter((d) => d.phoneNumber === phone.replace(/^\+/, ''));
const payFactsOf = (numAcquit: string | null) => regideso.payments().filter((p) => p.numAcquit === numAcquit);

beforeAll(async () => {
  rig = await startWalletRig('two');
  ({ regideso, wallet, ledger, env, prefix } = rig);
  // Started together: both migrate the one empty schema at once (the migration lock makes it once).
  [a, b] = await Promise.all([spawnProduct(env), spawnProduct(env)]);
  await Promise.all([a.ready(), b.ready()]);
  // pawaPay calls back the one URL the operator registered (the load balancer's): here, A's.
  wallet.setCallbackUrls({ deposit: `${a.baseUrl}/collections/pawapay/deposits`, refund: `${a.baseUrl}/collections/pawapay/refunds` });
}, 120_000);

afterAll(async () => {
  await Promise.all([a?.stop(), b?.stop(), c?.stop()]);
  await rig?.close();
}, 60_000);

test(`both instances share ${REDIS_CLUSTER_NODES === undefined ? 'one Redis' : 'the Redis Cluster'} and one ledger, and are ready`, async () => {
  for (const p of [a, b]) {
    const res = await p.get('/readyz');
    expect(await res.json()).toEqual({ status: 'ready', checks: { redis: true, ledger: true }, info: { regideso: true } });
  }
  const migrations = await ledger.query<{ n: number }>('SELECT count(*)::int AS n FROM schema_migrations');
  expect(migrations.rows[0]?.n).toBeGreaterThan(0);
});

test('a session whose hops alternate between the two instances walks to the payment, which is made once', async () => {
  const session = newSession();
  const phone = newPhone();
  const screens: string[] = [];
  for (const [i, text] of PAY_100_ON_108776771.entries()) {
    const res = await (i % 2 === 0 ? a : b).hop(session, phone, text);
    expect(res.status).toBe(200);
    screens.push(res.text);
  }
  // Each instance carried on from the screen the other one left: the same walk as on one instance.
  expect(screens[0]).toMatch(/^CON REGIDESO/);
  expect(screens[3]).toMatch(/^CON [\s\S]*CDF/);
  for (const s of screens.slice(0, -1)) expect(s).toMatch(/^CON /);
  expect(screens.at(-1)).toMatch(/^END Approuvez le paiement de 100 CDF/);

  const intent = await settled(session);
  expect(await intentsOf(session)).toHaveLength(1);
  expect(depositsOf(phone)).toHaveLength(1);
  expect(payFactsOf(intent.num_acquit)).toHaveLength(1);
  expect(await receipts(b, intent, phone)).toEqual({ ledger: 1, outbox: 1 });
}, 120_000);

test('five identical confirms spread over both instances at once: one answer for all, one deposit, one PayFact, one receipt', async () => {
  const session = newSession();
  const phone = newPhone();
  for (const [i, text] of PAY_100_ON_108776771.slice(0, -1).entries()) expect((await (i % 2 === 0 ? b : a).hop(session, phone, text)).text).toMatch(/^CON /);
  const payFactsBefore = regideso.calls.payFact;

  const answers = await Promise.all([a, b, a, b, a].map((p) => p.hop(session, phone, CONFIRM)));
  expect(answers.map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
  expect(new Set(answers.map((r) => r.text)).size).toBe(1);
  expect(answers[0]?.text).toMatch(/^END Approuvez le paiement de 100 CDF/);

  const intent = await settled(session);
  expect(await intentsOf(session)).toHaveLength(1);
  expect(depositsOf(phone)).toHaveLength(1);
  expect(payFactsOf(intent.num_acquit)).toHaveLength(1);
  expect(regideso.calls.payFact - payFactsBefore).toBe(1);
  expect(await receipts(a, intent, phone)).toEqual({ ledger: 1, outbox: 1 });
}, 120_000);

// Last: A is gone afterwards. Its jobs (the payment's, perhaps the receipt's) are taken over by B:
// a job A held is found stalled once A's lock lapses (BullMQ's 30 s), a lost one by B's sweep.
test('one instance killed (kill -9) right after a confirm: the other finishes the payment once and sends the receipt once', async () => {
  const session = newSession();
  const phone = newPhone();
  for (const text of PAY_100_ON_108776771.slice(0, -1)) expect((await a.hop(session, phone, text)).text).toMatch(/^CON /);
  const payFactsBefore = regideso.calls.payFact;
  const confirmed = await a.hop(session, phone, CONFIRM);
  await a.kill9();
  expect(confirmed.text).toMatch(/^END Approuvez le paiement de 100 CDF/);

  const intent = await settled(session);
  expect(depositsOf(phone)).toHaveLength(1);
  expect(payFactsOf(intent.num_acquit)).toHaveLength(1);
  expect(regideso.calls.payFact - payFactsBefore).toBe(1);
  expect(await receipts(b, intent, phone)).toEqual({ ledger: 1, outbox: 1 });
  // B still serves: a new session on it walks as before.
  expect((await b.hop(newSession(), newPhone(), '')).text).toMatch(/^CON REGIDESO/);
}, 180_000);

// The worst moment: the instance running the payment's job dies while its PayFact is on the wire
// (REGIDESO applies it a moment later, and nobody hears the answer). The job is found stalled
// once the dead worker's lock lapses (BullMQ's 30 s), and the survivor learns from REGIDESO's own
// balances that the money landed: never a second PayFact.
test('the instance running a payment is killed while its PayFact is in flight: the other reconciles it, never pays twice, sends one receipt', async () => {
  c = await spawnProduct(env);
  await c.ready();
  const session = newSession();
  const phone = newPhone();
  for (const [i, text] of PAY_100_ON_108776771.slice(0, -1).entries()) expect((await (i % 2 === 0 ? c : b).hop(session, phone, text)).text).toMatch(/^CON /);
  const payFactsBefore = regideso.calls.payFact;
  const paymentsBefore = regideso.payments().length;
  regideso.faults.payFact.push({ kind: 'hang', ms: 4000 });
  expect((await c.hop(session, phone, CONFIRM)).text).toMatch(/^END Approuvez le paiement de 100 CDF/);

  await until(async () => regideso.calls.payFact > payFactsBefore);
  const [intent] = await intentsOf(session);
  const conn = connectTestRedis();
  const queue = new Queue('payments', { connection: conn, prefix: queuePrefix(prefix) });
  const runner = await queue.getJob(intent?.id ?? 'missing').finally(() => queue.close().finally(() => conn.disconnect()));
  const holder = [b, c].find((p) => runner?.processedBy?.endsWith(`:${p.pid}`));
  if (holder === undefined) throw new Error(`no live instance runs the payment's job (processedBy ${runner?.processedBy})`);
  await holder.kill9();
  const survivor = holder === b ? c : b;

  const done = await settled(session, ['succeeded', 'reconciled']);
  expect(regideso.calls.payFact - payFactsBefore).toBe(1);
  expect(regideso.payments().slice(paymentsBefore)).toHaveLength(1);
  expect(depositsOf(phone)).toHaveLength(1);
  expect(await receipts(survivor, done, phone)).toEqual({ ledger: 1, outbox: 1 });
}, 180_000);

/** Servers may be down for a while here: a check that throws is "not yet". */
function until<T>(check: () => Promise<T | undefined | false>): Promise<T> {
  return waitUntil(check, { retryOnError: true, everyMs: 200 });
}
