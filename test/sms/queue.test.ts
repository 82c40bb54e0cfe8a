import { randomBytes } from 'node:crypto';
import { PassThrough } from 'node:stream';
import nock from 'nock';
import type { Db } from '../../src/db/types';
import { createSweeper } from '../../src/jobs/sweep';
import { createLogger, silentLogger } from '../../src/logging/logger';
import { createMetrics, type Metrics } from '../../src/metrics';
import { createRedisFactory, type RedisClient } from '../../src/redis';
import { createAfricasTalkingTransport } from '../../src/sms/africastalking';
import { createSmsQueue, type SmsQueue } from '../../src/sms/queue';
import { createSmsStore, type SmsMessage, type SmsStore } from '../../src/sms/store';
import { gatewayOver, metricNow, outboxWithIds, smsRow, until, type Gateway, type RecordingOutbox } from '../http/sms-kit';
import { testDb, testPglite } from '../support/db';
import { deleteKeys, newTestPrefix, testRedisFactory } from '../support/redis';

/**
 * The SMS queue's rules, on both of its runners: BullMQ on the real Redis with the ledger in
 * PostgreSQL (a deployment), and timers in the process with PGlite and ioredis-mock (the embedded
 * default). The gateway is the real outbox transport behind a switch the test flips to make it
 * answer as a failing gateway would; the queue's clock can be moved on to cross `failingAlertMs`.
 */
interface Rig {
  db: Db;
  store: SmsStore;
  queue: SmsQueue;
  gateway: Gateway;
  outbox: RecordingOutbox;
  metrics: Metrics;
  /** What the queue logged, parsed. */
  logs: Array<Record<string, unknown> & { message: string }>;
  failing: SmsMessage[];
  /** Moves the queue's clock on (its view of "now" only; the runners' timers keep real time). */
  advance(ms: number): void;
  cleanup(): Promise<void>;
}

const FIRST_RETRY_MS = 40;
const MAX_RETRY_MS = 160;
const FAILING_ALERT_MS = 10 * 60_000;

async function rig(kind: 'bullmq' | 'in-process'): Promise<Rig> {
  const durable = kind === 'bullmq';
  const pg = durable ? await testDb('smsqueue') : undefined;
  const db = pg?.db ?? (await testPglite());
  const factory = durable ? testRedisFactory() : createRedisFactory(undefined);
  const conn: RedisClient = factory.connect('test');
  const prefix = newTestPrefix('smsqueue');
  const outbox = outboxWithIds(conn, prefix);
  const gateway = gatewayOver(outbox);
  const metrics = createMetrics({ defaults: false });
  const logs: Rig['logs'] = [];
  const stream = new PassThrough();
  stream.on('data', (b: Buffer) => {
    for (const line of b.toString().split('\n')) if (line.trim() !== '') logs.push(JSON.parse(line) as Rig['logs'][number]);
  });
  const failing: SmsMessage[] = [];
  let offset = 0;
  const store = createSmsStore(db);
  const queue = createSmsQueue({
    store,
    transport: gateway,
    redis: factory,
    prefix,
    logger: createLogger({ level: 'info', json: true, secrets: [], stream }),
    metrics,
    now: () => new Date(Date.now() + offset),
    firstRetryMs: FIRST_RETRY_MS,
    maxRetryMs: MAX_RETRY_MS,
    failingAlertMs: FAILING_ALERT_MS,
    onFailing: (m) => failing.push(m),
  });
  await queue.start();
  return {
    db,
    store,
    queue,
    gateway,
    outbox,
    metrics,
    logs,
    failing,
    advance: (ms) => {
      offset += ms;
    },
    async cleanup() {
      await queue.close();
      if (durable) await deleteKeys(conn, prefix);
      conn.disconnect();
      if (pg !== undefined) await pg.drop();
      else await db.close();
    },
  };
}

