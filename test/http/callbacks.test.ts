import { randomBytes } from 'node:crypto';
import { PassThrough } from 'node:stream';
import express from 'express';
import request from 'supertest';
import { createCallbacksRouter } from '../../src/http/callbacks-router';
import { createLogger, silentLogger, type Logger } from '../../src/logging/logger';
import { createMetrics } from '../../src/metrics';
import type { SmsKind } from '../../src/sms/store';
import { createUssdEventRecorder } from '../../src/ussd-events/recorder';
import { fallbackScreenLabel } from '../../src/ussd-events/screen-label';
import { messagesTo, metricNow, metricValue, smsRow, smsStack, type SmsStack } from './sms-kit';

/**
 * POST /sms/delivery and POST /ussd/events with Africa's Talking's field names. Delivery reports act
 * through the ledger (sms_sends: each hand-over by the gateway's id; sms_messages: what we owe the
 * subscriber): a payment SMS whose delivery failed for a reason that may pass is queued again on the
 * durable queue (BullMQ on real Redis), sent by the same path as a first send.
 */

let stack: SmsStack;
let app: express.Express;
/** The screen ids the USSD session store would know, by sessionId. */
const screenIds = new Map<string, string>();
/** Everything the router logged, one JSON line each. */
const logged: string[] = [];

function capturingLogger(lines: string[]): Logger {
  const stream = new PassThrough();
  stream.on('data', (b: Buffer) => lines.push(b.toString()));
  return createLogger({ level: 'debug', json: true, secrets: [], stream });
}

function appOver(s: SmsStack, logger: Logger, maxResends: number): express.Express {
  const a = express();
  a.use(express.urlencoded({ extended: false, limit: '16kb' }));
  a.use(express.json({ limit: '16kb' }));
  a.use(
    createCallbacksRouter({
      smsStore: s.smsStore,
      smsQueue: s.smsQueue,
      redis: s.redis,
      prefix: s.prefix,
      logger,
      metrics: s.metrics,
      retentionSeconds: 3600,
      maxResends,
      screenOf: (e) => screenIds.get(e.sessionId),
    }),
  );
  return a;
}

beforeAll(async () => {
  stack = await smsStack('callbacks');
  app = appOver(stack, capturingLogger(logged), 2);
});
afterAll(async () => {
  await stack.cleanup();
});

/** A payment SMS queued as the payments queue it, once the gateway took it: its id and the gateway's. */
async function sendPaymentSms(to: string, kind: SmsKind = 'receipt'): Promise<{ smsId: string; gatewayId: string }> {
  const smsId = `${kind}-${randomBytes(5).toString('hex')}`;
  await stack.smsQueue.queue({ id: smsId, kind, recipient: to, body: `REGIDESO: payé 100 CDF, reçu ${smsId}` });
  const m = await smsRow(stack.smsStore, smsId, (x) => x.status === 'sent');
  if (m.gateway_id === null) throw new Error('sent without a gateway id');
  return { smsId, gatewayId: m.gateway_id };
}

/** Once the message was handed to the gateway again: its new gateway id. */
async function sentAgain(smsId: string, previous: string): Promise<string> {
  const m = await smsRow(stack.smsStore, smsId, (x) => x.status === 'sent' && x.gateway_id !== previous);
  return m.gateway_id ?? '';
}

function report(fields: Record<string, string>, on: express.Express = app) {
  return request(on).post('/sms/delivery').type('form').send({ networkCode: '63902', retryCount: '0', ...fields });
}

interface SendRow {
  gateway_id: string;
  sms_id: string;
  recipient: string;
  delivery_status: string | null;
  failure_reason: string | null;
  final_status: string | null;
  late_status: string | null;
}

async function sendRow(gatewayId: string): Promise<SendRow | undefined> {
  const r = await stack.db.query<SendRow>('SELECT gateway_id, sms_id, recipient, delivery_status, failure_reason, final_status, late_status FROM sms_sends WHERE gateway_id = $1', [gatewayId]);
  return r.rows[0];
}

