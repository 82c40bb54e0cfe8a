import request from 'supertest';
import { createOperatorStore } from '../../src/operators/store';
import { startSandbox, type RunningSandbox } from '../../src/regideso/sandbox/server';
import { newPhone, newSession, PAY_100_ON_108776771, REDIS_ENV, startProduct, type RunningProduct } from './product-kit';

// The product as deployed: real Redis (BullMQ jobs), the ledger in PostgreSQL (a schema of this
// file's own), an external REGIDESO, a webhook token; the operator collects upstream (COLLECTION=none).
const TOKEN = 'e2e-webhook-token-0123456789';
let sandbox: RunningSandbox;
let p: RunningProduct;
beforeAll(async () => {
  sandbox = await startSandbox();
  p = await startProduct(
    {
      ...REDIS_ENV,
      REGIDESO_BASE_URL: sandbox.baseUrl,
      REGIDESO_API_KEY: sandbox.apiKey,
      REGIDESO_OPERATOR: 'FINCA',
      WEBHOOK_TOKEN: TOKEN,
      COLLECTION: 'none',
    },
    { payments: { timings: { settleMs: 200, lockWaitMs: 50, regidesoRetryMs: 50 }, retry: { backoffMs: 100 } } },
  );
});
afterAll(async () => {
  await p.close();
  await sandbox.close();
});

const confirmText = PAY_100_ON_108776771.at(-1) as string;

async function walkToConfirm(session: string, phone: string): Promise<void> {
  for (const text of PAY_100_ON_108776771.slice(0, -1)) {
    const res = await p.hop(session, phone, text, `/${TOKEN}/ussd`);
    expect(res.text).toMatch(/^CON /);
  }
}

test('callbacks without the token are refused; the token works as a path segment and as a query parameter', async () => {
  const phone = newPhone();
  expect((await p.hop(newSession(), phone, '')).status).toBe(401);
  expect((await p.hop(newSession(), phone, '', '/wrong-token-0123456789abc/ussd')).status).toBe(401);
  // A wrong token in one place is refused even with the right one in the other (item 17).
  expect((await p.hop(newSession(), phone, '', `/wrong-token-0123456789abc/ussd?token=${TOKEN}`)).status).toBe(401);
  expect((await p.hop(newSession(), phone, '', `/${TOKEN}/ussd?token=wrong-token-0123456789abc`)).status).toBe(401);
  expect((await p.hop(newSession(), phone, '', `/${TOKEN}/ussd`)).text).toMatch(/^CON REGIDESO/);
  expect((await p.hop(newSession(), phone, '', `/ussd?token=${TOKEN}`)).text).toMatch(/^CON REGIDESO/);
  // The outbox holds subscribers' messages: token too.
  expect((await request(p.product.app).get('/outbox').query({ to: phone })).status).toBe(401);
  // Health and metrics stay open for the load balancer and Prometheus.
  expect((await request(p.product.app).get('/healthz')).status).toBe(200);
});

test('five identical confirm hops at once pay REGIDESO once, and all five answer the same', async () => {
  const session = newSession();
  const phone = newPhone();
  await walkToConfirm(session, phone);
  const before = sandbox.calls.payFact;
  const answers = await Promise.all(Array.from({ length: 5 }, () => p.hop(session, phone, confirmText, `/${TOKEN}/ussd`)));
  const texts = new Set(answers.map((a) => a.text));
  expect(answers.every((a) => a.status === 200)).toBe(true);
  expect(texts.size).toBe(1);
  expect([...texts][0]).toMatch(/^END /);
  // The job may still be running when the hops answer: wait for its record, then count.
  await p.eventually(async () => {
    const mine = sandbox.payments().filter((x) => x.operator === 'FINCA' && x.amountCentimes === 10000);
    return mine.length > 0 ? mine : undefined;
  }, 'the payment to land');
  expect(sandbox.calls.payFact - before).toBe(1);
});

