import express from 'express';
import request from 'supertest';
import { createCallbacksRouter, type CallbacksRouter } from '../../src/http/callbacks-router';
import { createFailedAuthLimiter, rateLimitByPhone, requireWebhookToken, ussdLimitedReply } from '../../src/http/security';
import { createSmsRouter, type SmsRouter } from '../../src/http/sms-router';
import { gsm7Length, isGsm7, SCREEN_LIMIT } from '../../src/gsm7';
import { Writable } from 'node:stream';
import { createLogger, silentLogger, type Logger } from '../../src/logging/logger';
import { createMetrics, type Metrics } from '../../src/metrics';
import type { RegidesoClient } from '../../src/regideso/types';
import { startSandbox, type RunningSandbox } from '../../src/regideso/sandbox/server';
import { createSmsSender } from '../../src/sms/sender';
import { memoryRecords, metricValue, outboxWithIds, testRedis } from './sms-kit';
import { sandboxClient } from '../support/regideso';

/**
 * The guard in front of every callback, mounted the way the app mounts it: one guarded router under
 * `/` and under `/:token/`. `/ussd` here is a one-line stand-in for the USSD engine (another part);
 * what is under test is what runs before it.
 */

const TOKEN = 'test-webhook-token-0123456789abcdef';
const store = testRedis();
const outbox = outboxWithIds(store.redis, store.prefix);
let sandbox: RunningSandbox;
let regideso: RegidesoClient;
let metrics: Metrics;
let smsRouter: SmsRouter;
let callbacksRouter: CallbacksRouter;
let ussdHits = 0;

function buildApp(token: string | undefined, opts: { failedAuthLimit?: number; ussdLimit?: number; logger?: Logger } = {}): express.Express {
  metrics = createMetrics({ defaults: false });
  const logger = opts.logger ?? silentLogger();
  const sender = createSmsSender({ transport: outbox, redis: store.redis, prefix: store.prefix, logger, metrics, ttlSeconds: 600 });
  smsRouter = createSmsRouter({ regideso, records: memoryRecords([]), sender, redis: store.redis, prefix: store.prefix, logger, metrics });
  callbacksRouter = createCallbacksRouter({ sender, redis: store.redis, prefix: store.prefix, logger, metrics, retentionSeconds: 600 });
  const ussd = express.Router();
  ussd.post('/ussd', (_req, res) => {
    ussdHits++;
    res.type('text/plain').send('END ok');
  });

  const app = express();
  app.set('trust proxy', 1);
  app.use(express.urlencoded({ extended: false, limit: '16kb' }));
  app.use(express.json({ limit: '16kb' }));
  const guarded = express.Router({ mergeParams: true });
  guarded.use(
    requireWebhookToken(token, {
      logger,
      metrics,
      failedAuthLimiter: createFailedAuthLimiter({
        redis: store.redis,
        prefix: `${store.prefix}${Math.random().toString(36).slice(2)}:`,
        limit: opts.failedAuthLimit ?? 100,
        windowSeconds: 300,
      }),
    }),
  );
  guarded.use(
    rateLimitByPhone({
      redis: store.redis,
      prefix: `${store.prefix}${Math.random().toString(36).slice(2)}:`,
      limit: opts.ussdLimit ?? 100,
      windowSeconds: 300,
      phoneField: 'phoneNumber',
      paths: ['/ussd'],
      onLimited: ussdLimitedReply,
      metrics,
      logger,
      name: 'ussd',
    }),
  );
  for (const r of [ussd, smsRouter, callbacksRouter]) guarded.use(r);
  app.use(guarded);
  app.use('/:token', guarded);
  app.use((_req, res) => {
    res.status(404).json({ error: 'not_found' });
  });
  return app;
}

const hop = (phoneNumber: string) => ({ sessionId: `S-${Math.random()}`, serviceCode: '*123#', phoneNumber, networkCode: '63902', text: '' });
const routes: Array<[string, Record<string, string>]> = [
  ['/ussd', hop('+243810000001')],
  ['/ussd/events', { sessionId: 'E-1', status: 'Success' }],
  ['/sms/inbound', { from: '+243810000001', to: '12345', text: 'AIDE', date: '2025-01-29', id: 'sec-1', linkId: 'l', networkCode: '63902' }],
  ['/sms/delivery', { id: 'unknown', status: 'Success', phoneNumber: '+243810000001' }],
];

beforeAll(async () => {
  sandbox = await startSandbox();
  regideso = sandboxClient(sandbox);
});
afterEach(async () => {
  await smsRouter.drain();
  await callbacksRouter.drain();
});
afterAll(async () => {
  await sandbox.close();
  await store.cleanup();
});

