import nock from 'nock';
import { silentLogger } from '../../src/logging/logger';
import { createAfricasTalkingTransport } from '../../src/sms/africastalking';

/**
 * The SDK switches every URL to the sandbox host, process-wide, once a `sandbox` username is seen:
 * kept in its own file so that switch cannot leak into the other transport tests.
 */
beforeAll(() => nock.disableNetConnect());
afterEach(() => nock.cleanAll());
afterAll(() => {
  nock.enableNetConnect();
  // Unhooks nock's interceptor so it does not outlive this file in the jest worker.
  nock.restore();
});

it('the sandbox username posts to the sandbox host', async () => {
  const scope = nock('https://api.sandbox.africastalking.com')
    .post('/version1/messaging', (b: Record<string, string>) => b.username === 'sandbox')
    .reply(201, { SMSMessageData: { Message: 'Sent', Recipients: [{ statusCode: 101, number: '+243812345990', status: 'Success', cost: 'KES 0.8000', messageId: 'ATXid_s' }] } });
  const t = createAfricasTalkingTransport({ username: 'sandbox', apiKey: 'sandbox-key-123', logger: silentLogger() });
  expect(await t.send('+243812345990', 'hello')).toEqual({ kind: 'sent', messageId: 'ATXid_s' });
  expect(scope.isDone()).toBe(true);
});
