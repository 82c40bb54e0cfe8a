import express from 'express';
import request from 'supertest';
import { createOutboxRouter } from '../../src/http/outbox-router';
import type { OutboxMessage } from '../../src/sms/transport';

/** GET /outbox?to=PHONE over HTTP, in front of a stand-in list (the outbox itself is tested beside). */
const kept: OutboxMessage[] = [{ to: '+243812345990', message: 'REGIDESO: payé 100 CDF', at: '2025-01-29T09:42:58.000Z' }];
const asked: string[] = [];
const app = express().use(
  createOutboxRouter({
    list: async (to) => {
      asked.push(to);
      return kept.filter((m) => m.to === to);
    },
  }),
);

beforeEach(() => {
  asked.length = 0;
});

it('lists the messages kept for a number as JSON', async () => {
  const res = await request(app).get('/outbox?to=%2B243812345990').expect(200).expect('content-type', /json/);
  expect(res.body).toEqual(kept);
});

it('reads an unencoded + (arriving as a space) as the + it was', async () => {
  const res = await request(app).get('/outbox?to=+243812345990').expect(200);
  expect(asked).toEqual(['+243812345990']);
  expect(res.body).toHaveLength(1);
});

it('answers an empty list for a number with nothing kept', async () => {
  const res = await request(app).get('/outbox?to=243899999999').expect(200);
  expect(res.body).toEqual([]);
});

it.each(['', '?to=', '?to=abc', '?to=%2B243-81', '?to=1&to=2', '?to=' + '9'.repeat(20)])('refuses a bad query %s with 400', async (q) => {
  const res = await request(app).get(`/outbox${q}`).expect(400);
  expect(res.body.error).toBe('bad_request');
  expect(asked).toEqual([]);
});

it('answers 503, not a bare 500, when the outbox cannot be read (Redis down)', async () => {
  const down = express().use(createOutboxRouter({ list: () => Promise.reject(new Error('Connection is closed.')) }));
  const res = await request(down).get('/outbox?to=%2B243812345990').expect(503);
  expect(res.body).toEqual({ error: 'unavailable', message: 'The outbox cannot be read right now' });
});
