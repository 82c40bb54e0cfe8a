import { PassThrough } from 'node:stream';
import express from 'express';
import request from 'supertest';
import { createCallbacksRouter, type CallbacksRouter } from '../../src/http/callbacks-router';
import { createLogger, silentLogger, type Logger } from '../../src/logging/logger';
import { createMetrics, type Metrics } from '../../src/metrics';
import { createSmsSender, type TrackedSmsSender } from '../../src/sms/sender';
import { createUssdEventRecorder } from '../../src/ussd-events/recorder';
import { fallbackScreenLabel } from '../../src/ussd-events/screen-label';
import { metricValue, outboxWithIds, testRedis } from './sms-kit';

/** POST /sms/delivery and POST /ussd/events with Africa's Talking's field names, real Redis. */

const store = testRedis();
const outbox = outboxWithIds(store.redis, store.prefix);
let metrics: Metrics;
let sender: TrackedSmsSender;
let router: CallbacksRouter;
let app: express.Express;
/** The screen ids the USSD session store would know, by sessionId (the lead wires the real one). */
const screenIds = new Map<string, string>();
/** Everything the router logged, one JSON line each. */
const logged: string[] = [];

function capturingLogger(lines: string[]): Logger {
  const stream = new PassThrough();
  stream.on('data', (b: Buffer) => lines.push(b.toString()));
  return createLogger({ level: 'debug', json: true, secrets: [], stream });
}

beforeAll(() => {
  metrics = createMetrics({ defaults: false });
  sender = createSmsSender({ transport: outbox, redis: store.redis, prefix: store.prefix, logger: silentLogger(), metrics, ttlSeconds: 3600 });
  router = createCallbacksRouter({
    sender,
    redis: store.redis,
    prefix: store.prefix,
    logger: capturingLogger(logged),
    metrics,
    retentionSeconds: 3600,
    maxResends: 2,
    screenOf: (e) => screenIds.get(e.sessionId),
  });
  app = express();
  app.use(express.urlencoded({ extended: false, limit: '16kb' }));
  app.use(express.json({ limit: '16kb' }));
  app.use(router);
});
afterAll(async () => {
  await router.drain();
  await store.cleanup();
});

async function sendReceipt(to: string, message = `REGIDESO: payé 100 CDF ${to}`): Promise<string> {
  const out = await sender.send({ to, message, kind: 'receipt' });
  if (out.kind !== 'sent' || out.messageId === undefined) throw new Error(out.kind);
  return out.messageId;
}

async function report(fields: Record<string, string>) {
  const res = await request(app).post('/sms/delivery').type('form').send({ networkCode: '63902', retryCount: '0', ...fields });
  await router.drain();
  return res;
}

const metricsText = () => metrics.registry.metrics();

