import { rmSync } from 'node:fs';
import request from 'supertest';
import { z } from 'zod';
import { newPhone, newSession, PAY_100_ON_108776771, startProduct, type RunningProduct } from './product-kit';

// `npm start` with nothing configured: in-memory Redis, in-process sandbox REGIDESO, SMS outbox, and
// the ledger in PGlite, kept in DATA_DIR (a temporary folder here). COLLECTION=none: the operator
// collects upstream, so confirm goes straight to PayFact (the wallet's own flow is tested elsewhere).
const ENV = { COLLECTION: 'none' };
let p: RunningProduct;
// PGlite compiles its WebAssembly at each start: seconds, more on a busy machine.
const PGLITE_START_MS = 60_000;
beforeAll(async () => {
  p = await startProduct(ENV, { keepDataDir: true });
}, PGLITE_START_MS);
afterAll(async () => {
  await p.close();
  if (p.dataDir !== undefined) rmSync(p.dataDir, { recursive: true, force: true });
});

const outboxSchema = z.array(z.object({ to: z.string(), message: z.string(), at: z.string() }));

test('a subscriber pays 100 CDF on bill 108776771 of 83262 and finds the receipt in the outbox', async () => {
  const session = newSession();
  const phone = newPhone();
  let last = '';
  for (const text of PAY_100_ON_108776771) {
    const res = await p.hop(session, phone, text);
    expect(res.status).toBe(200);
    last = res.text;
  }
  expect(last).toMatch(/^END Paiement de 100 CDF réussi/);
  const numAcquit = /Acquit: (\S+)/.exec(last)?.[1];
  expect(numAcquit).toMatch(/^\d{2}-\d{2}-\d{2}SANDBOX-83262-[0-9a-f]{5}$/);

  const messages = await p.eventually(async () => {
    const res = await request(p.product.app).get('/outbox').query({ to: phone });
    const list = outboxSchema.parse(res.body);
    return list.length > 0 ? list : undefined;
  }, 'receipt in the outbox');
  expect(messages).toHaveLength(1);
  expect(messages[0]?.to).toBe(phone);
  expect(messages[0]?.message).toContain(String(numAcquit));
  expect(messages[0]?.message).toContain('100 CDF');
  expect(messages[0]?.message.length).toBeLessThanOrEqual(160);
  // A newcomer opening /outbox without a number sees every recent SMS, newest first.
  const all = outboxSchema.parse((await request(p.product.app).get('/outbox').expect(200)).body);
  expect(all[0]).toEqual(messages[0]);
  // The ledger has it.
  expect(await p.product.parts.payments.findByNumAcquit(String(numAcquit))).toMatchObject({ status: 'succeeded', phoneNumber: phone, amountCentimes: 10_000 });
});

test('an inbound SMS is answered through the outbox, once however often the gateway posts it', async () => {
  const phone = newPhone();
  const msg = { from: phone, to: '12345', text: 'FACTURE 83262', date: '2026-11-28 12:00:00', id: `ATXid_${newSession()}`, networkCode: '63902' };
  for (let i = 0; i < 2; i++) await request(p.product.app).post('/sms/inbound').type('form').send(msg).expect(200);
  const replies = await p.eventually(async () => {
    const list = outboxSchema.parse((await request(p.product.app).get('/outbox').query({ to: phone })).body);
    return list.length > 0 ? list : undefined;
  }, 'the reply');
  expect(replies).toHaveLength(1);
  // A phone that never paid 83262: the holder's name masked.
  expect(replies[0]?.message).toContain('(KIN) MUKEBA M.:');
  const rows = await p.product.parts.db.query<{ status: string }>('SELECT status FROM sms_messages WHERE recipient = $1', [phone]);
  expect(rows.rows.map((r) => r.status)).toHaveLength(1);
});

