import { Queue } from 'bullmq';
import type { RedisClient } from '../../src/redis';
import { queuePrefix } from '../../src/jobs/bullmq-runner';
import type { SmsSendOutcome, SmsTransport } from '../../src/sms/transport';
import { eventually, intentOf, PHONE, requestFor, settledRecord, startHarness, type Harness } from './harness';

/**
 * The SMS side of a payment: the receipt is queued in the same transaction as the payment's change
 * and sent by a durable job of its own. When the gateway fails, the SMS is tried again, never the
 * payment. The gateway here is a transport that answers from a script (the edge, not the thing
 * under test); the SMS queue, its store and the payment are the real ones, on PostgreSQL and BullMQ.
 */
interface Scripted extends SmsTransport {
  sends: Array<{ to: string; message: string; outcome: SmsSendOutcome['kind'] }>;
}

/** Answers the n-th send (from 1) with what `script` says, or takes it (`sent`) when the script says nothing. */
function scripted(script: (n: number) => SmsSendOutcome | undefined): Scripted {
  const sends: Scripted['sends'] = [];
  return {
    name: 'africastalking',
    sends,
    async send(to, message) {
      const outcome = script(sends.length + 1) ?? { kind: 'sent', messageId: `ATXid_${sends.length + 1}` };
      sends.push({ to, message, outcome: outcome.kind });
      return outcome;
    },
  };
}

let h: Harness;
let transport: Scripted;
let conn: RedisClient | undefined;
afterEach(async () => {
  await h.cleanup();
  await conn?.quit();
  conn = undefined;
});

async function start(script: (n: number) => SmsSendOutcome | undefined): Promise<void> {
  transport = scripted(script);
  h = await startHarness({ transport });
}

async function paid() {
  const service = await h.service();
  const req = await requestFor(h.regideso);
  const outcome = await service.confirm(req);
  const record = await settledRecord(service, intentOf(req));
  expect(record.status).toBe('succeeded');
  if (outcome.kind === 'succeeded') expect(outcome.numAcquit).toBe(record.numAcquit);
  return { service, record, smsId: `${record.intentId}-receipt` };
}

it('the gateway fails (kind retry) then recovers: the receipt is sent once, PayFact called once', async () => {
  await start((n) => (n === 1 ? { kind: 'retry', reason: 'network', message: 'socket hang up' } : undefined));
  const { record, smsId } = await paid();
  await eventually(async () => (await h.smsStore.load(smsId))?.status === 'sent');

  expect(transport.sends.map((s) => s.outcome)).toEqual(['retry', 'sent']);
  expect(transport.sends[1]?.message).toBe(transport.sends[0]?.message);
  expect(transport.sends[1]?.message).toContain(record.numAcquit);
  expect(transport.sends.every((s) => s.to === PHONE)).toBe(true);
  expect(await h.smsStore.load(smsId)).toMatchObject({ status: 'sent', attempts: 2, gateway_id: 'ATXid_2', last_error: null, failing_since: null, kind: 'receipt', intent_id: record.intentId });
  expect(await h.smsStore.findSend('ATXid_2')).toMatchObject({ sms_id: smsId, recipient: PHONE });
  expect(h.sandbox.calls.payFact).toBe(1);
  expect(h.sandbox.payments()).toHaveLength(1);
});

it("a refusal that is the recipient's (kind refused) is final: not tried again, and the payment stands", async () => {
  await start((n) => (n === 1 ? { kind: 'refused', message: 'InvalidPhoneNumber' } : undefined));
  const { service, record, smsId } = await paid();
  await eventually(async () => (await h.smsStore.load(smsId))?.status === 'failed');
  expect(await h.smsStore.load(smsId)).toMatchObject({ status: 'failed', attempts: 1, last_error: 'InvalidPhoneNumber' });
  // Neither the sweep nor a job run again sends it.
  expect(await h.smsQueue.sweepSource.due(new Date(Date.now() + 3_600_000), 100)).not.toContain(smsId);
  conn = h.redis.connect('test-sms-queue');
  const queue = new Queue('sms', { connection: conn, prefix: queuePrefix(h.prefix) });
  try {
    await h.smsQueue.runner.enqueue(smsId);
    await eventually(async () => (await queue.getJob(smsId)) === undefined);
  } finally {
    await queue.close();
  }
  expect(transport.sends.map((s) => s.outcome)).toEqual(['refused']);
  expect(await service.get(record.intentId)).toMatchObject({ status: 'succeeded', numAcquit: record.numAcquit });
  expect(h.sandbox.calls.payFact).toBe(1);
});

it('a failure of ours (credentials refused) keeps the receipt queued and tried again, attempts growing, until it goes', async () => {
  const ours: SmsSendOutcome = { kind: 'retry', reason: 'credentials', message: 'The supplied authentication is invalid' };
  // Failing for as long as the test says: the key is fixed once three attempts have failed.
  let keyFixed = false;
  await start(() => (keyFixed ? undefined : ours));
  const { service, record, smsId } = await paid();
  await eventually(async () => ((await h.smsStore.load(smsId))?.attempts ?? 0) >= 3);

  const failing = await h.smsStore.load(smsId);
  expect(failing).toMatchObject({ status: 'queued', last_error: 'credentials: The supplied authentication is invalid' });
  expect(failing?.failing_since).toBeInstanceOf(Date);
  expect(failing?.failing_since?.getTime()).toBeLessThanOrEqual(failing?.next_attempt_at.getTime() ?? 0);
  expect(await h.smsQueue.sweepSource.due(new Date(Date.now() + 3_600_000), 100)).toContain(smsId);
  expect(transport.sends.every((s) => s.outcome === 'retry')).toBe(true);

  keyFixed = true;
  await eventually(async () => (await h.smsStore.load(smsId))?.status === 'sent');
  const outcomes = transport.sends.map((s) => s.outcome);
  expect(outcomes.at(-1)).toBe('sent');
  expect(outcomes.filter((o) => o === 'sent')).toHaveLength(1);
  expect(await h.smsStore.load(smsId)).toMatchObject({ status: 'sent', attempts: outcomes.length, last_error: null, failing_since: null });
  expect(new Set(transport.sends.map((s) => s.message)).size).toBe(1);
  expect(await service.get(record.intentId)).toMatchObject({ status: 'succeeded' });
  expect(h.sandbox.calls.payFact).toBe(1);
});
