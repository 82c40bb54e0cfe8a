import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { composeProduct, type Product } from '../../src/compose';
import { loadConfig } from '../../src/config';
import { createPostgresDb } from '../../src/db/postgres';
import { silentLogger } from '../../src/logging/logger';
import { DATABASE_TEST_URL, testDb, type TestDb } from '../support/db';
import { startOwnRedis, type OwnRedis } from '../support/processes';
import { newTestPrefix } from '../support/redis';
import { until } from '../support/wait';
import { hostPortOf, startTcpProxy, viaProxy, type TcpProxy } from '../support/tcp-proxy';

/**
 * Faults injected from outside, the product composed as main.ts composes it: a Redis killed with
 * kill -9 right after a confirm and started again empty; PostgreSQL cut off in the middle of a
 * payment. The ledger keeps the promise: every payment completes exactly once (one PayFact, one
 * receipt), and the subscriber meanwhile gets sentences, never a dead session.
 */
const SWEEP = { intervalMs: 300, graceMs: 600 };
/** Pay 100 CDF on the oldest bill of 83262, then confirm. */
const PAY_100 = ['', '1', '1*83262', '1*83262*1', '1*83262*1*2', '1*83262*1*2*2', '1*83262*1*2*2*100', '1*83262*1*2*2*100*2'];
let seq = 0;
const newPhone = () => `+24381${String(Date.now() % 100_000).padStart(5, "0")}${String(seq++ % 10)}0`;

async function walk(product: Product, phone: string, hops = PAY_100): Promise<string[]> {
  const sessionId = `ATUid_${randomUUID()}`;
  const screens: string[] = [];
  for (const text of hops) {
    const res = await request(product.app).post('/ussd').type('form').send({ sessionId, serviceCode: '*123#', phoneNumber: phone, networkCode: '63001', text });
    expect(res.status).toBe(200);
    screens.push(res.text);
  }
  return screens;
}


describe('Redis killed (kill -9) right after a confirm, restarted empty', () => {
  let redis: OwnRedis;
  let pg: TestDb;
  let product: Product;
  beforeAll(async () => {
    redis = await startOwnRedis();
    pg = await testDb('faults_redis');
    const config = loadConfig({ REDIS_URL: redis.url, LOG_LEVEL: 'error' });
    if (!config.ok) throw new Error(config.errors.join('; '));
    product = await composeProduct(config.config, silentLogger(), { prefix: newTestPrefix('faults'), defaultMetrics: false, db: pg.db, sweep: SWEEP });
    await product.start();
  });
  afterAll(async () => {
    await product.stop();
    await redis.stop();
    await pg.drop();
  });

  it('the payment completes once: one deposit, one PayFact, one receipt', async () => {
    const phone = newPhone();
    const screens = await walk(product, phone);
    expect(screens.at(-1)).toMatch(/^END Approuvez le paiement de 100 CDF/);
    await redis.kill9();
    await new Promise((r) => setTimeout(r, 300));
    await redis.start();

    const sandbox = product.parts.sandbox;
    const wallet = product.parts.sandboxWallet;
    if (sandbox === undefined || wallet === undefined) throw new Error('embedded sandboxes expected');
    const payment = await until(async () => sandbox.payments().find((p) => p.amountCentimes === 10_000), { what: 'PayFact', retryOnError: true });
    // The ledger is written right after PayFact answers.
    const intent = await until(async () => (await product.parts.payments.recentByPhone(phone, 5)).find((r) => r.status === 'succeeded'), { what: 'the intent settled', retryOnError: true });
    expect(intent).toMatchObject({ status: 'succeeded', numAcquit: payment.numAcquit });
    // Two more sweeps: nothing is paid or sent a second time.
    await new Promise((r) => setTimeout(r, 3 * SWEEP.intervalMs + SWEEP.graceMs));
    expect(sandbox.payments().filter((p) => p.amountCentimes === 10_000)).toHaveLength(1);
    expect(wallet.deposits()).toHaveLength(1);
    const sent = await pg.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM sms_messages WHERE intent_id = $1 AND status = 'sent'`, [intent.intentId]);
    expect(sent.rows[0]?.n).toBe(1);
  }, 60_000);
});

describe('PostgreSQL cut off during a payment', () => {
  let pg: TestDb;
  let proxy: TcpProxy;
  let product: Product;
  beforeAll(async () => {
    pg = await testDb('faults_pg');
    proxy = await startTcpProxy(hostPortOf(DATABASE_TEST_URL));
    const db = createPostgresDb({ url: viaProxy(DATABASE_TEST_URL, proxy), schema: pg.schema, statementTimeoutMs: 1500 });
    const config = loadConfig({ LOG_LEVEL: 'error' });
    if (!config.ok) throw new Error(config.errors.join('; '));
    product = await composeProduct(config.config, silentLogger(), { prefix: newTestPrefix('faults'), defaultMetrics: false, db, sweep: SWEEP });
    await product.start();
  });
  afterAll(async () => {
    await product.stop();
    await product.parts.db.close();
    await proxy.close();
    await pg.drop();
  });

  it('the hop answers a sentence while it is away; the payment under way completes once when it is back', async () => {
    const first = newPhone();
    expect((await walk(product, first)).at(-1)).toMatch(/^END Approuvez/);
    await proxy.cut();
    // Another subscriber confirms while the ledger is away: a clear END, not a dead session.
    const during = (await walk(product, newPhone())).at(-1) ?? '';
    expect(during).toMatch(/^END /);
    expect(during).not.toMatch(/Approuvez/);
    // Nothing was recorded: it says so, and promises no receipt.
    expect(during).toBe("END Service momentanément indisponible: votre paiement n'a pas été enregistré et rien n'a été prélevé. Réessayez plus tard.");
    await new Promise((r) => setTimeout(r, 2000));
    await proxy.restore();

    const sandbox = product.parts.sandbox;
    if (sandbox === undefined) throw new Error('embedded sandbox expected');
    await until(async () => (await product.parts.payments.recentByPhone(first, 1))[0]?.status === 'succeeded', { what: 'the first payment', retryOnError: true });
    await new Promise((r) => setTimeout(r, 3 * SWEEP.intervalMs + SWEEP.graceMs));
    expect(sandbox.payments()).toHaveLength(1);
  }, 60_000);

  it('a confirm while the ledger is away: "not recorded, nothing taken, try again later", never "le recu suit par SMS"; no deposit, nothing left behind', async () => {
    const wallet = product.parts.sandboxWallet;
    if (wallet === undefined) throw new Error('embedded sandbox wallet expected');
    const phone = newPhone();
    const deposits = wallet.deposits().length;
    await proxy.cut();
    let screens: string[];
    try {
      screens = await walk(product, phone);
    } finally {
      await proxy.restore();
    }
    expect(screens.at(-1)).toBe("END Service momentanément indisponible: votre paiement n'a pas été enregistré et rien n'a été prélevé. Réessayez plus tard.");
    expect(screens.at(-1)).not.toContain('recu suit par SMS');
    await until(async () => (await pg.db.query('SELECT 1')).rows.length === 1, { what: 'the ledger back', retryOnError: true });
    expect(await product.parts.payments.recentByPhone(phone, 5)).toEqual([]);
    await new Promise((r) => setTimeout(r, 3 * SWEEP.intervalMs + SWEEP.graceMs));
    expect(wallet.deposits()).toHaveLength(deposits);
  }, 60_000);
});
