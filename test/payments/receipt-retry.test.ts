import nock from 'nock';
import { silentLogger } from '../../src/logging/logger';
import { intentIdFor } from '../../src/payments/ids';
import { createAfricasTalkingTransport } from '../../src/sms/africastalking';
import { eventually, PHONE, requestFor, settledRecord, startHarness, type Harness } from './harness';

/**
 * The receipt SMS is its own step after the payment is recorded: when Africa's Talking fails, the
 * job tries the SMS again, never the payment.
 */
const AT = 'https://api.africastalking.com';
let h: Harness;

beforeAll(() => {
  nock.disableNetConnect();
  nock.enableNetConnect(/127\.0\.0\.1/);
});
beforeEach(async () => {
  h = await startHarness({ transport: createAfricasTalkingTransport({ username: 'regideso', apiKey: 'at-test-key', senderId: 'REGIDESO', logger: silentLogger() }) });
});
afterEach(async () => {
  await h.cleanup();
  nock.cleanAll();
});
afterAll(() => {
  nock.enableNetConnect();
  // Unhooks nock's interceptor so it does not outlive this file in the jest worker.
  nock.restore();
});

function accepted(messageId: string) {
  return {
    SMSMessageData: {
      Message: 'Sent to 1/1 Total Cost: CDF 20.0000',
      Recipients: [{ statusCode: 101, number: PHONE, status: 'Success', cost: 'CDF 20.0000', messageId }],
    },
  };
}

it('the gateway fails then recovers: the receipt is sent once, PayFact is called once', async () => {
  const bodies: string[] = [];
  const scope = nock(AT)
    .post('/version1/messaging', (body: Record<string, string>) => {
      bodies.push(body.message ?? '');
      return true;
    })
    .reply(500, 'Internal Server Error')
    .post('/version1/messaging', (body: Record<string, string>) => {
      bodies.push(body.message ?? '');
      return true;
    })
    .reply(201, accepted('ATXid_receipt1'));

  const service = await h.service();
  const req = await requestFor(h.regideso);
  const outcome = await service.confirm(req);
  const record = await settledRecord(service, intentIdFor(req.sessionId));
  expect(record.status).toBe('succeeded');
  if (outcome.kind === 'succeeded') expect(outcome.numAcquit).toBe(record.numAcquit);

  await eventually(async () => (await service.auditTrail(record.intentId)).some((e) => e.event === 'sms_sent'));
  expect(scope.isDone()).toBe(true);
  expect(h.sandbox.calls.payFact).toBe(1);
  expect(h.sandbox.payments()).toHaveLength(1);
  expect(bodies).toHaveLength(2);
  expect(bodies[1]).toBe(bodies[0]);
  expect(bodies[1]).toContain(record.numAcquit);
  const trail = (await service.auditTrail(record.intentId)).map((e) => e.event);
  expect(trail).toEqual(['payfact_sent', 'paid', 'sms_transient_failure', 'sms_sent']);
  expect((await service.auditTrail(record.intentId)).at(-1)?.detail).toBe('ATXid_receipt1');
});

it('a permanent refusal from the gateway (401) is recorded, not retried, and the payment stands', async () => {
  const scope = nock(AT).post('/version1/messaging').reply(401, 'The supplied authentication is invalid');
  const service = await h.service();
  const req = await requestFor(h.regideso);
  await service.confirm(req);
  const record = await settledRecord(service, intentIdFor(req.sessionId));
  await eventually(async () => (await service.auditTrail(record.intentId)).some((e) => e.event === 'sms_failed'));
  expect(scope.isDone()).toBe(true);
  expect(record.status).toBe('succeeded');
  expect(h.sandbox.calls.payFact).toBe(1);
  const trail = (await service.auditTrail(record.intentId)).map((e) => e.event);
  expect(trail).toEqual(['payfact_sent', 'paid', 'sms_failed']);
});
