import { randomBytes } from 'node:crypto';
import type Redis from 'ioredis';

/** The Redis every test talks to; CI starts it (.ci/run). */
export const REDIS_URL = process.env.REDIS_TEST_URL ?? 'redis://127.0.0.1:6379';

/** A key prefix of a test file's own: the Redis is shared with the other files running beside it. */
export function newTestPrefix(area: string): string {
  return `test:${area}:${randomBytes(5).toString('hex')}:`;
}

/**
 * Deletes this prefix's keys and nothing else (never a flush of the shared Redis), including
 * BullMQ's, which live under the hash-tagged `{prefix…}` form.
 */
export async function deleteKeys(redis: Redis, prefix: string): Promise<void> {
  for (const pattern of [`${prefix}*`, `{${prefix}*`]) {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 500);
      cursor = next;
      if (keys.length > 0) await redis.del(...keys);
    } while (cursor !== '0');
  }
}