async function sendsOf(smsId: string): Promise<SendRow[]> {
  const r = await stack.db.query<SendRow>('SELECT gateway_id, sms_id, recipient, delivery_status, failure_reason, final_status, late_status FROM sms_sends WHERE sms_id = $1 ORDER BY sent_at', [smsId]);
  return r.rows;
}

const action = (status: string, a: string) => metricNow(stack.metrics, 'sms_delivery_reports_total', { status, action: a });

describe('POST /sms/delivery', () => {
  it('a receipt that Failed for DeliveryFailure is sent again through the queue, to the number it was sent to', async () => {
    const to = '+243810000101';
    const resends = await action('Failed', 'resend');
    const { smsId, gatewayId } = await sendPaymentSms(to);
    await report({ id: gatewayId, status: 'Failed', phoneNumber: to, failureReason: 'DeliveryFailure' }).expect(200);
    const second = await sentAgain(smsId, gatewayId);
    const got = await messagesTo(stack.outbox, to, 2);
    expect(got).toHaveLength(2);
    expect(got[0]?.message).toBe(got[1]?.message);
    expect(await stack.smsStore.load(smsId)).toMatchObject({ status: 'sent', resends: 1, gateway_id: second });
    // Each hand-over is its own send, both to the first number.
    expect((await sendsOf(smsId)).map((x) => [x.gateway_id, x.recipient])).toEqual([
      [gatewayId, to],
      [second, to],
    ]);
    expect((await sendRow(gatewayId))?.final_status).toBeNull();
    expect(await action('Failed', 'resend')).toBe(resends + 1);
  });

  it('a payment notice (not only a receipt) is sent again too; the resend is on its own send, reported on by its own id', async () => {
    const to = '+243810000111';
    const { smsId, gatewayId } = await sendPaymentSms(to, 'notice');
    await report({ id: gatewayId, status: 'Expired', phoneNumber: to, failureReason: '' }).expect(200);
    const second = await sentAgain(smsId, gatewayId);
    await report({ id: second, status: 'Success', phoneNumber: to }).expect(200);
    expect(await sendRow(second)).toMatchObject({ sms_id: smsId, final_status: 'Success' });
    expect(await stack.outbox.list(to)).toHaveLength(2);
  });

  it('the same report delivered twice resends once: the repeat is answered already_resent', async () => {
    const to = '+243810000102';
    const already = await action('Rejected', 'already_resent');
    const { smsId, gatewayId } = await sendPaymentSms(to);
    const fields = { id: gatewayId, status: 'Rejected', phoneNumber: to, failureReason: 'AbsentSubscriber' };
    await report(fields).expect(200);
    await report(fields).expect(200);
    await sentAgain(smsId, gatewayId);
    expect(await action('Rejected', 'already_resent')).toBe(already + 1);
    expect(await stack.smsStore.load(smsId)).toMatchObject({ status: 'sent', resends: 1 });
    expect(await stack.outbox.list(to)).toHaveLength(2);
  });

  it('a late report on the first send, after the resend went, sends nothing more', async () => {
    const to = '+243810000112';
    const { smsId, gatewayId } = await sendPaymentSms(to);
    await report({ id: gatewayId, status: 'Failed', phoneNumber: to, failureReason: 'DeliveryFailure' }).expect(200);
    const second = await sentAgain(smsId, gatewayId);
    await report({ id: gatewayId, status: 'Failed', phoneNumber: to, failureReason: 'DeliveryFailure' }).expect(200);
    expect(await stack.smsStore.load(smsId)).toMatchObject({ status: 'sent', resends: 1, gateway_id: second });
    expect(await stack.outbox.list(to)).toHaveLength(2);
  });

  it('resends stop at the limit (2 here): three sends in all, once per failed send', async () => {
    const to = '+243810000103';
    const limit = await action('Failed', 'resend_limit');
    const first = await sendPaymentSms(to);
    let id = first.gatewayId;
    for (let i = 0; i < 2; i++) {
      await report({ id, status: 'Failed', phoneNumber: to, failureReason: 'DeliveryFailure' }).expect(200);
      id = await sentAgain(first.smsId, id);
    }
    await report({ id, status: 'Failed', phoneNumber: to, failureReason: 'DeliveryFailure' }).expect(200);
    await report({ id, status: 'Failed', phoneNumber: to, failureReason: 'DeliveryFailure' }).expect(200);
    expect(await stack.smsStore.load(first.smsId)).toMatchObject({ status: 'sent', resends: 2, gateway_id: id });
    expect(await stack.outbox.list(to)).toHaveLength(3);
    expect(await sendsOf(first.smsId)).toHaveLength(3);
    expect(await action('Failed', 'resend_limit')).toBe(limit + 2);
  });

  it.each(['InvalidPhoneNumber', 'UserInBlackList', 'UserInBlacklist', 'InsufficientCredit', 'UserDoesNotExist', 'SomethingNew'])(
    'a permanent (or unknown) failure reason, %s, is final and not resent',
    async (failureReason) => {
      const to = `+2438100002${String(failureReason.length).padStart(2, '0')}`;
      const { smsId, gatewayId } = await sendPaymentSms(to);
      await report({ id: gatewayId, status: 'Failed', phoneNumber: to, failureReason }).expect(200);
      expect(await sendRow(gatewayId)).toMatchObject({ delivery_status: 'Failed', failure_reason: failureReason, final_status: 'Failed' });
      expect(await stack.smsStore.load(smsId)).toMatchObject({ status: 'sent', resends: 0, gateway_id: gatewayId });
    },
  );

  it('success and intermediate statuses are recorded and send nothing', async () => {
    const to = '+243810000301';
    const { smsId, gatewayId } = await sendPaymentSms(to);
    await report({ id: gatewayId, status: 'Sent', phoneNumber: to, failureReason: '' }).expect(200);
    expect(await sendRow(gatewayId)).toMatchObject({ delivery_status: 'Sent', final_status: null });
    await report({ id: gatewayId, status: 'Buffered', phoneNumber: to, failureReason: '' }).expect(200);
    await report({ id: gatewayId, status: 'Success', phoneNumber: to, failureReason: '' }).expect(200);
    expect(await sendRow(gatewayId)).toMatchObject({ delivery_status: 'Success', final_status: 'Success' });
    expect(await stack.smsStore.load(smsId)).toMatchObject({ status: 'sent', resends: 0 });
    expect(await stack.outbox.list(to)).toHaveLength(1);
  });

  it('a failed keyword reply is not resent: the subscriber can ask again', async () => {
    const to = '+243810000302';
    const notReceipt = await action('Failed', 'failed_not_receipt');
    const { smsId, gatewayId } = await sendPaymentSms(to, 'reply');
    await report({ id: gatewayId, status: 'Failed', phoneNumber: to, failureReason: 'DeliveryFailure' }).expect(200);
    expect(await action('Failed', 'failed_not_receipt')).toBe(notReceipt + 1);
    expect(await stack.smsStore.load(smsId)).toMatchObject({ status: 'sent', resends: 0 });
  });

  it('a report naming another number is acknowledged, recorded nowhere, and sends nothing to anyone', async () => {
    const to = '+243810000303';
    const other = '+243990000303';
    const mismatch = await action('Failed', 'phone_mismatch');
    const { smsId, gatewayId } = await sendPaymentSms(to);
    await report({ id: gatewayId, status: 'Failed', phoneNumber: other, failureReason: 'DeliveryFailure' }).expect(200);
    expect(await action('Failed', 'phone_mismatch')).toBe(mismatch + 1);
    expect(await sendRow(gatewayId)).toMatchObject({ delivery_status: null, final_status: null });
    expect(await stack.smsStore.load(smsId)).toMatchObject({ status: 'sent', resends: 0 });
    expect(await stack.outbox.list(other)).toHaveLength(0);
  });

  it('the same number written without its + is the same number: the resend goes, to the number on record', async () => {
    const to = '+243810000313';
    const { smsId, gatewayId } = await sendPaymentSms(to);
    await report({ id: gatewayId, status: 'Failed', phoneNumber: '243810000313', failureReason: 'DeliveryFailure' }).expect(200);
    const second = await sentAgain(smsId, gatewayId);
    expect((await sendRow(second))?.recipient).toBe(to);
  });

  it('a report for an id we never sent is acknowledged and ignored', async () => {
    const unknown = await action('Failed', 'unknown_message');
    await report({ id: 'ATXid_unknown', status: 'Failed', phoneNumber: '+243810000304', failureReason: 'DeliveryFailure' }).expect(200);
    expect(await action('Failed', 'unknown_message')).toBe(unknown + 1);
    expect(await sendRow('ATXid_unknown')).toBeUndefined();
  });

  it('a Failed report after Success resends nothing: Success is final, the late report only kept aside', async () => {
    const to = '+243810000401';
    const afterFinal = await action('Failed', 'after_final');
    const { smsId, gatewayId } = await sendPaymentSms(to);
    await report({ id: gatewayId, status: 'Success', phoneNumber: to, failureReason: '' }).expect(200);
    await report({ id: gatewayId, status: 'Failed', phoneNumber: to, failureReason: 'DeliveryFailure' }).expect(200);
    await report({ id: gatewayId, status: 'AbsentSubscriber', phoneNumber: to, failureReason: '' }).expect(200);
    expect(await sendRow(gatewayId)).toMatchObject({ delivery_status: 'Success', final_status: 'Success', late_status: 'AbsentSubscriber' });
    expect(await stack.smsStore.load(smsId)).toMatchObject({ status: 'sent', resends: 0 });
    expect(await action('Failed', 'after_final')).toBe(afterFinal + 1);
    expect(await action('AbsentSubscriber', 'after_final')).toBeGreaterThanOrEqual(1);
  });

  it.each(['UserInBlacklist', 'InvalidPhoneNumber'])('after a permanent failure (%s), later transient reports send nothing to that number', async (failureReason) => {
    const to = failureReason === 'UserInBlacklist' ? '+243810000402' : '+243810000403';
    const { smsId, gatewayId } = await sendPaymentSms(to);
    await report({ id: gatewayId, status: 'Failed', phoneNumber: to, failureReason }).expect(200);
    await report({ id: gatewayId, status: 'Failed', phoneNumber: to, failureReason: 'DeliveryFailure' }).expect(200);
    await report({ id: gatewayId, status: 'Rejected', phoneNumber: to, failureReason: 'AbsentSubscriber' }).expect(200);
    await report({ id: gatewayId, status: 'Expired', phoneNumber: to, failureReason: '' }).expect(200);
    expect(await sendRow(gatewayId)).toMatchObject({ delivery_status: 'Failed', failure_reason: failureReason, final_status: 'Failed', late_status: 'Expired' });
    expect(await stack.smsStore.load(smsId)).toMatchObject({ status: 'sent', resends: 0 });
  });

  it('a resend after a transient failure still happens when the report comes after in-progress ones', async () => {
    const to = '+243810000404';
    const { smsId, gatewayId } = await sendPaymentSms(to);
    await report({ id: gatewayId, status: 'Sent', phoneNumber: to, failureReason: '' }).expect(200);
    await report({ id: gatewayId, status: 'Buffered', phoneNumber: to, failureReason: '' }).expect(200);
    await report({ id: gatewayId, status: 'Failed', phoneNumber: to, failureReason: 'DeliveryFailure' }).expect(200);
    await sentAgain(smsId, gatewayId);
    expect(await messagesTo(stack.outbox, to, 2)).toHaveLength(2);
  });

  it.each(['Sent', 'Submitted', 'Buffered', 'Rejected', 'Success', 'Failed', 'AbsentSubscriber', 'Expired'])("Africa's Talking status %s is accepted", async (status) => {
    await report({ id: `ATXid_status_${status}`, status, phoneNumber: '+243810000405', failureReason: '' }).expect(200);
  });

  it.each(['Weird', 'success', 'Delivered', ''])('an unknown status (%j) gets 400 naming the field, and nothing is recorded', async (status) => {
    const to = '+243810000406';
    const { gatewayId } = await sendPaymentSms(to);
    const res = await report({ id: gatewayId, status, phoneNumber: to, failureReason: '' }).expect(400);
    expect(res.body.error).toBe('invalid_payload');
    expect(res.body.issues.map((i: { field: string }) => i.field)).toEqual(['status']);
    expect((await sendRow(gatewayId))?.delivery_status).toBeNull();
  });

  it('each resend is logged with its number, without the phone number', async () => {
    const to = '+243810000407';
    const first = await sendPaymentSms(to);
    let id = first.gatewayId;
    const from = logged.length;
    for (let i = 0; i < 2; i++) {
      await report({ id, status: 'Failed', phoneNumber: to, failureReason: 'DeliveryFailure' }).expect(200);
      id = await sentAgain(first.smsId, id);
    }
    const lines = logged.slice(from).map((l) => JSON.parse(l) as { message: string; resend?: number; smsId?: string });
    const resendLines = lines.filter((l) => l.message === 'sms queued again after a failed delivery');
    expect(resendLines.map((l) => [l.smsId, l.resend])).toEqual([
      [first.smsId, 1],
      [first.smsId, 2],
    ]);
    expect(logged.slice(from).join('')).not.toContain('810000407');
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

describe('a resend is a send like any other (item 12)', () => {
  it('the gateway failing on the resend: kept and tried again until it goes, the repeated report answered already_resent, the receipt not lost', async () => {
    const to = '+243810000501';
    const already = await action('Failed', 'already_resent');
    const { smsId, gatewayId } = await sendPaymentSms(to);
    stack.gateway.down = 'gateway';
    try {
      await report({ id: gatewayId, status: 'Failed', phoneNumber: to, failureReason: 'DeliveryFailure' }).expect(200);
      // The resend failed (ours, 5xx): still queued, tried again with a pause.
      const failing = await smsRow(stack.smsStore, smsId, (m) => m.status === 'queued' && m.attempts >= 3);
      expect(failing).toMatchObject({ resends: 1, gateway_id: gatewayId });
      expect(failing.last_error).toMatch(/^gateway: /);
      // The gateway reports the first send's failure again: the resend is already on its way.
      await report({ id: gatewayId, status: 'Failed', phoneNumber: to, failureReason: 'DeliveryFailure', retryCount: '1' }).expect(200);
      expect(await action('Failed', 'already_resent')).toBe(already + 1);
      expect(await stack.smsStore.load(smsId)).toMatchObject({ status: 'queued', resends: 1 });
    } finally {
      stack.gateway.down = undefined;
    }
    const second = await sentAgain(smsId, gatewayId);
    const got = await messagesTo(stack.outbox, to, 2);
    expect(got).toHaveLength(2);
    expect(await stack.smsStore.load(smsId)).toMatchObject({ status: 'sent', resends: 1, gateway_id: second, failing_since: null });
    expect(stack.gateway.tries.filter((t) => t.to === to && t.outcome === 'retry').length).toBeGreaterThanOrEqual(2);
  });

  it('the resend refused for the recipient (blacklisted since) is final: failed, and later reports change nothing', async () => {
    const to = '+243810000502';
    const { smsId, gatewayId } = await sendPaymentSms(to);
    stack.gateway.refuse.add(to);
    try {
      await report({ id: gatewayId, status: 'Failed', phoneNumber: to, failureReason: 'DeliveryFailure' }).expect(200);
      const failed = await smsRow(stack.smsStore, smsId, (m) => m.status === 'failed');
      expect(failed).toMatchObject({ resends: 1, last_error: '406 UserInBlacklist' });
      await report({ id: gatewayId, status: 'Failed', phoneNumber: to, failureReason: 'DeliveryFailure' }).expect(200);
      expect(await stack.smsStore.load(smsId)).toMatchObject({ status: 'failed', resends: 1 });
    } finally {
      stack.gateway.refuse.delete(to);
    }
    expect(await stack.outbox.list(to)).toHaveLength(1);
  });
});

describe('PostgreSQL unreachable when a report arrives', () => {
  let down: SmsStack;
  beforeAll(async () => {
    down = await smsStack('callbacksdown', { ledgerProxy: true });
  });
  afterAll(async () => {
    await down.cleanup();
  });

  it('503, so the gateway reports again; the repeat, once the ledger is back, resends once', async () => {
    const downApp = appOver(down, silentLogger(), 2);
    const to = '+243810000601';
    const smsId = 'receipt-pg-down';
    await down.smsQueue.queue({ id: smsId, kind: 'receipt', recipient: to, body: 'REGIDESO: payé 100 CDF' });
    const m = await smsRow(down.smsStore, smsId, (x) => x.status === 'sent');
    const fields = { id: m.gateway_id ?? '', status: 'Failed', phoneNumber: to, failureReason: 'DeliveryFailure' };
    const proxy = down.proxy;
    if (proxy === undefined) throw new Error('no proxy');
    await proxy.cut();
    try {
      const res = await report(fields, downApp).expect(503);
      expect(res.body).toEqual({ error: 'unavailable', message: 'try again later' });
    } finally {
      await proxy.restore();
    }
    await report(fields, downApp).expect(200);
    await smsRow(down.smsStore, smsId, (x) => x.status === 'sent' && x.gateway_id !== m.gateway_id);
    expect(await messagesTo(down.outbox, to, 2)).toHaveLength(2);
    expect(await down.smsStore.load(smsId)).toMatchObject({ resends: 1 });
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

    const text = await stack.metrics.registry.metrics();
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

    const text = await stack.metrics.registry.metrics();
    expect(text).not.toMatch(/MUKEBA/i);
    expect(metricValue(text, 'ussd_session_stop_screen_total', { outcome: 'incomplete', screen: 'unknown' })).toBe(2);
    const lines = logged.slice(from).join('');
    expect(lines).toContain('"screen":"unknown"');
    expect(lines).not.toMatch(/MUKEBA/i);
    expect(lines).not.toContain('1*83262*1');
    expect(lines).not.toContain('84 653');
    expect(lines).not.toContain('+243810000001');
    const stored = await stack.redis.get(`${stack.prefix}ussd:event:P-1`);
    expect(stored).not.toMatch(/MUKEBA|83262/);
  });

  it('a notice delivered twice is counted once', async () => {
    const before = metricValue(await stack.metrics.registry.metrics(), 'ussd_sessions_total', { outcome: 'success' }) ?? 0;
    const body = notice('S-dup', 'Success', 'END Merci');
    await request(app).post('/ussd/events').type('form').send(body).expect(200);
    await request(app).post('/ussd/events').type('form').send(body).expect(200);
    expect(metricValue(await stack.metrics.registry.metrics(), 'ussd_sessions_total', { outcome: 'success' })).toBe(before + 1);
    const stored = await stack.redis.get(`${stack.prefix}ussd:event:S-dup`);
    expect(JSON.parse(stored ?? '{}')).toMatchObject({ outcome: 'success', hops: 3, durationMs: 45000 });
    expect(stored).not.toContain('+243');
    expect(await stack.redis.ttl(`${stack.prefix}ussd:event:S-dup`)).toBeGreaterThan(0);
  });

  it('tolerates garbled numbers and missing optional fields', async () => {
    await request(app).post('/ussd/events').type('form').send({ sessionId: 'S-min', status: 'Incomplete', hopsCount: 'n/a' }).expect(200);
    expect(metricValue(await stack.metrics.registry.metrics(), 'ussd_session_stop_screen_total', { outcome: 'incomplete', screen: 'none' })).toBe(1);
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
      redis: stack.redis,
      prefix: `${stack.prefix}rec${Math.random().toString(36).slice(2)}:`,
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