test("the README's delivery report: the id /outbox shows names the receipt, and a transient failure sends it again", async () => {
  const phone = newPhone();
  const session = newSession();
  for (const text of PAY_100_ON_108776771) expect((await p.hop(session, phone, text)).status).toBe(200);
  const withIds = z.array(z.object({ id: z.string(), to: z.string(), message: z.string(), at: z.string() }));
  const [receipt] = await p.eventually(async () => {
    const list = withIds.parse((await request(p.product.app).get('/outbox').query({ to: phone })).body);
    return list.length > 0 ? list : undefined;
  }, 'receipt in the outbox');
  expect(receipt?.message).toContain('100 CDF');
  const id = String(receipt?.id);
  await request(p.product.app)
    .post('/sms/delivery')
    .type('form')
    .send({ id, status: 'Failed', phoneNumber: phone, networkCode: '63001', failureReason: 'DeliveryFailure', retryCount: '0' })
    .expect(200);
  const again = await p.eventually(async () => {
    const list = withIds.parse((await request(p.product.app).get('/outbox').query({ to: phone })).body);
    return list.length > 1 ? list : undefined;
  }, 'the receipt sent again');
  expect(again).toHaveLength(2);
  expect(again[0]?.message).toBe(receipt?.message);
  expect(again[0]?.id).not.toBe(id);
  const rows = await p.product.parts.db.query<{ delivery_status: string | null }>('SELECT delivery_status FROM sms_sends WHERE gateway_id = $1', [id]);
  expect(rows.rows).toEqual([{ delivery_status: 'Failed' }]);
});

test('health, readiness and metrics answer on the embedded default', async () => {
  expect((await request(p.product.app).get('/healthz')).status).toBe(200);
  const ready = await request(p.product.app).get('/readyz');
  expect(ready.status).toBe(200);
  expect(ready.body).toEqual({ status: 'ready', checks: { redis: true, ledger: true }, info: { regideso: true } });
  expect(p.product.parts.db.kind).toBe('pglite');
  const metrics = await request(p.product.app).get('/metrics');
  expect(metrics.text).toMatch(/http_request_duration_seconds_count\{method="GET",route="\/readyz",status="200"\} 1/);
});

test('an unknown route gets a JSON 404, never a stack trace', async () => {
  const res = await request(p.product.app).post('/nowhere').send('x=1');
  expect(res.status).toBe(404);
  expect(res.body).toEqual({ error: 'not_found' });
});

test('a malformed JSON body gets a clear 400', async () => {
  const res = await request(p.product.app).post('/sms/delivery').set('content-type', 'application/json').send('{"id":');
  expect(res.status).toBe(400);
  expect(res.body).toMatchObject({ error: 'bad_request', message: 'Malformed request body' });
  expect(JSON.stringify(res.body)).not.toMatch(/at .*\.ts:\d+/);
});

test.each([
  ['malformed JSON', 'application/json', '{"sessionId":'],
  ['a body over the size limit', 'application/x-www-form-urlencoded', `sessionId=s&text=${'1*'.repeat(12_000)}`],
])('a USSD hop with %s gets a 400 with a well-formed END sentence', async (_what, type, body) => {
  const res = await request(p.product.app).post('/ussd').set('content-type', type).send(body);
  expect(res.status).toBe(400);
  expect(res.headers['content-type']).toMatch(/^text\/plain/);
  expect(res.text).toMatch(/^END \S/);
});

test('once draining, /readyz says 503 while requests are still served', async () => {
  p.product.drain();
  const ready = await request(p.product.app).get('/readyz');
  expect(ready.status).toBe(503);
  expect(ready.body).toEqual({ status: 'not_ready', checks: { accepting: false } });
  expect((await p.hop(newSession(), newPhone(), '')).text).toMatch(/^CON REGIDESO/);
});

test('a restart on the same DATA_DIR finds the ledger again: RECU from the payer lists the payment', async () => {
  const session = newSession();
  const phone = newPhone();
  let last = '';
  // A fresh product (the one above was drained): pay, stop, start again on the same folder.
  await p.close();
  p = await startProduct({ ...ENV, DATA_DIR: p.dataDir ?? '' });
  for (const text of PAY_100_ON_108776771) last = (await p.hop(session, phone, text)).text;
  const numAcquit = /Acquit: (\S+)/.exec(last)?.[1] ?? 'missing';
  await p.close();

  p = await startProduct({ ...ENV, DATA_DIR: p.dataDir ?? '' });
  expect(await p.product.parts.payments.findByNumAcquit(numAcquit)).toMatchObject({ status: 'succeeded', phoneNumber: phone });
  await request(p.product.app).post('/sms/inbound').type('form').send({ from: phone, to: '12345', text: 'RECU', id: `ATXid_${newSession()}` }).expect(200);
  const reply = await p.eventually(async () => {
    const list = outboxSchema.parse((await request(p.product.app).get('/outbox').query({ to: phone })).body);
    return list.find((m) => m.message.includes('votre dernier paiement'));
  }, 'the RECU reply');
  expect(reply.message).toContain(numAcquit);
}, 3 * PGLITE_START_MS);
