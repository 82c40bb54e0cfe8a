import { PassThrough } from 'node:stream';
import nock from 'nock';
import { createLogger } from '../../src/logging/logger';
import { createAfricasTalkingTransport, outcomeOfSdkError } from '../../src/sms/africastalking';

/** The transport through the real SDK, with Africa's Talking itself replaced by nock at the HTTP edge. */
const AT = 'https://api.africastalking.com';
const KEY = 'atsk_0123456789abcdef';
const PHONE = '+243812345990';

let logged: string;
function transport(opts: { senderId?: string; timeoutMs?: number } = {}) {
  const stream = new PassThrough();
  logged = '';
  stream.on('data', (chunk: Buffer) => {
    logged += chunk.toString();
  });
  // No secrets handed to the logger: the transport itself must keep the key out of the logs.
  const logger = createLogger({ level: 'debug', json: true, secrets: [], stream });
  return createAfricasTalkingTransport({ username: 'regideso', apiKey: KEY, logger, ...opts });
}

function answer(statusCode: number, status: string, messageId = 'ATXid_1') {
  return { SMSMessageData: { Message: 'Sent to 1/1 Total Cost: CDF 20.0000', Recipients: [{ statusCode, number: PHONE, status, cost: 'CDF 20.0000', messageId }] } };
}

beforeAll(() => nock.disableNetConnect());
afterEach(() => {
  nock.abortPendingRequests();
  nock.cleanAll();
});
afterAll(() => {
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

it.each([
  [100, 'Processed', 'sent'],
  [102, 'Queued', 'sent'],
  [403, 'InvalidPhoneNumber', 'permanent_failure'],
  [405, 'InsufficientBalance', 'permanent_failure'],
  [406, 'UserInBlacklist', 'permanent_failure'],
  [500, 'InternalServerError', 'transient_failure'],
  [502, 'RejectedByGateway', 'transient_failure'],
] as const)('recipient status %i %s → %s', async (code, status, kind) => {
  nock(AT).post('/version1/messaging').reply(201, answer(code, status));
  expect((await transport().send(PHONE, 'hello')).kind).toBe(kind);
});

it('a 401 is a permanent failure, not a crash, and the key never reaches the logs', async () => {
  nock(AT).post('/version1/messaging').reply(401, 'The supplied authentication is invalid');
  const out = await transport().send(PHONE, 'hello');
  expect(out).toEqual({ kind: 'permanent_failure', message: 'HTTP 401: credentials refused' });
  expect(logged).toContain('sms not sent');
  expect(logged).not.toContain(KEY);
  expect(logged).not.toContain(PHONE);
});

it('a 5xx and no answer in time are transient', async () => {
  nock(AT).post('/version1/messaging').reply(503, 'busy');
  expect(await transport().send(PHONE, 'hello')).toEqual({ kind: 'transient_failure', message: 'HTTP 503' });
  nock(AT).post('/version1/messaging').reply(429, 'slow down');
  expect((await transport().send(PHONE, 'hello')).kind).toBe('transient_failure');

  nock(AT).post('/version1/messaging').delay(2000).reply(201, answer(101, 'Success'));
  const out = await transport({ timeoutMs: 50 }).send(PHONE, 'hello');
  expect(out.kind).toBe('transient_failure');
  expect(out.kind !== 'sent' && out.message).toContain('50 ms');
});

it('an answer with no recipient (the request itself refused) is permanent', async () => {
  nock(AT).post('/version1/messaging').reply(201, { SMSMessageData: { Message: 'InvalidSenderId', Recipients: [] } });
  expect(await transport().send(PHONE, 'hello')).toEqual({ kind: 'permanent_failure', message: 'InvalidSenderId' });
});

it('an unreadable answer is transient, never a crash', async () => {
  nock(AT).post('/version1/messaging').reply(201, '<html>proxy</html>');
  expect((await transport().send(PHONE, 'hello')).kind).toBe('transient_failure');
});

it('a number the SDK itself rejects is a permanent failure without any request', async () => {
  const scope = nock(AT).post('/version1/messaging').reply(201, answer(101, 'Success'));
  const out = await transport().send('12', 'hello');
  expect(out.kind).toBe('permanent_failure');
  expect(scope.isDone()).toBe(false);
});

describe('outcomeOfSdkError', () => {
  // A reset socket: nock's replyWithError stages it, but its emitter races jest under load.
  it('an axios error without an answer (reset, DNS, refused) is transient', () => {
    expect(outcomeOfSdkError({ isAxiosError: true, message: 'socket hang up', code: 'ECONNRESET' })).toEqual({ kind: 'transient_failure', message: 'network: ECONNRESET' });
  });
  it('a 400 is permanent, a 403 is a credentials refusal', () => {
    expect(outcomeOfSdkError({ isAxiosError: true, message: 'x', response: { status: 400 } }).kind).toBe('permanent_failure');
    expect(outcomeOfSdkError({ isAxiosError: true, message: 'x', response: { status: 403 } })).toEqual({ kind: 'permanent_failure', message: 'HTTP 403: credentials refused' });
  });
  it('the body of a non-201 success (the SDK rejects with it) is transient', () => {
    expect(outcomeOfSdkError({ SMSMessageData: {} }).kind).toBe('transient_failure');
  });
});
