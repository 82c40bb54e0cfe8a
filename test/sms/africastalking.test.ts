import dc from 'node:diagnostics_channel';
import type { ClientRequest } from 'node:http';
import nock from 'nock';
import { silentLogger } from '../../src/logging/logger';
import { createAfricasTalkingTransport, outcomeOfSdkError } from '../../src/sms/africastalking';

/**
 * The transport through the real SDK, with Africa's Talking itself replaced by nock at the HTTP
 * edge: every answer the gateway can give becomes `sent`, `retry` (ours: kept and tried again, with
 * a reason) or `refused` (the recipient's: final).
 */
const AT = 'https://api.africastalking.com';
const KEY = 'atsk_0123456789abcdef';
const PHONE = '+243812345990';

function transport(opts: { senderId?: string; timeoutMs?: number } = {}) {
  return createAfricasTalkingTransport({ username: 'regideso', apiKey: KEY, logger: silentLogger(), ...opts });
}

function answer(statusCode: number, status: string, messageId = 'ATXid_1') {
  return { SMSMessageData: { Message: 'Sent to 1/1 Total Cost: CDF 20.0000', Recipients: [{ statusCode, number: PHONE, status, cost: 'CDF 20.0000', messageId }] } };
}

/** Every HTTP request the process starts, as Node itself reports it (below the SDK and axios). */
const started: ClientRequest[] = [];
const onRequestStart = (message: unknown) => {
  started.push((message as { request: ClientRequest }).request);
};

beforeAll(() => {
  nock.disableNetConnect();
  dc.subscribe('http.client.request.start', onRequestStart);
});
afterEach(() => {
  nock.abortPendingRequests();
  nock.cleanAll();
  started.length = 0;
});
afterAll(() => {
  dc.unsubscribe('http.client.request.start', onRequestStart);
  nock.enableNetConnect();
  // Unhooks nock's interceptor so it does not outlive this file in the jest worker.
  nock.restore();
});

it('posts what the SDK posts: form-encoded username, to, message, from (and its bulkSMSMode), with the apikey header', async () => {
  let body: unknown;
  let contentType: string | undefined;
  const scope = nock(AT)
    .matchHeader('apikey', KEY)
    .matchHeader('accept', 'application/json')
    .post('/version1/messaging', (b: unknown) => {
      body = b;
      return true;
    })
    .reply(function (this: nock.ReplyFnContext) {
      contentType = String(this.req.headers['content-type']);
      return [201, answer(101, 'Success', 'ATXid_42')];
    });
  const out = await transport({ senderId: 'REGIDESO' }).send(PHONE, 'REGIDESO: payé 100 CDF');
  expect(scope.isDone()).toBe(true);
  expect(body).toEqual({ username: 'regideso', to: PHONE, message: 'REGIDESO: payé 100 CDF', from: 'REGIDESO', bulkSMSMode: '1' });
  expect(contentType).toContain('application/x-www-form-urlencoded');
  expect(out).toEqual({ kind: 'sent', messageId: 'ATXid_42' });
});

it('sends no from without a sender id', async () => {
  let body: unknown;
  nock(AT)
    .post('/version1/messaging', (b: unknown) => {
      body = b;
      return true;
    })
    .reply(201, answer(100, 'Processed'));
  expect((await transport().send(PHONE, 'hello')).kind).toBe('sent');
  expect(body).toEqual({ username: 'regideso', to: PHONE, message: 'hello', bulkSMSMode: '1' });
});

describe('per-recipient status codes', () => {
  it.each([
    [100, 'Processed'],
    [101, 'Sent'],
    [102, 'Queued'],
  ])('%i %s: sent, with the gateway message id', async (code, status) => {
    nock(AT).post('/version1/messaging').reply(201, answer(code, status, `ATXid_${code}`));
    expect(await transport().send(PHONE, 'hello')).toEqual({ kind: 'sent', messageId: `ATXid_${code}` });
  });

  it.each([
    [405, 'InsufficientBalance', 'credit'],
    [401, 'RiskHold', 'credentials'],
    [402, 'InvalidSenderId', 'sender_id'],
    [407, 'CouldNotRoute', 'gateway'],
    [500, 'InternalServerError', 'gateway'],
    [501, 'GatewayError', 'gateway'],
    [502, 'RejectedByGateway', 'gateway'],
  ] as const)('%i %s: ours to fix or wait out, kept and retried (reason %s)', async (code, status, reason) => {
    nock(AT).post('/version1/messaging').reply(201, answer(code, status));
    expect(await transport().send(PHONE, 'hello')).toEqual({ kind: 'retry', reason, message: `${code} ${status}` });
  });

  it.each([
    [403, 'InvalidPhoneNumber'],
    [404, 'UnsupportedNumberType'],
    [406, 'UserInBlacklist'],
    [409, 'DoNotDisturbRejection'],
  ])('%i %s: the recipient\'s, refused for good', async (code, status) => {
    nock(AT).post('/version1/messaging').reply(201, answer(code, status));
    expect(await transport().send(PHONE, 'hello')).toEqual({ kind: 'refused', message: `${code} ${status}` });
  });
});