const newId = (what: string) => `${what}-${randomBytes(5).toString('hex')}`;
let phoneSeq = 0;
const newPhone = () => `+2438120${String(Date.now() % 1e4).padStart(4, '0')}${String(phoneSeq++ % 100).padStart(2, '0')}`;

describe.each(['bullmq', 'in-process'] as const)('with the %s runner', (kind) => {
  let r: Rig;
  beforeAll(async () => {
    r = await rig(kind);
  }, 60_000); // PGlite compiles its WebAssembly at start
  afterAll(async () => {
    await r.cleanup();
  });
  afterEach(() => {
    r.gateway.down = undefined;
    r.gateway.refuse.clear();
  });

  const logsOf = (smsId: string, message: string) => r.logs.filter((l) => l.smsId === smsId && l.message === message);
  const triesTo = (to: string) => r.gateway.tries.filter((t) => t.to === to);

  it('a queued message is sent once, recorded as sent under the gateway id, and counted', async () => {
    const to = newPhone();
    const id = newId('receipt');
    const sent = await metricNow(r.metrics, 'sms_sent_total', { kind: 'receipt', outcome: 'sent' });
    await r.queue.queue({ id, kind: 'receipt', recipient: to, body: 'REGIDESO: payé 100 CDF' });
    const m = await smsRow(r.store, id, (x) => x.status === 'sent');
    expect(m).toMatchObject({ attempts: 1, recipient: to, last_error: null, failing_since: null });
    expect(m.gateway_id).toBe(r.outbox.sent.find((s) => s.to === to)?.id);
    expect(await r.store.findSend(m.gateway_id ?? '')).toMatchObject({ sms_id: id, recipient: to, kind: 'receipt' });
    expect(await r.outbox.list(to)).toEqual([expect.objectContaining({ to, message: 'REGIDESO: payé 100 CDF' })]);
    expect(await metricNow(r.metrics, 'sms_sent_total', { kind: 'receipt', outcome: 'sent' })).toBe(sent + 1);
  });

  it('a message queued twice under one id, at once and again later, is sent once', async () => {
    const to = newPhone();
    const id = newId('notice');
    const m = { id, kind: 'notice' as const, recipient: to, body: 'REGIDESO: paiement en cours' };
    await Promise.all([r.queue.queue(m), r.queue.queue(m)]);
    await smsRow(r.store, id, (x) => x.status === 'sent');
    await r.queue.queue({ ...m, body: 'another text under the same id' });
    r.queue.sendNow([id, id]);
    // Whatever runs for those finds the row sent, and sends nothing.
    expect(await r.store.load(id)).toMatchObject({ status: 'sent', attempts: 1, body: 'REGIDESO: paiement en cours' });
    expect(triesTo(to)).toHaveLength(1);
  });

  it('a failure of ours is kept and retried, the pause doubling up to its cap, until the gateway takes it; each failed send logged once and counted by reason', async () => {
    const to = newPhone();
    const id = newId('receipt');
    const creditFailures = await metricNow(r.metrics, 'sms_send_failures_total', { reason: 'credit' });
    const retried = await metricNow(r.metrics, 'sms_sent_total', { kind: 'receipt', outcome: 'retry' });
    r.gateway.down = 'credit';
    await r.queue.queue({ id, kind: 'receipt', recipient: to, body: 'REGIDESO: reçu' });
    const queued = await smsRow(r.store, id, (x) => x.attempts >= 4);
    expect(queued).toMatchObject({ status: 'queued', gateway_id: null });
    expect(queued.last_error).toBe('credit: credit failure staged by the test');
    expect(queued.failing_since).not.toBeNull();
    expect(await r.outbox.list(to)).toHaveLength(0);
    r.gateway.down = undefined;

    const sent = await smsRow(r.store, id, (x) => x.status === 'sent');
    expect(sent).toMatchObject({ last_error: null, failing_since: null });
    expect(await r.outbox.list(to)).toHaveLength(1);
    const failedTries = triesTo(to).filter((t) => t.outcome === 'retry').length;
    expect(sent.attempts).toBe(failedTries + 1);
    // One log line per failed send, with the pause before the next: 40, 80, 160, then 160 again.
    const lines = logsOf(id, 'sms not sent: kept and tried again');
    expect(lines).toHaveLength(failedTries);
    expect(lines.slice(0, 4).map((l) => [l.attempt, l.retryInMs, l.reason])).toEqual([
      [1, 40, 'credit'],
      [2, 80, 'credit'],
      [3, 160, 'credit'],
      [4, 160, 'credit'],
    ]);
    expect(await metricNow(r.metrics, 'sms_send_failures_total', { reason: 'credit' })).toBe(creditFailures + failedTries);
    expect(await metricNow(r.metrics, 'sms_sent_total', { kind: 'receipt', outcome: 'retry' })).toBe(retried + failedTries);
  });

  it("a refusal that is the recipient's is final: failed, tried once, logged once, never swept up again", async () => {
    const to = newPhone();
    const id = newId('receipt');
    const refused = await metricNow(r.metrics, 'sms_sent_total', { kind: 'receipt', outcome: 'refused' });
    r.gateway.refuse.add(to);
    await r.queue.queue({ id, kind: 'receipt', recipient: to, body: 'REGIDESO: reçu' });
    const m = await smsRow(r.store, id, (x) => x.status === 'failed');
    expect(m).toMatchObject({ attempts: 1, last_error: '406 UserInBlacklist' });
    expect(logsOf(id, 'sms refused for its recipient: not sent')).toHaveLength(1);
    expect(JSON.stringify(logsOf(id, 'sms refused for its recipient: not sent'))).not.toContain(to.slice(4));
    r.queue.sendNow([id]);
    expect(await r.store.due(new Date(Date.now() + 3_600_000), 1000)).not.toContain(id);
    expect(triesTo(to)).toHaveLength(1);
    expect(r.failing.some((f) => f.id === id)).toBe(false);
    expect(await metricNow(r.metrics, 'sms_sent_total', { kind: 'receipt', outcome: 'refused' })).toBe(refused + 1);
  });

  it('a message failing for reasons of ours past failingAlertMs is reported (onFailing), not before; it still goes once the cause is fixed', async () => {
    const to = newPhone();
    const id = newId('receipt');
    r.gateway.down = 'credentials';
    await r.queue.queue({ id, kind: 'receipt', recipient: to, body: 'REGIDESO: reçu' });
    await smsRow(r.store, id, (x) => x.attempts >= 2);
    // Two failures, the queue's clock still at the first: nothing to report yet.
    expect(r.failing.filter((f) => f.id === id)).toEqual([]);
    r.advance(FAILING_ALERT_MS);
    const reported = await until(async () => r.failing.find((f) => f.id === id));
    expect(reported).toMatchObject({ status: 'queued', recipient: to, kind: 'receipt' });
    expect(reported.last_error).toMatch(/^credentials: /);
    expect(reported.failing_since).not.toBeNull();
    r.gateway.down = undefined;
    expect(await smsRow(r.store, id, (x) => x.status === 'sent')).toMatchObject({ failing_since: null });
  });

  it('a message another part queued in its own transaction, with no job (the process died), is found by the sweep and sent once', async () => {
    const to = newPhone();
    const id = newId('receipt');
    expect(await r.store.insert({ id, kind: 'receipt', recipient: to, body: 'REGIDESO: reçu' }, new Date(Date.now() - 60_000))).toBe(true);
    expect(await r.store.load(id)).toMatchObject({ status: 'queued', attempts: 0 });
    const sweeper = createSweeper({ sources: [r.queue.sweepSource], logger: silentLogger(), graceMs: 0, intervalMs: 3_600_000 });
    try {
      expect((await sweeper.sweep()).sms).toBeGreaterThanOrEqual(1);
      await smsRow(r.store, id, (x) => x.status === 'sent');
      await sweeper.sweep();
      expect(triesTo(to)).toHaveLength(1);
    } finally {
      await sweeper.close();
    }
  });
});

