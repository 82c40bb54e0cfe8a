import { randomBytes } from 'node:crypto';
import Redis from 'ioredis';
import type { PaymentRecord, PaymentRecords } from '../../src/payments/types';
import { createOutboxTransport, type OutboxTransport } from '../../src/sms/outbox';
import type { SmsTransport } from '../../src/sms/transport';
import { deleteKeys, newTestPrefix, REDIS_URL } from '../support/redis';

/** Shared pieces of the SMS / callback tests: a real Redis with a private prefix, records, transports. */

export function testRedis(): { redis: Redis; prefix: string; cleanup: () => Promise<void> } {
  const redis = new Redis(REDIS_URL, { lazyConnect: false, maxRetriesPerRequest: 1 });
  const prefix = newTestPrefix('sms');
  return {
    redis,
    prefix,
    async cleanup() {
      await deleteKeys(redis, prefix);
      await redis.quit();
    },
  };
}

/** The payments' records as the interface promises them, in a Map (the real store is another part). */
export function memoryRecords(list: PaymentRecord[]): PaymentRecords {
  return {
    get: async (id) => list.find((r) => r.intentId === id),
    findByNumAcquit: async (n) => list.find((r) => r.numAcquit === n),
    recentByPhone: async (phone, limit) =>
      list
        .filter((r) => r.phoneNumber === phone)
        .sort((a, b) => b.createdAt.localeCompare(a.createdAt))
        .slice(0, limit),
  };
}

export function record(overrides: Partial<PaymentRecord>): PaymentRecord {
  return {
    intentId: `intent-${randomBytes(4).toString('hex')}`,
    sessionId: `ATUid_${randomBytes(4).toString('hex')}`,
    phoneNumber: '+243810000001',
    language: 'fr',
    refClient: '83262',
    province: 'KIN',
    subscriberName: 'MUKEBA MUKEBA',
    billIds: ['108776771'],
    amountCentimes: 10_000,
    status: 'succeeded',
    numAcquit: undefined,
    ownReference: false,
    remainingCentimes: undefined,
    failureMessage: undefined,
    createdAt: '2025-01-29T09:42:58.000Z',
    updatedAt: '2025-01-29T09:42:58.000Z',
    ...overrides,
  };
}

/**
 * The real outbox transport, with the message ids it hands out remembered so a test can post the
 * delivery report the gateway would send for each one.
 */
export function outboxWithIds(redis: Redis, prefix: string): OutboxTransport & { sent: Array<{ to: string; message: string; id: string }> } {
  const outbox = createOutboxTransport(redis, { prefix });
  const sent: Array<{ to: string; message: string; id: string }> = [];
  const transport: SmsTransport = {
    name: 'outbox',
    async send(to, message) {
      const out = await outbox.send(to, message);
      if (out.kind === 'sent' && out.messageId !== undefined) sent.push({ to, message, id: out.messageId });
      return out;
    },
  };
  return { ...transport, list: (to) => outbox.list(to), sent };
}

/** Sample value of one prom-client series in the text exposition, or undefined. */
export function metricValue(text: string, name: string, labels: Record<string, string>): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(name + '{') && line !== name && !line.startsWith(name + ' ')) continue;
    const m = /^([^{\s]+)(?:\{(.*)\})?\s+(\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const got: Record<string, string> = {};
    for (const pair of (m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) got[pair[1] ?? ''] = pair[2] ?? '';
    if (Object.entries(labels).every(([k, v]) => got[k] === v) && Object.keys(got).length === Object.keys(labels).length) return Number(m[3]);
  }
  return undefined;
}
