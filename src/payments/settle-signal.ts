import { EventEmitter } from 'node:events';
import type { RedisClient } from '../redis';

/**
 * How the confirm hop learns that its payment moved, without polling the ledger: the job pushes to
 * a per-intent key, the hop blocks on it (BLPOP) for what remains of its budget. In the embedded
 * default the job runs in this process: an event, with a short poll as a safety net.
 */
export interface SettleSignal {
  notify(intentId: string): void;
  /** Resolves when `intentId` was notified (now or within the last 30 s), or after `ms`. */
  wait(intentId: string, ms: number): Promise<void>;
  close(): Promise<void>;
}

const KEEP_MS = 30_000;
/** Blocking connections kept at most; a hop beyond them falls back to a short sleep. */
const MAX_BLOCKING = 16;

export function createRedisSettleSignal(opts: { redis: RedisClient; connect: () => RedisClient; prefix: string }): SettleSignal {
  const key = (id: string) => `${opts.prefix}pay:done:{${id}}`;
  const idle: RedisClient[] = [];
  const all = new Set<RedisClient>();
  return {
    notify(intentId) {
      // Best effort: a hop that misses it answers "in progress" and the SMS follows.
      opts.redis.multi().rpush(key(intentId), '1').pexpire(key(intentId), KEEP_MS).exec().catch(() => undefined);
    },
    async wait(intentId, ms) {
      let conn = idle.pop();
      if (conn === undefined && all.size < MAX_BLOCKING) {
        conn = opts.connect();
        all.add(conn);
      }
      if (conn === undefined) {
        await new Promise((r) => setTimeout(r, Math.min(ms, 200)));
        return;
      }
      // BLPOP's own timeout is not a bound when its node stops answering (a Redis Cluster master
      // failing over: the client retries for seconds): the hop's wait is bounded here, and a
      // connection that may still be blocked is not reused.
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<'late'>((resolve) => {
        timer = setTimeout(() => resolve('late'), ms + 250);
      });
      try {
        // BLPOP takes seconds; a fraction is allowed since Redis 6.
        const outcome = await Promise.race([conn.blpop(key(intentId), Math.max(ms, 10) / 1000).then(() => 'answered' as const), late]);
        if (outcome === 'answered') {
          idle.push(conn);
          return;
        }
        all.delete(conn);
        conn.disconnect();
      } catch {
        all.delete(conn);
        conn.disconnect();
      } finally {
        clearTimeout(timer);
      }
    },
    async close() {
      for (const c of all) c.disconnect();
      all.clear();
      idle.length = 0;
    },
  };
}

export function createLocalSettleSignal(): SettleSignal {
  const events = new EventEmitter();
  events.setMaxListeners(0);
  const recent = new Map<string, number>();
  return {
    notify(intentId) {
      recent.set(intentId, Date.now());
      for (const [id, at] of recent) if (Date.now() - at > KEEP_MS) recent.delete(id);
      events.emit(intentId);
    },
    wait(intentId, ms) {
      const at = recent.get(intentId);
      if (at !== undefined && Date.now() - at < KEEP_MS) {
        recent.delete(intentId);
        return Promise.resolve();
      }
      return new Promise((resolve) => {
        const done = () => {
          clearTimeout(timer);
          events.off(intentId, done);
          recent.delete(intentId);
          resolve();
        };
        const timer = setTimeout(done, ms);
        events.once(intentId, done);
      });
    },
    async close() {
      events.removeAllListeners();
    },
  };
}
