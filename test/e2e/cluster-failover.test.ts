import { randomUUID } from 'node:crypto';
import { until as waitUntil } from '../support/wait';
import request from 'supertest';
import { composeProduct, type Product } from '../../src/compose';
import { loadConfig } from '../../src/config';
import { silentLogger } from '../../src/logging/logger';
import { testDb, type TestDb } from '../support/db';
import { startOwnCluster, type OwnCluster } from '../support/redis-cluster';
import { newTestPrefix } from '../support/redis';
import { PAY_100_ON_108776771 } from './product-kit';

/**
 * A master of a Redis Cluster killed (kill -9) while subscribers hop and pay: its replica is
 * promoted, the product's Cluster clients find the new master (slot refresh), the BullMQ workers go
 * on, and the ledger finds again any job the dead master took with it. The killed master is the one
 * holding BullMQ's slot (every queue): the worst one to lose. The cluster is this file's own
 * (test/support/redis-cluster.ts), with a 1 s node timeout so the replica takes over quickly; the
 * longer figures with two instances are `npm run bench:failover`'s (docs/deploying-many.md).
 */
const SWEEP = { intervalMs: 500, graceMs: 1000 };
const CONFIRM_SENT = /^END Approuvez le paiement de 100 CDF/;

let cluster: OwnCluster;
let pg: TestDb;
let product: Product;
const prefix = newTestPrefix('failover');

beforeAll(async () => {
  cluster = await startOwnCluster({ nodeTimeoutMs: 1000, persistent: true });
  pg = await testDb('failover');
  const config = loadConfig({ REDIS_CLUSTER_NODES: cluster.seeds, LOG_LEVEL: 'error' });
  if (!config.ok) throw new Error(config.errors.join('; '));
  // The embedded sandboxes: REGIDESO and the wallet in this process, so both can be counted.
  product = await composeProduct(config.config, silentLogger(), { prefix, defaultMetrics: false, db: pg.db, sweep: SWEEP });
  await product.start();
}, 90_000);

afterAll(async () => {
  await product?.stop();
  await cluster?.stop();
  await pg?.drop();
}, 60_000);

interface Hop {
  ok: boolean;
  status: number;
  text: string;
}

let seq = 0;
/** 9 digits after +243, ending in 90: the sandbox wallet approves the debit on its own. */
const newPhone = () => `+24381${String(seq++ % 100_000).padStart(5, '0')}90`;


/** One session walked to the confirm; stops at the first screen that is not the one expected. */
async function pay(hops: Hop[], promised: string[]): Promise<boolean> {
  const session = `ATUid_${randomUUID()}`;
  const phone = newPhone();
  for (const [i, text] of PAY_100_ON_108776771.entries()) {
    const res = await request(product.app).post('/ussd').type('form').send({ sessionId: session, serviceCode: '*123#', phoneNumber: phone, networkCode: '63001', text });
    const last = i === PAY_100_ON_108776771.length - 1;
    const ok = res.status === 200 && (last ? CONFIRM_SENT.test(res.text) : res.text.startsWith('CON '));
    hops.push({ ok, status: res.status, text: res.text });
    if (!ok) return false;
    if (last) promised.push(session);
    await new Promise((r) => setTimeout(r, 30));
  }
  return true;
}

test("the master holding the queues is killed mid-stream: its replica takes over, every promised payment is made once, with one receipt", async () => {
  const hops: Hop[] = [];
  const promised: string[] = [];
  let stop = false;
  const subscribers = Array.from({ length: 4 }, async () => {
    while (!stop) await pay(hops, promised);
  });

  await until(async () => promised.length >= 4);
  const queueKey = `{${prefix}q}`;
  await cluster.kill9(await cluster.masterOf(queueKey));
  await cluster.servedAgain(queueKey);
  // The product finds the new master: a whole payment walked after the promotion goes through.
  await until(async () => pay([], promised));
  stop = true;
  await Promise.all(subscribers);

  // Everything promised has run to its end, and every receipt has left.
  const { db } = product.parts;
  await until(async () => {
    const open = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM payment_intents WHERE status NOT IN ('succeeded', 'reconciled', 'failed', 'refunded', 'refund_failed', 'partial')`);
    const queued = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM sms_messages WHERE status = 'queued'`);
    return open.rows[0]?.n === 0 && queued.rows[0]?.n === 0;
  });

  const intents = (await db.query<{ session_id: string; status: string; id: string; deposit_id: string | null }>('SELECT id, session_id, status, deposit_id FROM payment_intents')).rows;
  const bySession = new Map(intents.map((i) => [i.session_id, i]));
  // Not one promise lost: each confirm that said "approve" became a payment that succeeded.
  expect(promised.map((s) => bySession.get(s)?.status)).toEqual(promised.map(() => 'succeeded'));
  // Nothing doubled: one PayFact and one completed debit per payment made, one receipt each.
  const made = intents.filter((i) => i.status === 'succeeded');
  const sandbox = product.parts.sandbox;
  const wallet = product.parts.sandboxWallet;
  if (sandbox === undefined || wallet === undefined) throw new Error('the embedded sandboxes were expected');
  expect(sandbox.payments()).toHaveLength(made.length);
  const debits = wallet.deposits().filter((d) => d.status === 'COMPLETED');
  expect(new Set(debits.map((d) => d.depositId))).toEqual(new Set(made.map((i) => i.deposit_id)));
  expect(debits).toHaveLength(made.length);
  const receipts = await db.query<{ intent_id: string; n: number }>(`SELECT intent_id, count(*)::int AS n FROM sms_messages WHERE kind = 'receipt' AND status = 'sent' GROUP BY intent_id`);
  expect(receipts.rows.map((r) => r.n)).toEqual(made.map(() => 1));
  // During the switch some hops could not read their session: each was still answered, with a sentence.
  for (const h of hops.filter((x) => !x.ok)) {
    expect(h.status).toBe(200);
    expect(h.text).toMatch(/^END /);
  }
}, 150_000);

/** Servers may be down for a while here: a check that throws is "not yet". */
function until<T>(check: () => Promise<T | undefined | false>): Promise<T> {
  return waitUntil(check, { retryOnError: true, everyMs: 100 });
}
