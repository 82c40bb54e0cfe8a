import { Writable } from 'node:stream';
import express from 'express';
import request from 'supertest';
import { loadConfig, type Config } from '../../src/config';
import { createApp } from '../../src/http/app';
import { createCallbacksRouter } from '../../src/http/callbacks-router';
import { createOutboxRouter } from '../../src/http/outbox-router';
import { createFailedAuthLimiter, requireWebhookToken } from '../../src/http/security';
import { createSmsRouter } from '../../src/http/sms-router';
import { createLogger, type Logger } from '../../src/logging/logger';
import { createMetrics, type Metrics } from '../../src/metrics';
import { startSandbox, type RunningSandbox } from '../../src/regideso/sandbox/server';
import type { InboundAnswerer } from '../../src/sms/inbound';
import { sandboxClient } from '../support/regideso';
import { productMessages } from '../support/texts';
import { memoryRecords, messagesTo, metricValue, smsStack, type SmsStack } from './sms-kit';

/**
 * The guard in front of every callback, mounted by the real app factory (src/http/app.ts): one
 * guarded router under `/` and under `/:token/`. `/ussd` here is a one-line stand-in for the USSD
 * engine (another part); what is under test is what runs before it, and the SMS routes behind it.
 */

const TOKEN = 'test-webhook-token-0123456789abcdef';
/** Everything logged by the SMS side and the guard, one JSON line each (the token given as a secret). */
const lines: string[] = [];
const sink = new Writable({
  write(chunk: Buffer, _enc, cb) {
    lines.push(chunk.toString());
    cb();
  },
});
const logger: Logger = createLogger({ level: 'debug', json: true, secrets: [TOKEN], stream: sink });
let stack: SmsStack;
let sandbox: RunningSandbox;
let answerer: InboundAnswerer;
let metrics: Metrics;
let ussdHits = 0;

function buildApp(token: string | undefined, opts: { failedAuthLimit?: number; trustProxy?: Config['trustProxy'] } = {}): express.Express {
  metrics = createMetrics({ defaults: false });
  const ussd = express.Router();
  ussd.post('/ussd', (_req, res) => {
    ussdHits++;
    res.type('text/plain').send('END ok');
  });
  return createApp({
    logger,
    metrics,
    messages: productMessages(),
    readiness: async () => ({ required: { test: true } }),
    trustProxy: opts.trustProxy,
    tokenGuard: requireWebhookToken(token, {
      logger,
      metrics,
      failedAuthLimiter: createFailedAuthLimiter({
        redis: stack.redis,
        prefix: `${stack.prefix}${Math.random().toString(36).slice(2)}:`,
        limit: opts.failedAuthLimit ?? 100,
        windowSeconds: 300,
      }),
    }),
    callbacks: [
      ussd,
      createSmsRouter({ inbound: answerer, redis: stack.redis, prefix: stack.prefix, logger, metrics }),
      createCallbacksRouter({ smsStore: stack.smsStore, smsQueue: stack.smsQueue, redis: stack.redis, prefix: stack.prefix, logger, metrics, retentionSeconds: 600 }),
      createOutboxRouter(stack.outbox),
    ],
  });
}

let seq = 0;
const hop = (phoneNumber: string) => ({ sessionId: `S-${Math.random()}`, serviceCode: '*123#', phoneNumber, networkCode: '63902', text: '' });
const routes: Array<[string, () => Record<string, string>]> = [
  ['/ussd', () => hop('+243810000001')],
  ['/ussd/events', () => ({ sessionId: `E-${++seq}`, status: 'Success' })],
  ['/sms/inbound', () => ({ from: '+243810000001', to: '12345', text: 'AIDE', date: '2025-01-29', id: `sec-${++seq}`, linkId: 'l', networkCode: '63902' })],
  ['/sms/delivery', () => ({ id: 'unknown', status: 'Success', phoneNumber: '+243810000001' })],
];

beforeAll(async () => {
  sandbox = await startSandbox();
  stack = await smsStack('security', { logger });
  answerer = await stack.answerer({ regideso: sandboxClient(sandbox), records: memoryRecords([]) });
});
afterAll(async () => {
  await stack.cleanup();
  await sandbox.close();
});

