import { silentLogger } from '../../src/logging/logger';
import { createMetrics } from '../../src/metrics';
import { createSmsSender, type TrackedSmsSender } from '../../src/sms/sender';
import type { SmsTransport } from '../../src/sms/transport';
import { metricValue, outboxWithIds, testRedis } from '../http/sms-kit';

/** The tracked sender against real Redis and the outbox transport. */

const store = testRedis();
const metrics = createMetrics({ defaults: false });
const outbox = outboxWithIds(store.redis, store.prefix);
let sender: TrackedSmsSender;

beforeAll(() => {
  sender = createSmsSender({ transport: outbox, redis: store.redis, prefix: store.prefix, logger: silentLogger(), metrics, ttlSeconds: 600 });
});
afterAll(async () => {
  await store.cleanup();
});

it('remembers a receipt with its text and number, for the retention period only', async () => {
  const out = await sender.send({ to: '+243810000001', message: 'REGIDESO: payé 100 CDF', kind: 'receipt' });
  if (out.kind !== 'sent' || out.messageId === undefined) throw new Error(out.kind);
  const sent = await sender.find(out.messageId);
  expect(sent).toMatchObject({ to: '+243810000001', message: 'REGIDESO: payé 100 CDF', kind: 'receipt', attempt: 1, firstId: out.messageId });
  const ttl = await store.redis.ttl(`${store.prefix}sms:sent:${out.messageId}`);
  expect(ttl).toBeGreaterThan(0);
  expect(ttl).toBeLessThanOrEqual(600);
});

it('keeps no text for a reply: only a receipt is ever sent again', async () => {
  const out = await sender.send({ to: '+243810000001', message: 'REGIDESO: Nom Prénom ...', kind: 'reply' });
  if (out.kind !== 'sent' || out.messageId === undefined) throw new Error(out.kind);
  expect((await sender.find(out.messageId))?.message).toBeUndefined();
});

it('records a status only for a message it knows', async () => {
  expect(await sender.recordStatus('forged-id', 'Failed', 'DeliveryFailure', true)).toBe('unknown_message');
  expect(await store.redis.exists(`${store.prefix}sms:sent:forged-id`)).toBe(0);
  const out = await sender.send({ to: '+243810000001', message: 'x', kind: 'receipt' });
  if (out.kind !== 'sent' || out.messageId === undefined) throw new Error(out.kind);
  expect(await sender.recordStatus(out.messageId, 'Success', undefined)).toBe('recorded');
  expect((await sender.find(out.messageId))?.status).toBe('Success');
});

it('once a final status is recorded, later ones are kept aside and change nothing', async () => {
  const out = await sender.send({ to: '+243810000002', message: 'x', kind: 'receipt' });
  if (out.kind !== 'sent' || out.messageId === undefined) throw new Error(out.kind);
  expect(await sender.recordStatus(out.messageId, 'Sent', undefined, false)).toBe('recorded');
  expect(await sender.recordStatus(out.messageId, 'Failed', 'UserInBlacklist', true)).toBe('recorded');
  expect(await sender.recordStatus(out.messageId, 'Failed', 'DeliveryFailure', false)).toBe('after_final');
  expect(await sender.recordStatus(out.messageId, 'Success', undefined, true)).toBe('after_final');
  expect(await sender.find(out.messageId)).toMatchObject({
    status: 'Failed',
    failureReason: 'UserInBlacklist',
    finalStatus: 'Failed',
    lateStatus: 'Success',
  });
});

it('lets one resend be claimed once, and sends it to the first number with the next attempt', async () => {
  const out = await sender.send({ to: '+243810000009', message: 'REGIDESO: reçu X', kind: 'receipt' });
  if (out.kind !== 'sent' || out.messageId === undefined) throw new Error(out.kind);
  expect(await sender.claimResend(out.messageId)).toBe(true);
  expect(await sender.claimResend(out.messageId)).toBe(false);
  const first = await sender.find(out.messageId);
  if (first === undefined) throw new Error('not found');
  const again = await sender.resend(first);
  if (again.kind !== 'sent' || again.messageId === undefined) throw new Error(again.kind);
  expect(again.attempt).toBe(2);
  expect(await sender.find(again.messageId)).toMatchObject({ to: '+243810000009', attempt: 2, firstId: out.messageId });
  expect((await sender.find(out.messageId))?.resentAs).toBe(again.messageId);
  expect((await outbox.list('+243810000009')).map((m) => m.message)).toEqual(['REGIDESO: reçu X', 'REGIDESO: reçu X']);
});

it('passes a transport failure through, counted, without remembering anything', async () => {
  const failing: SmsTransport = { name: 'africastalking', send: async () => ({ kind: 'permanent_failure', message: 'InvalidPhoneNumber' }) };
  const m = createMetrics({ defaults: false });
  const s = createSmsSender({ transport: failing, redis: store.redis, prefix: store.prefix, logger: silentLogger(), metrics: m, ttlSeconds: 600 });
  expect(await s.send({ to: '+1', message: 'x', kind: 'receipt' })).toEqual({ kind: 'permanent_failure', message: 'InvalidPhoneNumber' });
  expect(metricValue(await m.registry.metrics(), 'sms_sent_total', { kind: 'receipt', outcome: 'permanent_failure' })).toBe(1);
});