test('PayFact answers 500 once: the job retries, one payment lands, the receipt carries its num_acquit', async () => {
  const session = newSession();
  const phone = newPhone();
  await walkToConfirm(session, phone);
  const paymentsBefore = sandbox.payments().length;
  sandbox.faults.payFact.push({ kind: 'error500' });
  const res = await p.hop(session, phone, confirmText, `/${TOKEN}/ussd`);
  expect(res.text).toMatch(/^END /);
  const applied = await p.eventually(async () => {
    const list = sandbox.payments().slice(paymentsBefore);
    return list.length > 0 ? list : undefined;
  }, 'the payment after the 500');
  expect(applied).toHaveLength(1);
  // A plain read of the outbox through the product's own route.
  const receipt = await p.eventually(async () => {
    const out = await request(p.product.app).get(`/${TOKEN}/outbox`).query({ to: phone });
    const list = out.body as Array<{ message: string }>;
    return list.length > 0 ? list : undefined;
  }, 'the receipt');
  expect(receipt).toHaveLength(1);
  expect(receipt[0]?.message).toContain(applied[0]?.numAcquit ?? 'missing');
  // Nothing else is sent later: no second PayFact hides behind the first.
  expect(sandbox.payments().slice(paymentsBefore)).toHaveLength(1);
});

test('an abandoned session shows in /metrics under the menu screen where the subscriber stopped', async () => {
  const session = newSession();
  const phone = newPhone();
  for (const text of ['', '1', '1*83262']) await p.hop(session, phone, text, `/${TOKEN}/ussd`);
  const notice = await request(p.product.app)
    .post(`/${TOKEN}/ussd/events`)
    .type('form')
    .send({ sessionId: session, serviceCode: '*123#', phoneNumber: phone, networkCode: '63902', status: 'Incomplete', durationInMillis: '41000', hopsCount: '3', input: '83262', lastAppResponse: 'CON Choisissez votre province:', errorMessage: 'TIMEOUT', cost: '0', date: '2026-11-28 12:00:00' });
  expect(notice.status).toBe(200);
  const metrics = await request(p.product.app).get('/metrics');
  expect(metrics.text).toMatch(/ussd_session_stop_screen_total\{outcome="[a-z_]+",screen="pay_province"\} 1/);
});

test('a payment whose answer REGIDESO dropped is listed for the operator, behind an operator key (the webhook token opens nothing there)', async () => {
  const added = await createOperatorStore(p.product.parts.db).add('Rose Resolver', 'resolver');
  if (added.kind !== 'added') throw new Error('no key');
  const auth = { Authorization: `Bearer ${added.key}` };
  const session = newSession();
  const phone = newPhone();
  await walkToConfirm(session, phone);
  sandbox.faults.payFact.push({ kind: 'dropAfterApply' });
  await p.hop(session, phone, confirmText, `/${TOKEN}/ussd`);
  const flagged = await p.eventually(async () => {
    const res = await request(p.product.app).get('/payments/flagged').set(auth);
    const list = res.body as Array<{ intentId: string; sessionId: string; status: string; ownReference: boolean; numAcquit: string }>;
    const mine = list.find((r) => r.sessionId === session);
    return mine?.status === 'reconciled' ? mine : undefined;
  }, 'the dropped payment to be flagged');
  expect(flagged.ownReference).toBe(true);
  expect(flagged.numAcquit).toMatch(/^RGD-[0-9A-F]{10}$/);
  expect((await request(p.product.app).get('/payments/flagged')).status).toBe(401);
  expect((await request(p.product.app).get(`/${TOKEN}/payments/flagged`)).status).toBe(401);
  expect((await request(p.product.app).get('/payments/flagged?limit=abc').set(auth)).status).toBe(400);
  // The operator looks, settles it with REGIDESO, and marks it handled with a note.
  await request(p.product.app).post(`/payments/flagged/${flagged.intentId}/resolve`).set(auth).send({ note: 'REGIDESO confirms it landed' }).expect(200);
  const after = (await request(p.product.app).get('/payments/flagged').set(auth)).body as Array<{ intentId: string }>;
  expect(after.map((r) => r.intentId)).not.toContain(flagged.intentId);
  const trail = await p.product.parts.payments.auditTrail(flagged.intentId);
  expect(trail.some((e) => e.event === 'flag_resolved' && e.actor === 'Rose Resolver' && (e.detail ?? '').includes('REGIDESO confirms it landed'))).toBe(true);
});

test('readiness: Redis and the ledger, with REGIDESO as information', async () => {
  const ready = await request(p.product.app).get('/readyz').expect(200);
  expect(ready.body).toEqual({ status: 'ready', checks: { redis: true, ledger: true }, info: { regideso: true } });
  expect(p.product.parts.db.kind).toBe('postgres');
});