describe("through Africa's Talking (nock at its HTTP edge)", () => {
  const AT = 'https://api.africastalking.com';
  let pg: Awaited<ReturnType<typeof testDb>>;
  let store: SmsStore;
  let conn: RedisClient;
  const factory = testRedisFactory();
  const prefix = newTestPrefix('smsqueue-at');
  const queues: SmsQueue[] = [];

  /** A queue of its own (its own job queue) sending through the real transport with this timeout. */
  async function atQueue(timeoutMs: number): Promise<SmsQueue> {
    const transport = createAfricasTalkingTransport({ username: 'regideso', apiKey: 'atsk_test_0123456789', timeoutMs, logger: silentLogger() });
    const q = createSmsQueue({ store, transport, redis: factory, prefix: `${prefix}${queues.length}:`, logger: silentLogger(), metrics: createMetrics({ defaults: false }), firstRetryMs: 30, maxRetryMs: 60 });
    queues.push(q);
    await q.start();
    return q;
  }

  beforeAll(async () => {
    nock.disableNetConnect();
    pg = await testDb('smsqueueat');
    store = createSmsStore(pg.db);
    conn = factory.connect('test');
  });
  afterEach(async () => {
    for (const q of queues.splice(0)) await q.close();
    nock.abortPendingRequests();
    nock.cleanAll();
  });
  afterAll(async () => {
    await deleteKeys(conn, prefix);
    conn.disconnect();
    await pg.drop();
    nock.enableNetConnect();
    nock.restore();
  });

  const accepted = (messageId: string) => ({ SMSMessageData: { Message: 'Sent to 1/1', Recipients: [{ statusCode: 101, number: '+243812345990', status: 'Success', cost: 'CDF 20', messageId }] } });
  const sendsOf = async (smsId: string) => (await pg.db.query<{ gateway_id: string }>('SELECT gateway_id FROM sms_sends WHERE sms_id = $1', [smsId])).rows.map((r) => r.gateway_id);

  it('a 201 with a body we cannot read is sent, once: one request, never a second receipt', async () => {
    const queue = await atQueue(10_000);
    const id = newId('receipt');
    const scope = nock(AT).post('/version1/messaging').once().reply(201, '<html>proxy</html>');
    await queue.queue({ id, kind: 'receipt', recipient: '+243812345990', body: 'REGIDESO: reçu' });
    const m = await smsRow(store, id, (x) => x.status !== 'queued' || x.attempts > 0);
    expect(m).toMatchObject({ status: 'sent', attempts: 1, gateway_id: `${id}#1` });
    expect(scope.isDone()).toBe(true);
    expect(await sendsOf(id)).toEqual([`${id}#1`]);
    expect(await store.due(new Date(Date.now() + 3_600_000), 1000)).not.toContain(id);
  });

  it('a request past the timeout is cancelled and tried again: one receipt, under the id of the send that was answered', async () => {
    const queue = await atQueue(300);
    const id = newId('receipt');
    const slow = nock(AT).post('/version1/messaging').delay(5000).reply(201, accepted('ATXid_too_late'));
    // Answers at once, as often as asked (a loaded machine may make one of these miss the timeout too).
    const answered = nock(AT).post('/version1/messaging').reply(201, accepted('ATXid_answered')).persist();
    await queue.queue({ id, kind: 'receipt', recipient: '+243812345990', body: 'REGIDESO: reçu' });
    const m = await smsRow(store, id, (x) => x.status === 'sent');
    expect(m.attempts).toBeGreaterThanOrEqual(2);
    expect(m.gateway_id).toBe('ATXid_answered');
    expect(slow.isDone()).toBe(true);
    expect(answered.isDone()).toBe(true);
    expect(await sendsOf(id)).toEqual(['ATXid_answered']);
  });
});
