import { randomUUID } from 'node:crypto';
import { Queue } from 'bullmq';
import type { RunningSandboxWallet } from '../../src/collections/sandbox/server';
import type { Db } from '../../src/db/types';
import { queuePrefix } from '../../src/jobs/bullmq-runner';
import type { RunningSandbox } from '../../src/regideso/sandbox/server';
import { spawnProduct, type ProductProcess } from '../support/product-process';
import { connectTestRedis } from '../support/redis';
import { queuesEmpty, startWalletRig, type WalletRig } from '../support/wallet-product';
import { until as waitUntil } from '../support/wait';
import { PAY_100_ON_108776771 } from './product-kit';

/**
 * The product killed (kill -9) right after it answered a confirm "approve with your PIN", while the
 * payment's job was running, and started again 3 s later: a real process (main.ts) on Redis and
 * PostgreSQL, collecting from the sandbox wallet as from pawaPay (COLLECTION=pawapay). The new
 * process takes the job over (the dead one's BullMQ lock lapses, its stalled check moves it) and
 * the deposit leaves; the subscriber, who saw no PIN prompt yet, dials again and confirms the same
 * bill: told a payment of 100 CDF is under way, nothing started. Then one deposit, one PayFact,
 * one receipt. How long the take-over takes is measured by bench/crash-resume.ts, not here.
 */
const CONFIRM = PAY_100_ON_108776771.at(-1) as string;
const UNDER_WAY = "END Un paiement de 100 CDF pour cette référence est déjà en cours. Le résultat suit par SMS au numéro qui l'a fait. Ne payez pas à nouveau.";

let rig: WalletRig | undefined;
let regideso: RunningSandbox;
let wallet: RunningSandboxWallet;
let ledger: Db;
let env: Record<string, string>;
let prefix: string;
const processes: ProductProcess[] = [];

/** A Vodacom number ending in 90: its deposit shows a PIN prompt. */
const PHONE = `+24381${String(Date.now() % 10_000).padStart(4, '0')}590`;
const newSession = () => `ATUid_${randomUUID().replace(/-/g, '')}`;
const until = <T>(check: () => Promise<T | undefined | false>) => waitUntil(check, { retryOnError: true, everyMs: 100 });

async function walk(p: ProductProcess, session: string, inputs: readonly string[]): Promise<string[]> {
  const screens: string[] = [];
  for (const text of inputs) {
    const res = await p.hop(session, PHONE, text);
    expect(res.status).toBe(200);
    screens.push(res.text);
  }
  return screens;
}

const depositsOfPhone = () => wallet.deposits().filter((d) => d.phoneNumber === PHONE.replace(/^\+/, ''));

beforeAll(async () => {
  // Deposits wait for the PIN: the test approves once the redial has been answered.
  rig = await startWalletRig('crash', { approveDelayMs: 600_000, promptTimeoutMs: 600_000 });
  ({ regideso, wallet, ledger, env, prefix } = rig);
}, 60_000);

afterAll(async () => {
  await Promise.all(processes.map((p) => p.stop()));
  await rig?.close();
}, 60_000);

