import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import express from 'express';
import request from 'supertest';
import { createApp } from '../../src/http/app';
import { ussdFallbacks } from '../../src/http/ussd-fallbacks';
import { createFailedAuthLimiter, requireWebhookToken } from '../../src/http/security';
import { createUssdHopHandler, createUssdRouter } from '../../src/http/ussd-router';
import { silentLogger } from '../../src/logging/logger';
import { createMetrics, type Metrics } from '../../src/metrics';
import type { UssdHop } from '../../src/ussd/hop';
import { metricValue } from '../support/metrics';
import { productMessages } from '../support/texts';
import { newPhone, newSessionId, startWorld, type World } from '../ussd/world';

/**
 * The USSD hop's hot path as the product mounts it (src/compose.ts): ahead of the generic routers
 * and body parsers, behind the same token guard and metrics, with the real engine on Redis. A
 * request it does not take (JSON, gzip, a charset) still reaches the generic route.
 */

const TOKEN = 'hot-path-token-0123456789abcdef';
const messages = productMessages();
const fallbacks = ussdFallbacks(messages);
let w: World;
let prefixN = 0;

beforeAll(async () => {
  w = await startWorld();
});
afterAll(async () => {
  await w.close();
});

interface Built {
  app: express.Express;
  metrics: Metrics;
  /** Hops the engine received, in order. */
  seen: UssdHop[];
}

function build(opts: { hot?: boolean; failedAuthLimit?: number } = {}): Built {
  const metrics = createMetrics({ defaults: false });
  const logger = silentLogger();
  const seen: UssdHop[] = [];
  const engine = {
    handle: (hop: UssdHop) => {
      seen.push(hop);
      return w.engine.handle(hop);
    },
  };
  prefixN += 1;
  const app = createApp({
    logger,
    metrics,
    messages,
    readiness: async () => ({ required: { test: true } }),
    tokenGuard: requireWebhookToken(TOKEN, {
      logger,
      metrics,
      failedAuthLimiter: createFailedAuthLimiter({ redis: w.redis, prefix: `${w.prefix}hot${prefixN}:`, limit: opts.failedAuthLimit ?? 100, windowSeconds: 300 }),
    }),
    ...(opts.hot === false ? {} : { ussdHop: createUssdHopHandler({ engine, logger, messages }) }),
    callbacks: [createUssdRouter({ engine, logger, messages })],
  });
  return { app, metrics, seen };
}

const form = (sessionId: string, phoneNumber: string, text: string) => new URLSearchParams({ sessionId, serviceCode: '*123#', phoneNumber, networkCode: '63902', text }).toString();

test('a journey through /TOKEN/ussd and /ussd?token=: the engine answers, text/plain, counted under the route pattern', async () => {
  const { app, metrics, seen } = build();
  const sessionId = newSessionId();
  const phone = newPhone();
  const first = await request(app).post(`/${TOKEN}/ussd`).type('form').send(form(sessionId, phone, ''));
  expect(first.status).toBe(200);
  expect(first.headers['content-type']).toBe('text/plain; charset=utf-8');
  expect(first.text).toMatch(/^CON REGIDESO/);
  const second = await request(app).post(`/ussd?token=${TOKEN}`).type('form').send(form(sessionId, phone, '1'));
  expect(second.text).toContain('référence client');
  const bills = await request(app).post(`/${TOKEN}/ussd`).type('form').send(form(sessionId, phone, '1*83262*1'));
  expect(bills.text).toContain('Total à payer: 84 653,40 CDF');
  // The engine got the hop as the schema shapes it: trimmed, E.164.
  expect(seen[0]).toStrictEqual({ sessionId, serviceCode: '*123#', phoneNumber: phone, networkCode: '63902', text: '' });
  expect(await metricValue(metrics.registry, 'http_request_duration_seconds_count{method="POST",route="/:token/ussd",status="200"}')).toBe(2);
  expect(await metricValue(metrics.registry, 'http_request_duration_seconds_count{method="POST",route="/ussd",status="200"}')).toBe(1);
});

test('hops the front door leaves to express get the same answer and count: an escaped token, a trailing slash, upper case', async () => {
  const { app, metrics } = build();
  const escaped = `/${TOKEN.replace('-', '%2D')}/ussd`;
  for (const path of [escaped, `/${TOKEN}/ussd/`, `/${TOKEN}/USSD`]) {
    const res = await request(app).post(path).type('form').send(form(newSessionId(), newPhone(), ''));
    expect({ path, status: res.status, text: res.text.slice(0, 12) }).toEqual({ path, status: 200, text: 'CON REGIDESO' });
  }
  expect(await metricValue(metrics.registry, 'http_request_duration_seconds_count{method="POST",route="/:token/ussd",status="200"}')).toBe(3);
  // Not the front door's to guess: a wrong escaped token is still refused.
  expect((await request(app).post(`/${TOKEN.slice(0, -1)}%41/ussd`).type('form').send(form(newSessionId(), newPhone(), ''))).status).toBe(401);
});