const failures = async (reason: string) => metricValue(await metrics.registry.metrics(), 'webhook_auth_failures_total', { reason });

describe('webhook token', () => {
  it.each(routes)('%s without the token: 401 JSON, and nothing runs', async (path, body) => {
    const app = buildApp(TOKEN);
    const hits = ussdHits;
    const res = await request(app).post(path).type('form').send(body()).expect(401);
    expect(res.body).toEqual({ error: 'unauthorized', message: 'missing or wrong webhook token' });
    expect(ussdHits).toBe(hits);
    expect(await failures('missing')).toBe(1);
  });

  it.each(routes)('%s with a wrong token, in the path or the query: 401', async (path, body) => {
    const app = buildApp(TOKEN);
    await request(app).post(`/${TOKEN.slice(0, -1)}x${path}`).type('form').send(body()).expect(401);
    await request(app).post(`${path}?token=${TOKEN}extra`).type('form').send(body()).expect(401);
    await request(app).post(`${path}?token=`).type('form').send(body()).expect(401);
    expect(await failures('wrong')).toBe(3);
    expect(await failures('missing')).toBeUndefined();
  });

  it.each(routes)('%s with a wrong token in one place and the right one in the other: 401 either way, and nothing runs (item 17)', async (path, body) => {
    const app = buildApp(TOKEN);
    const hits = ussdHits;
    const wrong = `${TOKEN.slice(0, -1)}x`;
    const q = encodeURIComponent(TOKEN);
    await request(app).post(`/${wrong}${path}?token=${q}`).type('form').send(body()).expect(401);
    await request(app).post(`/${TOKEN}${path}?token=${encodeURIComponent(wrong)}`).type('form').send(body()).expect(401);
    await request(app).post(`${path}?token=${q}&token=${encodeURIComponent(wrong)}`).type('form').send(body()).expect(401);
    await request(app).post(`/${TOKEN}${path}?token=`).type('form').send(body()).expect(401);
    expect(ussdHits).toBe(hits);
    expect(await failures('wrong')).toBe(4);
  });

  it.each(routes)('%s with the right token in the path segment, the query, or both: served', async (path, body) => {
    const app = buildApp(TOKEN);
    const q = encodeURIComponent(TOKEN);
    expect((await request(app).post(`/${TOKEN}${path}`).type('form').send(body())).status).toBe(200);
    expect((await request(app).post(`${path}?token=${q}`).type('form').send(body())).status).toBe(200);
    expect((await request(app).post(`/${TOKEN}${path}?token=${q}`).type('form').send(body())).status).toBe(200);
    expect(await failures('wrong')).toBeUndefined();
  });

  it('the outbox, which holds what subscribers were sent, is behind the same token, wrong tokens included', async () => {
    const app = buildApp(TOKEN);
    await request(app).get('/outbox').expect(401);
    await request(app).get(`/outbox?token=${encodeURIComponent(TOKEN)}x`).expect(401);
    await request(app).get(`/${TOKEN}x/outbox?token=${encodeURIComponent(TOKEN)}`).expect(401);
    await request(app).get(`/${TOKEN}/outbox`).expect(200);
    // Health and metrics stay open for the load balancer and Prometheus.
    await request(app).get('/healthz').expect(200);
    await request(app).get('/metrics').expect(200);
  });

  it('no token configured: callbacks are open (development)', async () => {
    await request(buildApp(undefined)).post('/ussd').type('form').send(hop('+243810000001')).expect(200, 'END ok');
  });

  it('an address that keeps failing gets 429, while the gateway with the token is never throttled by address', async () => {
    const app = buildApp(TOKEN, { failedAuthLimit: 3, trustProxy: trustProxyOf('1') });
    const from = (ip: string) => ({ 'X-Forwarded-For': ip });
    for (let i = 0; i < 3; i++) await request(app).post('/ussd').set(from('203.0.113.9')).type('form').send(hop('+243810000001')).expect(401);
    await request(app).post('/ussd').set(from('203.0.113.9')).type('form').send(hop('+243810000001')).expect(429);
    // Same address, right token: served, however many failures it had.
    for (let i = 0; i < 5; i++) {
      await request(app).post(`/${TOKEN}/ussd`).set(from('203.0.113.9')).type('form').send(hop(`+24381000010${i}`)).expect(200, 'END ok');
    }
    // Another address that fails is only at its first failure.
    await request(app).post('/ussd').set(from('198.51.100.7')).type('form').send(hop('+243810000001')).expect(401);
  });
});

