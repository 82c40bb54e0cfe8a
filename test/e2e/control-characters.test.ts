import request from 'supertest';
import { z } from 'zod';
import { newPhone, newSession, REDIS_ENV, startProduct, type RunningProduct } from './product-kit';

/**
 * A NUL or another control character in any field of any callback is never a 5xx. PostgreSQL
 * refuses NUL in text: an inbound SMS carrying one used to get 503 for ever, the gateway retrying
 * every minute. The whole product, its ledger in a real PostgreSQL schema of this file's own.
 */
let p: RunningProduct;
beforeAll(async () => {
  p = await startProduct({ ...REDIS_ENV, LOG_LEVEL: 'error', COLLECTION: 'none' });
}, 60_000);
afterAll(async () => {
  await p.close();
});

const outboxSchema = z.array(z.object({ to: z.string(), message: z.string() }));
const outboxTo = async (phone: string) => outboxSchema.parse((await request(p.product.app).get('/outbox').query({ to: phone })).body);
const form = (path: string, fields: Record<string, string>) => request(p.product.app).post(path).type('form').send(fields);

test('an inbound SMS with a NUL in its text and its id: 200, and 200 again for the retry, recorded without it and answered once', async () => {
  const phone = newPhone();
  const id = `ATXid_\u0000${newSession()}`;
  const sms = { from: phone, to: '12345', text: 'FACTURE\u0000 83262\u0000', date: '2026-12-01 10:42:58', id, linkId: 'l\u0000', networkCode: '63902' };
  expect((await form('/sms/inbound', sms)).status).toBe(200);
  expect((await form('/sms/inbound', sms)).status).toBe(200);
  const replies = await p.eventually(async () => {
    const list = await outboxTo(phone);
    return list.length > 0 ? list : undefined;
  }, 'the reply');
  expect(replies).toHaveLength(1);
  expect(replies[0]?.message).toContain('MUKEBA M.:');
  const rows = await p.product.parts.db.query<{ id: string; body: string }>('SELECT id, body FROM sms_inbound WHERE id = $1', [id.replace('\u0000', '')]);
  expect(rows.rows).toEqual([{ id: id.replace('\u0000', ''), body: 'FACTURE 83262' }]);
});

test('a USSD hop with control characters in its text and session id gets a proper screen', async () => {
  const session = `${newSession()}\u0000`;
  const phone = newPhone();
  const first = await p.hop(session, phone, '\u0000');
  expect(first.status).toBe(200);
  expect(first.text).toMatch(/^CON REGIDESO/);
  const next = await p.hop(session, phone, '1\u0007\u001b');
  expect(next.status).toBe(200);
  expect(next.text).toMatch(/^CON .*référence/is);
});

test.each([
  ['/ussd/events', { sessionId: `ATUid_\u0000x`, status: 'Success\u0000', input: '1*\u0000', lastAppResponse: 'END \u0000', errorMessage: '\u0001' }],
  ['/sms/delivery', { id: 'outbox-\u0000nothing', status: 'Failed', phoneNumber: '+243812345990', failureReason: 'DeliveryFailure\u0000', retryCount: '0' }],
])('%s with control characters is never a 5xx', async (path, fields) => {
  const res = await form(path, fields);
  expect(res.status).toBeLessThan(500);
});

test.each(['/collections/pawapay/deposits', '/collections/pawapay/refunds'])('a pawaPay callback (%s) with a NUL is never a 5xx', async (path) => {
  const res = await request(p.product.app).post(path).set('content-type', 'application/json').send('{"depositId":"\\u0000","refundId":"\\u0000","status":"COMPLETED\\u0000"}');
  expect(res.status).toBeLessThan(500);
});