test('the token guard is the same on the hot path: missing or wrong is 401 before the engine, and failures are throttled', async () => {
  const { app, metrics, seen } = build({ failedAuthLimit: 3 });
  const body = form(newSessionId(), newPhone(), '');
  expect((await request(app).post('/ussd').type('form').send(body)).status).toBe(401);
  expect((await request(app).post('/wrong-token-0123456789abcdef/ussd').type('form').send(body)).status).toBe(401);
  // A right path token with a wrong query token is refused: every token presented must be right.
  expect((await request(app).post(`/${TOKEN}/ussd?token=nope`).type('form').send(body)).status).toBe(401);
  expect((await request(app).post('/ussd?token=also-wrong-0123456789').type('form').send(body)).status).toBe(429);
  expect(seen).toHaveLength(0);
  expect(await metricValue(metrics.registry, 'webhook_auth_failures_total{reason="missing"}')).toBe(1);
  expect(await metricValue(metrics.registry, 'webhook_auth_failures_total{reason="wrong"}')).toBe(3);
});

test('malformed form hops: 400 with the catalogue sentence, as the schema decides, never reaching the engine', async () => {
  const { app, seen } = build();
  const post = (body: string) => request(app).post(`/${TOKEN}/ussd`).type('form').send(body);
  for (const body of [
    '',
    'phoneNumber=%2B243810000000&text=',
    'sessionId=x&phoneNumber=nobody&text=',
    `sessionId=x&phoneNumber=%2B243810000000&text=${'1*'.repeat(400)}`,
    'sessionId=a&sessionId=b&phoneNumber=%2B243810000000',
    '[sessionId]=&phoneNumber=%2B243810000000',
    `sessionId=${'s'.repeat(129)}&phoneNumber=%2B243810000000`,
  ]) {
    const res = await post(body);
    expect({ body, status: res.status, text: res.text }).toEqual({ body, status: 400, text: fallbacks.badRequest });
  }
  // Past the parameter limit: body-parser's 413, answered by the app as a USSD sentence.
  const many = await post(Array.from({ length: 51 }, (_, i) => `k${i}=v`).join('&'));
  expect({ status: many.status, text: many.text }).toEqual({ status: 400, text: fallbacks.badRequest });
  expect(seen).toHaveLength(0);
});

test('what qs reads specially is read the same: an encoded field name and brackets around it', async () => {
  const { app, seen } = build();
  const sessionId = newSessionId();
  const phone = newPhone();
  const res = await request(app)
    .post(`/${TOKEN}/ussd`)
    .type('form')
    .send(`session%49d=${sessionId}&%5BphoneNumber%5D=${encodeURIComponent(phone)}&text=`);
  expect(res.status).toBe(200);
  expect(res.text).toMatch(/^CON REGIDESO/);
  expect(seen[0]).toMatchObject({ sessionId, phoneNumber: phone });
});

test('requests the hot path does not take reach the generic route: JSON, gzip, and without a hot path at all', async () => {
  const { app, seen } = build();
  const phone = newPhone();
  const json = await request(app)
    .post(`/${TOKEN}/ussd`)
    .set('content-type', 'application/json')
    .send(JSON.stringify({ sessionId: newSessionId(), phoneNumber: phone, text: '' }));
  expect(json.status).toBe(200);
  expect(json.text).toMatch(/^CON REGIDESO/);
  // Over a real socket: supertest does not send a compressed body as it is.
  const server = app.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  const gzipped = await fetch(`http://127.0.0.1:${port}/${TOKEN}/ussd`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-encoding': 'gzip' },
    body: gzipSync(form(newSessionId(), phone, '')),
  }).finally(() => server.close());
  expect(gzipped.status).toBe(200);
  expect(await gzipped.text()).toMatch(/^CON REGIDESO/);
  const badJson = await request(app).post(`/${TOKEN}/ussd`).set('content-type', 'application/json').send('{"sessionId":');
  expect({ status: badJson.status, text: badJson.text }).toEqual({ status: 400, text: fallbacks.badRequest });
  expect(seen).toHaveLength(2);

  // An app without the hot path: the router alone, after the app's own parsers, still answers.
  const generic = build({ hot: false });
  const res = await request(generic.app).post(`/${TOKEN}/ussd`).type('form').send(form(newSessionId(), phone, ''));
  expect(res.status).toBe(200);
  expect(res.text).toMatch(/^CON REGIDESO/);
});

test('an engine past the deadline or broken: the unavailable sentence, once', async () => {
  const logger = silentLogger();
  const slow = express();
  slow.post('/ussd', createUssdHopHandler({ engine: { handle: () => new Promise<string>(() => undefined) }, logger, messages, deadlineMs: 50 }).handler);
  const late = await request(slow).post('/ussd').type('form').send(form('s1', '+243810000000', ''));
  expect({ status: late.status, text: late.text }).toEqual({ status: 200, text: fallbacks.unavailable });
  const broken = express();
  broken.post('/ussd', createUssdHopHandler({ engine: { handle: () => Promise.reject(new Error('boom')) }, logger, messages }).handler);
  const failed = await request(broken).post('/ussd').type('form').send(form('s1', '+243810000000', ''));
  expect({ status: failed.status, text: failed.text }).toEqual({ status: 200, text: fallbacks.unavailable });
});
