import { createHash, randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { RedisClient } from '../redis';

/**
 * The console's sign-in sessions, in Redis so every instance behind the load balancer knows them.
 * The browser holds a random session id (the cookie); Redis holds, under a hash of it, the hash of
 * the operator key the session was opened with, never the key nor the id itself: a copy of Redis
 * opens no session. Each request re-checks that key in the ledger (src/http/console-auth.ts), so a
 * revoked key ends its sessions at once.
 *
 * A session lasts while it is used (`idleSeconds` between requests) and never past `maxSeconds`
 * from sign-in. One key per session, hash-tagged: every command touches one slot of a cluster.
 */
export interface ConsoleSession {
  keyHash: string;
  createdAt: number;
}

export interface ConsoleSessions {
  /** A new session for the key of this hash: returns the id for the cookie. */
  open(keyHash: string): Promise<string>;
  /** The session, its idle time renewed; undefined when unknown, idle too long or past its age. */
  touch(id: string): Promise<ConsoleSession | undefined>;
  close(id: string): Promise<void>;
}

const ID = /^[A-Za-z0-9_-]{43}$/;
const stored = z.object({ keyHash: z.string(), createdAt: z.number() });

export const CONSOLE_IDLE_SECONDS = 8 * 3600;
export const CONSOLE_MAX_SECONDS = 24 * 3600;

export function createConsoleSessions(deps: { redis: RedisClient; prefix: string; idleSeconds?: number; maxSeconds?: number; now?: () => number }): ConsoleSessions {
  const idle = deps.idleSeconds ?? CONSOLE_IDLE_SECONDS;
  const max = deps.maxSeconds ?? CONSOLE_MAX_SECONDS;
  const now = deps.now ?? Date.now;
  const keyOf = (id: string) => `${deps.prefix}console:{${createHash('sha256').update(id, 'utf8').digest('hex').slice(0, 40)}}`;
  /** The time left: the idle window, cut short by the absolute age. */
  const ttl = (createdAt: number) => Math.min(idle, Math.floor((createdAt + max * 1000 - now()) / 1000));

  return {
    async open(keyHash) {
      const id = randomBytes(32).toString('base64url');
      const createdAt = now();
      await deps.redis.set(keyOf(id), JSON.stringify({ keyHash, createdAt }), 'EX', ttl(createdAt));
      return id;
    },
    async touch(id) {
      if (!ID.test(id)) return undefined;
      const key = keyOf(id);
      const raw = await deps.redis.get(key);
      if (raw === null) return undefined;
      let session: ConsoleSession;
      try {
        session = stored.parse(JSON.parse(raw));
      } catch {
        await deps.redis.del(key);
        return undefined;
      }
      const left = ttl(session.createdAt);
      if (left <= 0) {
        await deps.redis.del(key);
        return undefined;
      }
      await deps.redis.expire(key, left);
      return session;
    },
    async close(id) {
      if (ID.test(id)) await deps.redis.del(keyOf(id));
    },
  };
}