/** TRUST_PROXY as the product reads it (src/config.ts). */
function trustProxyOf(value: string | undefined): Config['trustProxy'] {
  const r = loadConfig({ TRUST_PROXY: value });
  if (!r.ok) throw new Error(r.errors.join('; '));
  return r.config.trustProxy;
}

describe('TRUST_PROXY: whose X-Forwarded-For is believed', () => {
  const wrongToken = (app: express.Express, forwardedFor: string) =>
    request(app).post('/ussd?token=wrong-token-0123456789').set('X-Forwarded-For', forwardedFor).type('form').send(hop('+243810000001'));

  it('unset: a new spoofed X-Forwarded-For on each wrong token does not escape the throttle', async () => {
    const app = buildApp(TOKEN, { failedAuthLimit: 3, trustProxy: trustProxyOf(undefined) });
    const hitsBefore = ussdHits;
    for (let i = 1; i <= 3; i++) await wrongToken(app, `198.51.100.${i}`).expect(401);
    for (let i = 4; i <= 6; i++) await wrongToken(app, `198.51.100.${i}`).expect(429);
    expect(ussdHits).toBe(hitsBefore);
  });

  it.each([['1'], ['127.0.0.1'], ['loopback'], ['127.0.0.0/8, 10.0.0.0/8']])('TRUST_PROXY=%s (the proxy is this test, on loopback): each forwarded address is counted on its own', async (value) => {
    const app = buildApp(TOKEN, { failedAuthLimit: 3, trustProxy: trustProxyOf(value) });
    for (let i = 1; i <= 6; i++) await wrongToken(app, `198.51.100.${i}`).expect(401);
    // The same forwarded client is still throttled.
    for (let i = 0; i < 3; i++) await wrongToken(app, '203.0.113.50').expect(401);
    await wrongToken(app, '203.0.113.50').expect(429);
  });

  it('trusting a proxy at another address believes nothing from this one', async () => {
    const app = buildApp(TOKEN, { failedAuthLimit: 3, trustProxy: trustProxyOf('10.1.2.3') });
    for (let i = 1; i <= 3; i++) await wrongToken(app, `198.51.100.${i}`).expect(401);
    await wrongToken(app, '198.51.100.4').expect(429);
  });
});

describe('privacy of the logs', () => {
  it('logs neither a token that was tried nor a full phone number or name', async () => {
    const app = buildApp(TOKEN);
    const from = lines.length;
    const nearlyRight = `${TOKEN.slice(0, -1)}Z`;
    await request(app).post(`/${nearlyRight}/sms/inbound`).type('form').send({ from: '+243812345678', text: 'AIDE', id: 'log-0' }).expect(401);
    await request(app).post(`/sms/inbound?token=${nearlyRight}`).type('form').send({ from: '+243812345678', text: 'AIDE', id: 'log-0' }).expect(401);
    await request(app).post(`/${TOKEN}/sms/inbound?token=${nearlyRight}`).type('form').send({ from: '+243812345678', text: 'AIDE', id: 'log-0' }).expect(401);
    await request(app)
      .post(`/${TOKEN}/sms/inbound`)
      .type('form')
      .send({ from: '+243812345678', to: '12345', text: 'FACTURE 83262', id: 'log-1', date: '2025-01-29', networkCode: '63902' })
      .expect(200);
    expect((await messagesTo(stack.outbox, '+243812345678', 1))[0]?.message).toContain('MUKEBA M.');
    const all = lines.slice(from).join('\n');
    expect(all).toContain('callback refused');
    expect(all).toContain('sms answered');
    expect(all).not.toContain(TOKEN.slice(0, -1));
    expect(all).not.toContain('812345678');
    expect(all).not.toContain('MUKEBA');
  });
});
