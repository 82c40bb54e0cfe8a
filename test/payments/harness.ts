import { randomUUID } from 'node:crypto';
import type Redis from 'ioredis';
import { silentLogger } from '../../src/logging/logger';
import { createPaymentService, type PaymentServiceDeps, type PaymentServiceHandle } from '../../src/payments/service';
import type { PaymentRecord, PaymentRequest } from '../../src/payments/types';
import { createRedisFactory, type RedisFactory } from '../../src/redis';
import { startSandbox, type RunningSandbox } from '../../src/regideso/sandbox/server';
import type { RegidesoClient } from '../../src/regideso/types';
import { createOutboxTransport, type OutboxTransport } from '../../src/sms/outbox';
import type { SmsSender, SmsTransport } from '../../src/sms/transport';
import { sandboxClient } from '../support/regideso';

/**
 * One payment service against the sandbox REGIDESO over HTTP and a real Redis (or ioredis-mock for
 * the embedded default), under a random key prefix that `cleanup` deletes, and nothing else.
 */
export const REDIS_URL = 'redis://127.0.0.1:6379';
export const PHONE = '+243812345990';

export interface Harness {
  sandbox: RunningSandbox;
  redis: RedisFactory;
  prefix: string;
  regideso: RegidesoClient;
  outbox: OutboxTransport;
  /** A second service on the same Redis and sandbox (a fresh worker after a crash). */
  service(overrides?: Partial<PaymentServiceDeps>): Promise<PaymentServiceHandle>;
  cleanup(): Promise<void>;
}

export interface HarnessOptions {
  inMemory?: boolean;
  clientTimeoutMs?: number;
  /** Defaults to the outbox. */
  transport?: SmsTransport;
}

export async function startHarness(opts: HarnessOptions = {}): Promise<Harness> {
  const sandbox = await startSandbox();
  const prefix = `test:payments:${randomUUID().slice(0, 8)}:`;
  const redis = createRedisFactory(opts.inMemory === true ? undefined : REDIS_URL);
  const outboxConnection: Redis = redis.connect('test-outbox');
  const outbox = createOutboxTransport(outboxConnection, { prefix });
  const transport = opts.transport ?? outbox;
  // The tracked sender of src/sms/sender.ts is someone else's part; a plain pass-through is enough here.
  const sms: SmsSender = { send: (m) => transport.send(m.to, m.message) };
  const regideso = sandboxClient(sandbox, { timeoutMs: opts.clientTimeoutMs ?? 2000 });
  const services: PaymentServiceHandle[] = [];

  return {
    sandbox,
    redis,
    prefix,
    regideso,
    outbox,
    async service(overrides = {}) {
      const s = createPaymentService({
        redis,
        prefix,
        regideso,
        sms,
        logger: silentLogger(),
        operator: 'FINCA',
        minCentimes: 10_000,
        recordTtlSeconds: 3600,
        retry: { attempts: 10, backoffMs: 50, jitter: 0.5 },
        reconcileSettleMs: 100,
        accountLock: { waitMs: 50 },
        ...overrides,
      });
      services.push(s);
      await s.start();
      return s;
    },
    async cleanup() {
      for (const s of services) await s.close();
      await sandbox.close();
      const keys = [...(await scanKeys(outboxConnection, `${prefix}*`)), ...(await scanKeys(outboxConnection, `{${prefix}q}*`))];
      if (keys.length > 0) await outboxConnection.del(...keys);
      await outboxConnection.quit();
    },
  };
}

async function scanKeys(redis: Redis, pattern: string): Promise<string[]> {
  const out: string[] = [];
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 500);
    out.push(...keys);
    cursor = next;
  } while (cursor !== '0');
  return out;
}

/** A confirm as the USSD engine sends it: subscriber 83262's bill 108776771 as GetFact shows it. */
export async function requestFor(regideso: RegidesoClient, overrides: Partial<PaymentRequest> = {}, billIds = ['108776771']): Promise<PaymentRequest> {
  const read = await regideso.getBills('83262', 'KIN');
  if (read.kind !== 'ok') throw new Error(`GetFact: ${read.kind}`);
  const bills = billIds.map((id) => {
    const b = read.bills.find((x) => x.faeId === id);
    if (b === undefined) throw new Error(`no bill ${id}`);
    return { faeId: b.faeId, billNumber: b.billNumber, issuedOn: b.issuedOn, balanceCentimes: b.balanceCentimes };
  });
  return {
    sessionId: `ATUid_${randomUUID()}`,
    phoneNumber: PHONE,
    language: 'fr',
    refClient: '83262',
    province: 'KIN',
    subscriberName: 'MUKEBA MUKEBA',
    bills,
    amountCentimes: 500_000,
    ...overrides,
  };
}

/** Polls (no deadline of its own: jest's test timeout is the bound) until the record is settled. */
export async function settledRecord(service: PaymentServiceHandle, intentId: string, done: (r: PaymentRecord) => boolean = isFinal): Promise<PaymentRecord> {
  for (;;) {
    const r = await service.get(intentId);
    if (r !== undefined && done(r)) return r;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

function isFinal(r: PaymentRecord): boolean {
  return r.status === 'succeeded' || r.status === 'failed' || r.status === 'reconciled' || (r.status === 'uncertain' && r.ownReference);
}

/** Waits until `check` is true (the receipt step runs after the record is settled). */
export async function eventually(check: () => Promise<boolean>): Promise<void> {
  while (!(await check())) await new Promise((resolve) => setTimeout(resolve, 25));
}