describe('POST /sms/delivery', () => {
  it('a receipt that Failed for DeliveryFailure is sent again, to the number it was sent to', async () => {
    const to = '+243810000101';
    const id = await sendReceipt(to);
    await report({ id, status: 'Failed', phoneNumber: to, failureReason: 'DeliveryFailure' }).then((r) => expect(r.status).toBe(200));
    const got = await outbox.list(to);
    expect(got).toHaveLength(2);
    expect(got[1]?.message).toBe(got[0]?.message);
    expect(metricValue(await metricsText(), 'sms_delivery_reports_total', { status: 'Failed', action: 'resend' })).toBeGreaterThanOrEqual(1);
  });

  it('the same final report delivered twice resends once', async () => {
    const to = '+243810000102';
    const id = await sendReceipt(to);
    const fields = { id, status: 'Rejected', phoneNumber: to, failureReason: 'AbsentSubscriber' };
    await report(fields);
    await report(fields);
    expect(await outbox.list(to)).toHaveLength(2);
  });

  it('resends stop at the limit (2 here): three sends in all', async () => {
    const to = '+243810000103';
    let id = await sendReceipt(to);
    for (let i = 0; i < 4; i++) {
      await report({ id, status: 'Failed', phoneNumber: to, failureReason: 'DeliveryFailure' });
      const last = outbox.sent.filter((s) => s.to === to).at(-1);
      if (last === undefined) throw new Error('nothing sent');
      id = last.id;
    }
    expect(await outbox.list(to)).toHaveLength(3);
    expect(metricValue(await metricsText(), 'sms_delivery_reports_total', { status: 'Failed', action: 'resend_limit' })).toBeGreaterThanOrEqual(1);
  });

  it.each(['InvalidPhoneNumber', 'UserInBlackList', 'UserInBlacklist', 'InsufficientCredit', 'UserDoesNotExist', 'SomethingNew'])(
    'a permanent (or unknown) failure reason, %s, is not resent',
    async (failureReason) => {
      const to = `+24381000020${failureReason.length % 10}`;
      const before = (await outbox.list(to)).length;
      const id = await sendReceipt(to);
      await report({ id, status: 'Failed', phoneNumber: to, failureReason });
      expect(await outbox.list(to)).toHaveLength(before + 1);
      expect((await sender.find(id))?.failureReason).toBe(failureReason);
    },
  );

  it('success and intermediate statuses are recorded and send nothing', async () => {
    const to = '+243810000301';
    const id = await sendReceipt(to);
    await report({ id, status: 'Sent', phoneNumber: to, failureReason: '' });
    expect((await sender.find(id))?.status).toBe('Sent');
    await report({ id, status: 'Success', phoneNumber: to, failureReason: '' });
    expect((await sender.find(id))?.status).toBe('Success');
    expect(await outbox.list(to)).toHaveLength(1);
  });

  it('a failed keyword reply is not resent: the subscriber can ask again', async () => {
    const to = '+243810000302';
    const out = await sender.send({ to, message: 'REGIDESO par SMS', kind: 'reply' });
    if (out.kind !== 'sent' || out.messageId === undefined) throw new Error(out.kind);
    await report({ id: out.messageId, status: 'Failed', phoneNumber: to, failureReason: 'DeliveryFailure' });
    expect(await outbox.list(to)).toHaveLength(1);
  });

  it('a report naming another number sends nothing to anyone', async () => {
    const to = '+243810000303';
    const other = '+243990000303';
    const id = await sendReceipt(to);
    await report({ id, status: 'Failed', phoneNumber: other, failureReason: 'DeliveryFailure' });
    expect(await outbox.list(to)).toHaveLength(1);
    expect(await outbox.list(other)).toHaveLength(0);
    expect((await sender.find(id))?.status).toBeUndefined();
  });

  it('a report for an id we never sent is acknowledged and ignored', async () => {
    const res = await report({ id: 'ATXid_unknown', status: 'Failed', phoneNumber: '+243810000304', failureReason: 'DeliveryFailure' });
    expect(res.status).toBe(200);
    expect(await outbox.list('+243810000304')).toHaveLength(0);
    expect(metricValue(await metricsText(), 'sms_delivery_reports_total', { status: 'Failed', action: 'unknown_message' })).toBe(1);
  });

  it('a Failed report after Success resends nothing: Success is final, the late report only kept', async () => {
    const to = '+243810000401';
    const id = await sendReceipt(to);
    await report({ id, status: 'Success', phoneNumber: to, failureReason: '' }).then((r) => expect(r.status).toBe(200));
    await report({ id, status: 'Failed', phoneNumber: to, failureReason: 'DeliveryFailure' }).then((r) => expect(r.status).toBe(200));
    await report({ id, status: 'AbsentSubscriber', phoneNumber: to, failureReason: '' });
    expect(await outbox.list(to)).toHaveLength(1);
    expect(await sender.find(id)).toMatchObject({ status: 'Success', finalStatus: 'Success', lateStatus: 'AbsentSubscriber' });
    const text = await metricsText();
    expect(metricValue(text, 'sms_delivery_reports_total', { status: 'Failed', action: 'after_final' })).toBeGreaterThanOrEqual(1);
    expect(metricValue(text, 'sms_delivery_reports_total', { status: 'AbsentSubscriber', action: 'after_final' })).toBeGreaterThanOrEqual(1);
  });

  it.each(['UserInBlacklist', 'InvalidPhoneNumber'])(
    'after a permanent failure (%s), a later transient report sends nothing to that number',
    async (failureReason) => {
      const to = failureReason === 'UserInBlacklist' ? '+243810000402' : '+243810000403';
      const id = await sendReceipt(to);
      await report({ id, status: 'Failed', phoneNumber: to, failureReason });
      await report({ id, status: 'Failed', phoneNumber: to, failureReason: 'DeliveryFailure' });
      await report({ id, status: 'Rejected', phoneNumber: to, failureReason: 'AbsentSubscriber' });
      await report({ id, status: 'Expired', phoneNumber: to, failureReason: '' });
      expect(await outbox.list(to)).toHaveLength(1);
      expect(await sender.find(id)).toMatchObject({ status: 'Failed', failureReason, finalStatus: 'Failed' });
    },
  );

  it('a resend after a transient failure still happens when the report comes after in-progress ones', async () => {
    const to = '+243810000404';
    const id = await sendReceipt(to);
    await report({ id, status: 'Sent', phoneNumber: to, failureReason: '' });
    await report({ id, status: 'Buffered', phoneNumber: to, failureReason: '' });
    await report({ id, status: 'Failed', phoneNumber: to, failureReason: 'DeliveryFailure' });
    expect(await outbox.list(to)).toHaveLength(2);
  });

  it.each(['Sent', 'Submitted', 'Buffered', 'Rejected', 'Success', 'Failed', 'AbsentSubscriber', 'Expired'])(
    "Africa's Talking status %s is accepted",
    async (status) => {
      const res = await report({ id: `ATXid_status_${status}`, status, phoneNumber: '+243810000405', failureReason: '' });
      expect(res.status).toBe(200);
    },
  );

  it.each(['Weird', 'success', 'Delivered', ''])('an unknown status (%j) gets 400 naming the field, and nothing is recorded', async (status) => {
    const to = '+243810000406';
    const id = await sendReceipt(to);
    const res = await report({ id, status, phoneNumber: to, failureReason: '' });
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('invalid_payload');
    expect(res.body.issues.map((i: { field: string }) => i.field)).toEqual(['status']);
    expect((await sender.find(id))?.status).toBeUndefined();
  });

  it('each resend is logged with its real attempt number', async () => {
    const to = '+243810000407';
    let id = await sendReceipt(to);
    const from = logged.length;
    for (let i = 0; i < 2; i++) {
      await report({ id, status: 'Failed', phoneNumber: to, failureReason: 'DeliveryFailure' });
      const last = outbox.sent.filter((s) => s.to === to).at(-1);
      if (last === undefined) throw new Error('nothing sent');
      id = last.id;
    }
    const resendLines = logged
      .slice(from)
      .map((l) => JSON.parse(l) as { message: string; attempt?: number; to?: string })
      .filter((l) => l.message === 'receipt sent again');
    expect(resendLines.map((l) => l.attempt)).toEqual([2, 3]);
    expect(resendLines.every((l) => l.to === '+243******407')).toBe(true);
    expect(await sender.find(id)).toMatchObject({ attempt: 3 });
  });

  it.each([
    ['no id', { status: 'Failed' }, 'id'],
    ['no status', { id: 'x' }, 'status'],
    ['an id that is an object (JSON)', { id: { $ne: null }, status: 'Failed' }, 'id'],
  ])('%s: 400 JSON naming the field', async (_name, body, field) => {
    const res = await request(app).post('/sms/delivery').send(body).expect(400);
    expect(res.type).toBe('application/json');
    expect(res.body.issues.map((i: { field: string }) => i.field)).toContain(field);
  });
});

