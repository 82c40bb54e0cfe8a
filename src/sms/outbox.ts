import { randomUUID } from 'node:crypto';
import type { RedisClient } from '../redis';
import { z } from 'zod';
import type { OutboxMessage, SmsSendOutcome, SmsTransport } from './transport';

/**
 * The SMS transport of the embedded default and of demos: nothing leaves the machine, every message
 * is kept in a Redis list per recipient (ioredis-mock in memory, or a real Redis) so that
 * `GET /outbox?to=PHONE` can show what a subscriber would have received.
 */
export interface OutboxTransport extends SmsTransport {
  /** Newest first: one number's messages, or every recent message when `to` is not given. */
  list(to?: string): Promise<OutboxMessage[]>;
}

/** Enough history for a demo or a test; a forgotten outbox must not grow without bound. */
const KEEP_PER_RECIPIENT = 100;
const KEEP_ALL = 200;
const KEEP_SECONDS = 7 * 86_400;

const storedSchema = z.object({ id: z.string().optional(), to: z.string(), message: z.string(), at: z.string() });

export function createOutboxTransport(redis: RedisClient, opts: { prefix: string; now?: () => Date }): OutboxTransport {
  const now = opts.now ?? (() => new Date());
  const keyFor = (to: string) => `${opts.prefix}outbox:${to}`;
  // Each list is its own key (and its own Redis Cluster slot): written by separate transactions.
  const allKey = `${opts.prefix}outbox:all`;

  return {
    name: 'outbox',
    async send(to: string, message: string): Promise<SmsSendOutcome> {
      // Kept with the message so that /outbox shows the id a delivery report must name.
      const id = `outbox-${randomUUID()}`;
      const entry: OutboxMessage = { id, to, message, at: now().toISOString() };
      const key = keyFor(to);
      try {
        await redis.multi().lpush(key, JSON.stringify(entry)).ltrim(key, 0, KEEP_PER_RECIPIENT - 1).expire(key, KEEP_SECONDS).exec();
        await redis.multi().lpush(allKey, JSON.stringify(entry)).ltrim(allKey, 0, KEEP_ALL - 1).expire(allKey, KEEP_SECONDS).exec();
      } catch (err) {
        // Redis down: the same answer a gateway gives when it cannot take the message now.
        return { kind: 'retry', reason: 'gateway', message: `outbox unavailable: ${err instanceof Error ? err.message : String(err)}` };
      }
      return { kind: 'sent', messageId: id };
    },
    async list(to?: string): Promise<OutboxMessage[]> {
      const raw = await redis.lrange(to === undefined ? allKey : keyFor(to), 0, -1);
      const out: OutboxMessage[] = [];
      for (const line of raw) {
        const parsed = storedSchema.safeParse(safeJson(line));
        if (parsed.success) out.push(parsed.data);
      }
      return out;
    },
  };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
