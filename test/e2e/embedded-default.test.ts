import request from 'supertest';
import { z } from 'zod';
import { newPhone, newSession, PAY_100_ON_108776771, startProduct, type RunningProduct } from './product-kit';

// `npm start` with nothing configured: in-memory Redis, in-process sandbox REGIDESO, SMS outbox.
let p: RunningProduct;
beforeAll(async () => {
  p = await startProduct({});
});
afterAll(async () => {
  await p.close();
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
});

test('health, readiness and metrics answer on the embedded default', async () => {
  expect((await request(p.product.app).get('/healthz')).status).toBe(200);
  const ready = await request(p.product.app).get('/readyz');
  expect(ready.status).toBe(200);
  expect(ready.body).toEqual({ status: 'ready', checks: { redis: true, regideso: true } });
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