describe('POST /ussd/events', () => {
  const notice = (sessionId: string, status: string, lastAppResponse: string, extra: Record<string, string> = {}) => ({
    date: '2025-01-29 10:42:58',
    sessionId,
    serviceCode: '*123#',
    networkCode: '63902',
    phoneNumber: '+243810000001',
    status,
    cost: 'CDF 0.00',
    durationInMillis: '45000',
    hopsCount: '3',
    input: '1*83262',
    lastAppResponse,
    errorMessage: '',
    ...extra,
  });

  it('counts sessions by outcome and shows the screen id where incomplete ones stopped, in the metrics text', async () => {
    const post = (body: object) => request(app).post('/ussd/events').type('form').send(body).expect(200);
    screenIds.set('S-2', 'pay_province').set('S-3', 'pay_province').set('S-4', 'pay_bills').set('S-5', 'pay_ref');
    await post(notice('S-1', 'Success', 'END Merci. Votre paiement est en cours.'));
    await post(notice('S-2', 'Incomplete', 'CON Choisissez la province:\n1. Kinshasa\n2. Kongo Central'));
    await post(notice('S-3', 'Incomplete', 'CON Choisissez la province:\n1. Kinshasa'));
    await post(notice('S-4', 'Incomplete', 'CON MUKEBA MUKEBA\nTotal à payer: 84 653,40 CDF\n1. Tout payer'));
    await post(notice('S-5', 'Failed', 'CON Entrez la référence client', { errorMessage: 'Timeout', someNewField: 'ignored' }));

    const text = await metricsText();
    expect(metricValue(text, 'ussd_sessions_total', { outcome: 'success' })).toBe(1);
    expect(metricValue(text, 'ussd_sessions_total', { outcome: 'incomplete' })).toBe(3);
    expect(metricValue(text, 'ussd_sessions_total', { outcome: 'failed' })).toBe(1);
    expect(metricValue(text, 'ussd_session_stop_screen_total', { outcome: 'incomplete', screen: 'pay_province' })).toBe(2);
    expect(metricValue(text, 'ussd_session_stop_screen_total', { outcome: 'incomplete', screen: 'pay_bills' })).toBe(1);
    expect(metricValue(text, 'ussd_session_stop_screen_total', { outcome: 'failed', screen: 'pay_ref' })).toBe(1);
    expect(text).toContain('ussd_session_duration_seconds_count{outcome="incomplete"} 3');
  });

  it("without a screen id, the bills screen's first line (the subscriber's name) reaches neither /metrics nor the logs", async () => {
    const from = logged.length;
    const bills = 'CON MUKEBA MUKEBA\nTotal à payer: 84 653,40 CDF\n1. Tout payer\n2. 03/2024: 17 865,57 CDF';
    await request(app).post('/ussd/events').type('form').send(notice('P-1', 'Incomplete', bills, { input: '1*83262*1' })).expect(200);
    // A resolver answering something that is no screen id is not trusted either.
    screenIds.set('P-2', 'MUKEBA MUKEBA');
    await request(app).post('/ussd/events').type('form').send(notice('P-2', 'Incomplete', bills)).expect(200);

    const text = await metricsText();
    expect(text).not.toMatch(/MUKEBA/i);
    expect(metricValue(text, 'ussd_session_stop_screen_total', { outcome: 'incomplete', screen: 'unknown' })).toBe(2);
    const lines = logged.slice(from).join('');
    expect(lines).toContain('"screen":"unknown"');
    expect(lines).not.toMatch(/MUKEBA/i);
    expect(lines).not.toContain('1*83262*1');
    expect(lines).not.toContain('84 653');
    expect(lines).not.toContain('+243810000001');
    const stored = await store.redis.get(`${store.prefix}ussd:event:P-1`);
    expect(stored).not.toMatch(/MUKEBA|83262/);
  });

  it('a notice delivered twice is counted once', async () => {
    const before = metricValue(await metricsText(), 'ussd_sessions_total', { outcome: 'success' }) ?? 0;
    const body = notice('S-dup', 'Success', 'END Merci');
    await request(app).post('/ussd/events').type('form').send(body).expect(200);
    await request(app).post('/ussd/events').type('form').send(body).expect(200);
    expect(metricValue(await metricsText(), 'ussd_sessions_total', { outcome: 'success' })).toBe(before + 1);
    const stored = await store.redis.get(`${store.prefix}ussd:event:S-dup`);
    expect(JSON.parse(stored ?? '{}')).toMatchObject({ outcome: 'success', hops: 3, durationMs: 45000 });
    expect(stored).not.toContain('+243');
    expect(await store.redis.ttl(`${store.prefix}ussd:event:S-dup`)).toBeGreaterThan(0);
  });

  it('tolerates garbled numbers and missing optional fields', async () => {
    await request(app).post('/ussd/events').type('form').send({ sessionId: 'S-min', status: 'Incomplete', hopsCount: 'n/a' }).expect(200);
    expect(metricValue(await metricsText(), 'ussd_session_stop_screen_total', { outcome: 'incomplete', screen: 'none' })).toBe(1);
  });

  it.each([
    ['no sessionId', { status: 'Success' }, 'sessionId'],
    ['no status', { sessionId: 'S-x' }, 'status'],
  ])('%s: 400 JSON naming the field', async (_name, body, field) => {
    const res = await request(app).post('/ussd/events').type('form').send(body).expect(400);
    expect(res.body.error).toBe('invalid_payload');
    expect(res.body.issues.map((i: { field: string }) => i.field)).toContain(field);
  });
});