test('kill -9 right after a confirm, restarted 3 s later: the deposit leaves after the restart, a redial meanwhile starts nothing and is told, then one deposit, one PayFact, one receipt', async () => {
  const first = await spawnProduct(env);
  processes.push(first);
  await first.ready();
  const session = newSession();
  expect((await walk(first, session, PAY_100_ON_108776771.slice(0, -1))).every((s) => s.startsWith('CON '))).toBe(true);

  // The job's first step (a last look at the bills) is held at REGIDESO: the kill finds the job running.
  const getFacts = regideso.calls.getFact;
  regideso.faults.getFact.push({ kind: 'hang', ms: 3000 });
  expect((await first.hop(session, PHONE, CONFIRM)).text).toMatch(/^END Approuvez le paiement de 100 CDF/);
  await until(async () => regideso.calls.getFact > getFacts);
  await first.kill9();
  const killedAt = Date.now();
  const [intent] = (await ledger.query<{ id: string; status: string }>('SELECT id, status FROM payment_intents WHERE session_id = $1', [session])).rows;
  expect(intent?.status).toBe('pending');
  expect(depositsOfPhone()).toEqual([]);
  // The job is still BullMQ's running job of the dead process: only its lock lapsing frees it.
  const conn = connectTestRedis();
  const queue = new Queue('payments', { connection: conn, prefix: queuePrefix(prefix) });
  try {
    expect(await (await queue.getJob(intent?.id ?? 'missing'))?.getState()).toBe('active');
  } finally {
    await queue.close();
    conn.disconnect();
  }

  // An orchestrator restarts it 3 s later (a delay of the scenario, not a bound on anything).
  await new Promise((r) => setTimeout(r, 3000));
  const restartedAt = Date.now();
  const second = await spawnProduct(env);
  processes.push(second);
  await second.ready();
  wallet.setCallbackUrls({ deposit: `${second.baseUrl}/collections/pawapay/deposits`, refund: `${second.baseUrl}/collections/pawapay/refunds` });

  // The new process takes the payment over: the deposit leaves (after the restart, never before it).
  const deposit = await until(async () => depositsOfPhone()[0]);
  expect(Date.parse(deposit.created)).toBeGreaterThanOrEqual(restartedAt);
  expect(restartedAt).toBeGreaterThan(killedAt);
  // The PIN prompt is on the phone and waits; the subscriber has not seen it yet and dials again.
  expect(await wallet.simulator.prompts(PHONE)).toHaveLength(1);

  const redial = newSession();
  const screens = await walk(second, redial, PAY_100_ON_108776771);
  expect(screens.at(-1)).toBe(UNDER_WAY);
  expect((await ledger.query('SELECT id FROM payment_intents WHERE session_id = $1', [redial])).rows).toEqual([]);
  expect(depositsOfPhone()).toHaveLength(1);

  // The PIN is typed: the payment completes, once.
  expect(await wallet.simulator.answer(deposit.depositId, { pin: '1234' })).toBe('approved');
  const done = await until(async () => {
    const [row] = (await ledger.query<{ id: string; status: string; num_acquit: string | null }>('SELECT id, status, num_acquit FROM payment_intents WHERE session_id = $1', [session])).rows;
    return row?.status === 'succeeded' ? row : undefined;
  });
  await queuesEmpty(prefix);
  expect(depositsOfPhone()).toHaveLength(1);
  expect(regideso.payments().filter((p) => p.numAcquit === done.num_acquit)).toHaveLength(1);
  expect(regideso.payments()).toHaveLength(1);
  const receipts = await ledger.query<{ n: number }>(`SELECT count(*)::int AS n FROM sms_messages WHERE intent_id = $1 AND kind = 'receipt' AND status = 'sent'`, [done.id]);
  expect(receipts.rows[0]?.n).toBe(1);
  const outbox = (await (await second.get(`/outbox?to=${encodeURIComponent(PHONE)}`)).json()) as Array<{ message: string }>;
  expect(outbox.filter((m) => m.message.includes(done.num_acquit ?? 'no receipt number'))).toHaveLength(1);
  // The story in the ledger, in order: confirmed before the kill, collected and paid after the restart.
  const trail = (await ledger.query<{ event: string }>('SELECT event FROM payment_events WHERE intent_id = $1 ORDER BY id', [done.id])).rows.map((r) => r.event);
  expect(trail[0]).toBe('confirmed');
  expect(trail.indexOf('collection_started')).toBeLessThan(trail.indexOf('deposit_initiated'));
  expect(trail.indexOf('deposit_initiated')).toBeLessThan(trail.indexOf('deposit_completed'));
  expect(trail.indexOf('deposit_completed')).toBeLessThan(trail.indexOf('paid'));
  expect(trail.filter((e) => e === 'deposit_initiated')).toHaveLength(1);
}, 180_000);