describe('HTTP failures are ours', () => {
  it('HTTP 401: our key was refused, retried with reason credentials; neither the key nor the number in the outcome', async () => {
    nock(AT).post('/version1/messaging').reply(401, 'The supplied authentication is invalid');
    const out = await transport().send(PHONE, 'hello');
    expect(out).toEqual({ kind: 'retry', reason: 'credentials', message: 'HTTP 401: our API key was refused' });
    // The outcome's message goes to the logs and to sms_messages.last_error.
    expect(JSON.stringify(out)).not.toContain(KEY);
    expect(JSON.stringify(out)).not.toContain('812345990');
  });

  it.each([
    [503, 'gateway'],
    [500, 'gateway'],
    [429, 'gateway'],
    [405, 'credit'],
  ] as const)('HTTP %i: retry (reason %s)', async (status, reason) => {
    nock(AT).post('/version1/messaging').reply(status, 'busy');
    const out = await transport().send(PHONE, 'hello');
    expect(out.kind === 'retry' && out.reason).toBe(reason);
  });

  it('an answer naming no recipient (the request itself refused, e.g. InvalidSenderId) is ours: retry sender_id', async () => {
    nock(AT).post('/version1/messaging').reply(201, { SMSMessageData: { Message: 'InvalidSenderId', Recipients: [] } });
    expect(await transport().send(PHONE, 'hello')).toEqual({ kind: 'retry', reason: 'sender_id', message: 'InvalidSenderId' });
  });
});

it('a 201 whose body cannot be read is sent (the gateway took it): sending it again would send it twice', async () => {
  const scope = nock(AT).post('/version1/messaging').reply(201, '<html>proxy</html>');
  expect(await transport().send(PHONE, 'hello')).toEqual({ kind: 'sent', messageId: undefined });
  expect(scope.isDone()).toBe(true);
  nock(AT).post('/version1/messaging').reply(201, { unexpected: true });
  expect(await transport().send(PHONE, 'hello')).toEqual({ kind: 'sent', messageId: undefined });
});

it('a number the SDK itself rejects is refused without any request', async () => {
  const scope = nock(AT).post('/version1/messaging').reply(201, answer(101, 'Success'));
  const out = await transport().send('12', 'hello');
  expect(out.kind).toBe('refused');
  expect(scope.isDone()).toBe(false);
  expect(started).toHaveLength(0);
});

describe('a gateway slower than the timeout (item 13)', () => {
  it('the request is aborted on the wire: retry/timeout, and by then the request and its socket are closed, with no answer read', async () => {
    const scope = nock(AT).post('/version1/messaging').delay(3000).reply(201, answer(101, 'Success'));
    const out = await transport({ timeoutMs: 80 }).send(PHONE, 'hello');
    expect(out).toEqual({ kind: 'retry', reason: 'timeout', message: 'network: ERR_CANCELED' });
    expect(scope.isDone()).toBe(true);
    expect(started).toHaveLength(1);
    const req = started[0];
    // Cancelled, not abandoned: when the outcome is known, the request is already destroyed.
    expect(req?.destroyed).toBe(true);
    expect(req?.socket?.destroyed).toBe(true);
  });

  it('each transport keeps its own timeout: a short one elsewhere does not cut a patient one short, nor the reverse', async () => {
    const patient = transport({ timeoutMs: 5000 });
    const hasty = transport({ timeoutMs: 60 });
    nock(AT).post('/version1/messaging').delay(400).reply(201, answer(101, 'Success', 'ATXid_slow'));
    expect(await patient.send(PHONE, 'hello')).toEqual({ kind: 'sent', messageId: 'ATXid_slow' });
    nock(AT).post('/version1/messaging').delay(3000).reply(201, answer(101, 'Success'));
    expect(await hasty.send(PHONE, 'hello')).toMatchObject({ kind: 'retry', reason: 'timeout' });
    // Built in the other order, the same.
    const hasty2 = transport({ timeoutMs: 70 });
    const patient2 = transport({ timeoutMs: 6000 });
    nock(AT).post('/version1/messaging').delay(3000).reply(201, answer(101, 'Success'));
    expect(await hasty2.send(PHONE, 'hello')).toMatchObject({ kind: 'retry', reason: 'timeout' });
    nock(AT).post('/version1/messaging').delay(400).reply(201, answer(101, 'Success', 'ATXid_slow2'));
    expect(await patient2.send(PHONE, 'hello')).toEqual({ kind: 'sent', messageId: 'ATXid_slow2' });
  });
});

describe('outcomeOfSdkError', () => {
  // A reset socket: nock's replyWithError stages it, but its emitter races jest under load.
  it('an axios error without an answer (reset, DNS, refused) is a network retry', () => {
    expect(outcomeOfSdkError({ isAxiosError: true, message: 'socket hang up', code: 'ECONNRESET' })).toEqual({ kind: 'retry', reason: 'network', message: 'network: ECONNRESET' });
  });
  it('a cancelled or timed-out request is a timeout retry', () => {
    for (const code of ['ERR_CANCELED', 'ECONNABORTED', 'ETIMEDOUT']) {
      expect(outcomeOfSdkError({ isAxiosError: true, message: 'x', code })).toMatchObject({ kind: 'retry', reason: 'timeout' });
    }
  });
  it('a 403 is a credentials retry, a 402 a credit one', () => {
    expect(outcomeOfSdkError({ isAxiosError: true, message: 'x', response: { status: 403 } })).toMatchObject({ kind: 'retry', reason: 'credentials' });
    expect(outcomeOfSdkError({ isAxiosError: true, message: 'x', response: { status: 402 } })).toMatchObject({ kind: 'retry', reason: 'credit' });
  });
  it('the body of a non-201 success (the SDK rejects with it) is a gateway retry', () => {
    expect(outcomeOfSdkError({ SMSMessageData: {} })).toMatchObject({ kind: 'retry', reason: 'gateway' });
  });
  it("the SDK's own validation error is the recipient's", () => {
    expect(outcomeOfSdkError(new Error('Invalid phone number: 12'))).toEqual({ kind: 'refused', message: 'Invalid phone number: 12' });
  });
});