describe('screen labels', () => {
  it('without a screen id, say only whether a screen was shown: never anything from its text', () => {
    expect(fallbackScreenLabel('CON Bienvenue chez REGIDESO, entrez votre référence client\n0. Retour')).toBe('unknown');
    expect(fallbackScreenLabel('CON MUKEBA MUKEBA\nTotal à payer: 84 653,40 CDF')).toBe('unknown');
    expect(fallbackScreenLabel('END Merci')).toBe('unknown');
    expect(fallbackScreenLabel('CON ')).toBe('none');
    expect(fallbackScreenLabel('')).toBe('none');
    expect(fallbackScreenLabel(undefined)).toBe('none');
  });

  const recorder = (maxScreenLabels: number, screenOf?: (e: { sessionId: string }) => string | undefined) =>
    createUssdEventRecorder({
      redis: store.redis,
      prefix: `${store.prefix}rec${Math.random().toString(36).slice(2)}:`,
      logger: silentLogger(),
      metrics: createMetrics({ defaults: false }),
      retentionSeconds: 60,
      maxScreenLabels,
      screenOf,
    });
  const incomplete = (sessionId: string, lastAppResponse: string) => ({
    sessionId,
    status: 'Incomplete',
    lastAppResponse,
    durationInMillis: undefined,
    hopsCount: undefined,
  });

  it('a recorder creates a bounded number of labels, then folds the rest into "other"', async () => {
    const ids = ['alpha', 'beta', 'gamma', 'alpha'];
    const rec = recorder(2, (e) => ids[Number(e.sessionId.slice(2))]);
    const screens = [];
    for (const i of ids.keys()) {
      const r = await rec.record(incomplete(`B-${i}`, 'CON Some screen'));
      screens.push(r.kind === 'recorded' ? r.screen : r.kind);
    }
    expect(screens).toEqual(['alpha', 'beta', 'other', 'alpha']);
  });

  it('prefers a stable screen id when something knows one, and takes only what is shaped like one', async () => {
    const ids: Record<string, string> = { 'K-1': 'confirm_amount', 'K-3': 'Confirmez 100 CDF', 'K-4': 'MUKEBA' };
    const rec = recorder(10, (e) => ids[e.sessionId]);
    expect(await rec.record(incomplete('K-1', 'CON Confirmez 100 CDF'))).toEqual({ kind: 'recorded', outcome: 'incomplete', screen: 'confirm_amount' });
    expect(await rec.record(incomplete('K-2', 'CON Confirmez 100 CDF'))).toEqual({ kind: 'recorded', outcome: 'incomplete', screen: 'unknown' });
    expect(await rec.record(incomplete('K-3', 'CON Confirmez 100 CDF'))).toEqual({ kind: 'recorded', outcome: 'incomplete', screen: 'unknown' });
    expect(await rec.record(incomplete('K-4', 'CON MUKEBA'))).toEqual({ kind: 'recorded', outcome: 'incomplete', screen: 'unknown' });
  });
});
