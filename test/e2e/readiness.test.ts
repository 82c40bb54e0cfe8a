import request from 'supertest';
import { createPostgresDb } from '../../src/db/postgres';
import type { Db } from '../../src/db/types';
import { startSandbox, type RunningSandbox } from '../../src/regideso/sandbox/server';
import { DATABASE_TEST_URL, testDb, type TestDb } from '../support/db';
import { hostPortOf, startTcpProxy, viaProxy, type TcpProxy } from '../support/tcp-proxy';
import { until } from '../support/wait';
import { newPhone, newSession, REDIS_ENV, startProduct, type RunningProduct } from './product-kit';

/**
 * /readyz is about this process and what it cannot serve without: Redis and the ledger. REGIDESO's
 * health is information only (issue 9, item 8): when it is down every instance is equally affected,
 * and subscribers must get our "REGIDESO ne répond pas" screens, not the telco's generic failure.
 * The ledger reaches PostgreSQL through a TCP relay the test cuts; REGIDESO is a sandbox it stops.
 */
let sandbox: RunningSandbox;
let pg: TestDb;
let proxy: TcpProxy;
let db: Db;
let p: RunningProduct;

beforeAll(async () => {
  sandbox = await startSandbox();
  pg = await testDb('e2eready');
  proxy = await startTcpProxy(hostPortOf(DATABASE_TEST_URL));
  db = createPostgresDb({ url: viaProxy(DATABASE_TEST_URL, proxy), schema: pg.schema, statementTimeoutMs: 1500, max: 4 });
  // The short timeout is for the cut ledger below; a first connection on a loaded CI machine (the
  // cluster run) once took longer, and the product's start-up failed before any test ran.
  await until(() => db.query('SELECT 1').then(() => true), { what: 'a first ledger connection', deadlineMs: 15_000, retryOnError: true });
  p = await startProduct({ ...REDIS_ENV, REGIDESO_BASE_URL: sandbox.baseUrl, REGIDESO_API_KEY: sandbox.apiKey, REGIDESO_OPERATOR: 'FINCA', COLLECTION: 'none' }, { db, regidesoCheckMs: 100 });
});
afterAll(async () => {
  await p.close();
  await db.close();
  await proxy.close();
  await pg.drop();
});

const readyz = () => request(p.product.app).get('/readyz');
const inboundSms = (phone: string) =>
  request(p.product.app).post('/sms/inbound').type('form').send({ from: phone, to: '12345', text: 'AIDE', id: `ATXid_${newSession()}`, networkCode: '63902' });

test('everything up: 200, with each check named', async () => {
  const res = await readyz().expect(200);
  expect(res.body).toEqual({ status: 'ready', checks: { redis: true, ledger: true }, info: { regideso: true } });
});

test('REGIDESO down: still ready (info.regideso false once the background check sees it), regideso_up 0, and subscribers get our own "REGIDESO ne répond pas"', async () => {
  await sandbox.close();
  const res = await p.eventually(async () => {
    const r = await readyz().expect(200);
    return r.body.info.regideso === false ? r : undefined;
  }, 'the background check sees REGIDESO down');
  expect(res.body).toEqual({ status: 'ready', checks: { redis: true, ledger: true }, info: { regideso: false } });
  expect((await request(p.product.app).get('/metrics')).text).toMatch(/^regideso_up 0$/m);
  const session = newSession();
  const phone = newPhone();
  let last = '';
  for (const text of ['', '1', '1*83262', '1*83262*1']) last = (await p.hop(session, phone, text).expect(200)).text;
  expect(last).toMatch(/^(CON|END) /);
  expect(last).toContain('REGIDESO ne répond pas');
  // SMS need no REGIDESO to be recorded.
  await inboundSms(phone).expect(200);
});

test('the ledger unreachable: 503 naming it, inbound SMS refused with 503 so the gateway retries; ready again once it is back', async () => {
  await proxy.cut();
  try {
    const res = await readyz().expect(503);
    expect(res.body).toEqual({ status: 'not_ready', checks: { redis: true, ledger: false }, info: { regideso: false } });
    await inboundSms(newPhone()).expect(503);
  } finally {
    await proxy.restore();
  }
  const back = await p.eventually(async () => {
    const r = await readyz();
    return r.status === 200 ? r : undefined;
  }, 'ready again');
  expect(back.body.checks).toEqual({ redis: true, ledger: true });
});