describe('webhook token', () => {
  it.each(routes)('%s without the token: 401 JSON, and nothing runs', async (path, body) => {
    const app = buildApp(TOKEN);
    const hits = ussdHits;
    const res = await request(app).post(path).type('form').send(body).expect(401);
    expect(res.body).toEqual({ error: 'unauthorized', message: 'missing or wrong webhook token' });
    expect(ussdHits).toBe(hits);
    expect(metricValue(await metrics.registry.metrics(), 'webhook_auth_failures_total', { reason: 'missing' })).toBe(1);
  });

  it.each(routes)('%s with a wrong token, in the path or the query: 401', async (path, body) => {
    const app = buildApp(TOKEN);
    await request(app).post(`/${TOKEN.slice(0, -1)}x${path}`).type('form').send(body).expect(401);
    await request(app).post(`${path}?token=${TOKEN}extra`).type('form').send(body).expect(401);
    await request(app).post(`${path}?token=`).type('form').send(body).expect(401);
    const text = await metrics.registry.metrics();
    expect(metricValue(text, 'webhook_auth_failures_total', { reason: 'wrong' })).toBe(3);
    expect(metricValue(text, 'webhook_auth_failures_total', { reason: 'missing' })).toBeUndefined();
  });

  it.each(routes)('%s with the right token in the path segment or the query: served', async (path, body) => {
    const app = buildApp(TOKEN);
    const inPath = await request(app).post(`/${TOKEN}${path}`).type('form').send({ ...body, id: `${body.id ?? ''}p`, sessionId: `${body.sessionId ?? ''}p` });
    expect(inPath.status).toBe(200);
    const inQuery = await request(app).post(`${path}?token=${encodeURIComponent(TOKEN)}`).type('form').send({ ...body, id: `${body.id ?? ''}q`, sessionId: `${body.sessionId ?? ''}q` });
    expect(inQuery.status).toBe(200);
  });

  it('no token configured: callbacks are open (development)', async () => {
    await request(buildApp(undefined)).post('/ussd').type('form').send(hop('+243810000001')).expect(200, 'END ok');
  });

  it('an address that keeps failing gets 429, while the gateway with the token is never throttled by address', async () => {
    const app = buildApp(TOKEN, { failedAuthLimit: 3 });
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

describe('rate limit per phone number on /ussd', () => {
  it('a flood from one number ends politely with END while another number is served', async () => {
    const app = buildApp(TOKEN, { ussdLimit: 3 });
    const flooder = '+243811112222';
    const answers: string[] = [];
    for (let i = 0; i < 5; i++) {
      const res = await request(app).post(`/${TOKEN}/ussd`).type('form').send(hop(flooder)).expect(200);
      answers.push(res.text);
    }
    expect(answers.slice(0, 3)).toEqual(['END ok', 'END ok', 'END ok']);
    for (const polite of answers.slice(3)) {
      expect(polite.startsWith('END ')).toBe(true);
      expect(polite).toContain('Réessayez');
      expect(isGsm7(polite)).toBe(true);
      expect(gsm7Length(polite)).toBeLessThanOrEqual(SCREEN_LIMIT);
    }
    await request(app).post(`/${TOKEN}/ussd`).type('form').send(hop('+243833334444')).expect(200, 'END ok');
    expect(metricValue(await metrics.registry.metrics(), 'rate_limited_total', { limit: 'ussd' })).toBe(2);
  });

  it('session notices and delivery reports for that number are not limited', async () => {
    const app = buildApp(TOKEN, { ussdLimit: 1 });
    const phone = '+243855556666';
    await request(app).post(`/${TOKEN}/ussd`).type('form').send(hop(phone)).expect(200, 'END ok');
    await request(app).post(`/${TOKEN}/ussd`).type('form').send(hop(phone)).expect(200);
    for (let i = 0; i < 3; i++) {
      await request(app).post(`/${TOKEN}/ussd/events`).type('form').send({ sessionId: `N-${i}`, status: 'Incomplete', phoneNumber: phone }).expect(200, 'OK');
      await request(app).post(`/${TOKEN}/sms/delivery`).type('form').send({ id: `D-${i}`, status: 'Success', phoneNumber: phone }).expect(200, 'OK');
    }
  });

  it('a malformed USSD hop without phoneNumber passes the limiter to be refused by validation downstream', async () => {
    const app = buildApp(TOKEN, { ussdLimit: 0 });
    await request(app).post(`/${TOKEN}/ussd`).type('form').send({ sessionId: 'x', text: '' }).expect(200, 'END ok');
  });
});

describe('privacy of the logs', () => {
  it('logs neither a token that was tried nor a full phone number or name', async () => {
    const lines: string[] = [];
    const stream = new Writable({
      write(chunk: Buffer, _enc, cb) {
        lines.push(chunk.toString());
        cb();
      },
    });
    const logger = createLogger({ level: 'debug', json: true, secrets: [TOKEN], stream });
    const app = buildApp(TOKEN, { logger });
    const nearlyRight = `${TOKEN.slice(0, -1)}Z`;
    await request(app).post(`/${nearlyRight}/sms/inbound`).type('form').send({ from: '+243812345678', text: 'AIDE', id: 'log-0' }).expect(401);
    await request(app).post(`/sms/inbound?token=${nearlyRight}`).type('form').send({ from: '+243812345678', text: 'AIDE', id: 'log-0' }).expect(401);
    await request(app)
      .post(`/${TOKEN}/sms/inbound`)
      .type('form')
      .send({ from: '+243812345678', to: '12345', text: 'FACTURE 83262', id: 'log-1', date: '2025-01-29', networkCode: '63902' })
      .expect(200);
    await smsRouter.drain();
    const all = lines.join('\n');
    expect(all).toContain('callback refused');
    expect(all).toContain('sms answered');
    expect(all).not.toContain(TOKEN.slice(0, -1));
    expect(all).not.toContain('812345678');
    expect(all).not.toContain('MUKEBA');
    expect((await outbox.list('+243812345678')).at(-1)?.message).toContain('MUKEBA MUKEBA');
  });
});
