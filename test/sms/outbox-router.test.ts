import { randomBytes } from 'node:crypto';
import express from 'express';
import request from 'supertest';
import { createOutboxRouter } from '../../src/http/outbox-router';
import { createOutboxTransport } from '../../src/sms/outbox';
import type { OutboxMessage } from '../../src/sms/transport';
import { connectTestRedis, deleteKeys } from '../support/redis';

/**
 * GET /outbox[?to=PHONE] over HTTP: first in front of a stand-in list, to see exactly what the route
 * asks for; then in front of the real outbox transport on the real Redis.
 */
const kept: OutboxMessage[] = [
  { id: 'outbox-3', to: '+243812345990', message: 'REGIDESO: second', at: '2025-01-29T09:43:10.000Z' },
  { id: 'outbox-2', to: '+243899999999', message: 'REGIDESO: autre', at: '2025-01-29T09:43:00.000Z' },
  { id: 'outbox-1', to: '+243812345990', message: 'REGIDESO: premier', at: '2025-01-29T09:42:58.000Z' },
];
const asked: Array<string | undefined> = [];
const app = express().use(
  createOutboxRouter({
    list: async (to) => {
      asked.push(to);
      return to === undefined ? kept : kept.filter((m) => m.to === to);
    },
  }),
);

beforeEach(() => {
  asked.length = 0;
});

it('lists the messages kept for a number as JSON, in the order the outbox keeps them (newest first)', async () => {
  const res = await request(app).get('/outbox?to=%2B243812345990').expect(200).expect('content-type', /json/);
  expect(res.body).toEqual([kept[0], kept[2]]);
});

it('without a number, lists every recent SMS (no 400 for a newcomer opening /outbox)', async () => {
  const res = await request(app).get('/outbox').expect(200);
  expect(asked).toEqual([undefined]);
  expect(res.body).toEqual(kept);
});

it.each([
  ['+243812345990', 'an unencoded + (arriving as a space)'],
  ['243812345990', 'no +'],
  ['00243812345990', 'the 00 prefix'],
  ['0812345990', 'the national form'],
  ['%2B243%20812%20345%20990', 'spaces inside'],
])('reads %s (%s) as the E.164 number every edge uses', async (written) => {
  const res = await request(app).get(`/outbox?to=${written}`).expect(200);
  expect(asked).toEqual(['+243812345990']);
  expect(res.body).toHaveLength(2);
});

it('answers an empty list for a number with nothing kept', async () => {
  const res = await request(app).get('/outbox?to=243899999990').expect(200);
  expect(res.body).toEqual([]);
});

it.each(['?to=', '?to=abc', '?to=%2B243-81', '?to=1&to=2', '?to=' + '9'.repeat(20)])('refuses a bad query %s with 400', async (q) => {
  const res = await request(app).get(`/outbox${q}`).expect(400);
  expect(res.body.error).toBe('bad_request');
  expect(asked).toEqual([]);
});

it('answers 503, not a bare 500, when the outbox cannot be read (Redis down)', async () => {
  const down = express().use(createOutboxRouter({ list: () => Promise.reject(new Error('Connection is closed.')) }));
  const res = await request(down).get('/outbox?to=%2B243812345990').expect(503);
  expect(res.body).toEqual({ error: 'unavailable', message: 'The outbox cannot be read right now' });
});

describe('in front of the real outbox on Redis', () => {
  const redis = connectTestRedis();
  const prefix = `test:outboxroute:${randomBytes(4).toString('hex')}:`;
  afterAll(async () => {
    await deleteKeys(redis, prefix);
    await redis.quit();
  });

  it('newest first, per number and for all numbers, whatever way the number is written', async () => {
    let t = Date.parse('2025-01-29T09:00:00.000Z');
    const outbox = createOutboxTransport(redis, { prefix, now: () => new Date((t += 1000)) });
    const one = await outbox.send('+243812345990', 'one');
    await outbox.send('+243899999999', 'two');
    const three = await outbox.send('+243812345990', 'three');
    const real = express().use(createOutboxRouter(outbox));
    const mine = await request(real).get('/outbox?to=0812345990').expect(200);
    expect((mine.body as OutboxMessage[]).map((m) => m.message)).toEqual(['three', 'one']);
    // The id each send answered (the gateway id a delivery report names), shown with its message.
    expect((mine.body as OutboxMessage[]).map((m) => m.id)).toEqual([three, one].map((o) => (o.kind === 'sent' ? o.messageId : 'not sent')));
    expect((mine.body as OutboxMessage[]).every((m) => /^outbox-[0-9a-f-]{36}$/.test(m.id ?? ''))).toBe(true);
    const all = await request(real).get('/outbox').expect(200);
    expect((all.body as OutboxMessage[]).map((m) => [m.to, m.message])).toEqual([
      ['+243812345990', 'three'],
      ['+243899999999', 'two'],
      ['+243812345990', 'one'],
    ]);
  });
});
