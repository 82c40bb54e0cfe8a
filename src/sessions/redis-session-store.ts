import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import { sessionSchema } from './session-schema';
import type { LockResult, Session, SessionStore } from './types';

/** Deletes the lock only if it is still ours: a lock that outlived its holder may belong to another hop now. */
const UNLOCK = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0";

/**
 * Sessions as JSON under `${prefix}{${id}}`: the braces are a Redis Cluster hash tag, so a session
 * and its lock share a slot. The key outlives the gateway's session length (twice as long) so a
 * late hop gets "session expired" and a late retry still gets its stored screen.
 */
export function createRedisSessionStore(redis: Redis, opts: { prefix: string; ttlSeconds: number }): SessionStore {
  const key = (id: string) => `${opts.prefix}{${id}}`;
  const lockKey = (id: string) => `${opts.prefix}{${id}}:lock`;
  const interimKey = (id: string) => `${opts.prefix}{${id}}:interim`;
  return {
    ttlSeconds: opts.ttlSeconds,
    async get(id) {
      // One round trip: both keys share the hash tag, so one slot.
      const [raw, interim] = await redis.mget(key(id), interimKey(id));
      if (raw === null || raw === undefined) return undefined;
      let data: unknown;
      try {
        data = JSON.parse(raw);
      } catch {
        return undefined;
      }
      const parsed = sessionSchema.safeParse(data);
      if (!parsed.success) return undefined;
      const { interim: _stored, ...session } = parsed.data;
      return typeof interim === 'string' ? { ...session, interim } : session;
    },
    async save(session: Session) {
      const { interim: _interim, ...kept } = session;
      await redis.set(key(session.id), JSON.stringify(kept), 'EX', opts.ttlSeconds * 2);
    },
    async noteInterim(id, text) {
      await redis.set(interimKey(id), text, 'EX', opts.ttlSeconds * 2);
    },
    async clearInterim(id) {
      await redis.del(interimKey(id));
    },
    async withLock<T>(id: string, o: { waitMs: number; holdMs: number }, fn: () => Promise<T>): Promise<LockResult<T>> {
      const token = randomUUID();
      const giveUp = Date.now() + o.waitMs;
      for (;;) {
        const got = await redis.set(lockKey(id), token, 'PX', o.holdMs, 'NX');
        if (got === 'OK') break;
        if (Date.now() >= giveUp) return { ok: false };
        await sleep(15);
      }
      try {
        return { ok: true, value: await fn() };
      } finally {
        // A lock that cannot be released expires on its own (PX): the hop's answer must not be lost to it.
        await redis.eval(UNLOCK, 1, lockKey(id), token).catch(() => undefined);
      }
    },
  };
}
