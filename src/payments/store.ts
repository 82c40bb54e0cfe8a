import type Redis from 'ioredis';
import { z } from 'zod';
import { intentSchema, isSettled, type Intent } from './intent';

/**
 * Payment intents in Redis. One hash per intent holds the JSON and a version number; every write
 * is a compare-and-set on that version (a Lua script on one key, so it also works on Redis
 * Cluster), so a stalled worker that wakes up late cannot overwrite what a newer one recorded.
 * Secondary keys: num_acquit → intent, phone → intents by time, the audit list, the operator's
 * flagged set, the open set (unsettled intents by the time of their last write, for the
 * recovery sweep) and the unresolved set (intents given up as `uncertain`). All expire after the retention period, refreshed on every write.
 *
 * The open set is one key for all intents, so it cannot share a Lua script with an intent's key on
 * Redis Cluster; it is kept next to the compare-and-set instead, in an order that keeps the one
 * thing that matters true: an unsettled intent is always in the set. It is added BEFORE the intent
 * is created and removed only AFTER the write that settles it (or by the sweep, which finds it
 * settled or gone). A write lost in between leaves a stale entry the sweep clears, never a payment
 * nobody will finish.
 */
export interface Versioned {
  intent: Intent;
  version: number;
}

export interface AuditEntry {
  at: string;
  event: string;
  detail?: string;
}

const auditSchema = z.object({ at: z.string(), event: z.string(), detail: z.string().optional() });

const CREATE = `
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], 'v', '1', 'data', ARGV[1])
redis.call('EXPIRE', KEYS[1], ARGV[2])
return 1`;

const UPDATE = `
if redis.call('HGET', KEYS[1], 'v') ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'v', ARGV[2], 'data', ARGV[3])
redis.call('EXPIRE', KEYS[1], ARGV[4])
return 1`;

export interface IntentStore {
  /** False when an intent with this id already exists (a replayed or concurrent confirm). */
  create(intent: Intent): Promise<boolean>;
  load(intentId: string): Promise<Versioned | undefined>;
  /** undefined when someone else wrote first: the caller must reload. */
  update(current: Versioned, next: Intent): Promise<Versioned | undefined>;
  indexNumAcquit(numAcquit: string, intentId: string): Promise<void>;
  flag(intentId: string, atMs: number): Promise<void>;
  flagged(limit: number): Promise<string[]>;
  audit(intentId: string, entry: AuditEntry): Promise<void>;
  auditTrail(intentId: string): Promise<AuditEntry[]>;
  byNumAcquit(numAcquit: string): Promise<string | undefined>;
  byPhone(phoneNumber: string, limit: number): Promise<string[]>;
  /** Open (unsettled) intents last written at or before `maxScoreMs`, oldest first. */
  openSince(maxScoreMs: number, offset: number, limit: number): Promise<Array<{ intentId: string; lastWriteMs: number }>>;
  /** Drops an entry of the open set (its intent is settled, or gone). */
  closeOpen(intentId: string): Promise<void>;
  /**
   * The unresolved set: intents the job gave up on as `uncertain`, by when it did (real clock), for
   * the sweep to reconcile later. Added BEFORE the write that marks the intent unresolved, removed
   * AFTER the one that resolves it, so an unresolved intent is always in it.
   */
  markUnresolved(intentId: string, atMs: number): Promise<void>;
  unresolvedSince(maxScoreMs: number, offset: number, limit: number): Promise<string[]>;
  clearUnresolved(intentId: string): Promise<void>;
}

export function createIntentStore(redis: Redis, opts: { prefix: string; ttlSeconds: number }): IntentStore {
  const p = `${opts.prefix}pay:`;
  const ttl = String(opts.ttlSeconds);
  const intentKey = (id: string) => `${p}intent:${id}`;
  const acqKey = (n: string) => `${p}acq:${n}`;
  const phoneKey = (phone: string) => `${p}phone:${phone}`;
  const auditKey = (id: string) => `${p}audit:${id}`;
  const flaggedKey = `${p}flagged`;
  const openKey = `${p}open`;
  const unresolvedKey = `${p}unresolved`;

  // Scores are real-clock times even when `now` is pinned (tests): staleness is a wait, not a record.
  async function markOpen(intentId: string, onlyNew: boolean): Promise<void> {
    const m = redis.multi();
    if (onlyNew) m.zadd(openKey, 'NX', Date.now(), intentId);
    else m.zadd(openKey, Date.now(), intentId);
    await m.expire(openKey, opts.ttlSeconds).exec();
  }

  return {
    async create(intent) {
      // A replay of an existing intent must not put a settled one back in the open set.
      if ((await redis.exists(intentKey(intent.intentId))) === 1) return false;
      if (!isSettled(intent)) await markOpen(intent.intentId, true);
      const created = await redis.eval(CREATE, 1, intentKey(intent.intentId), JSON.stringify(intent), ttl);
      if (created !== 1) return false;
      const key = phoneKey(intent.phoneNumber);
      await redis.multi().zadd(key, Date.parse(intent.createdAt), intent.intentId).expire(key, opts.ttlSeconds).exec();
      return true;
    },
    async load(intentId) {
      const [v, data] = await redis.hmget(intentKey(intentId), 'v', 'data');
      if (v === null || v === undefined || data === null || data === undefined) return undefined;
      return { version: Number(v), intent: intentSchema.parse(JSON.parse(data)) };
    },
    async update(current, next) {
      const version = current.version + 1;
      const ok = await redis.eval(UPDATE, 1, intentKey(next.intentId), String(current.version), String(version), JSON.stringify(next), ttl);
      if (ok !== 1) return undefined;
      try {
        if (isSettled(next)) await redis.zrem(openKey, next.intentId);
        else await markOpen(next.intentId, false);
      } catch {
        // The intent is written, which is what counts; the sweep clears a stale entry, and an open
        // intent's entry is there since its creation (only its score is older than it should be).
      }
      return { intent: next, version };
    },
    async indexNumAcquit(numAcquit, intentId) {
      await redis.set(acqKey(numAcquit), intentId, 'EX', opts.ttlSeconds);
    },
    async flag(intentId, atMs) {
      await redis.multi().zadd(flaggedKey, atMs, intentId).expire(flaggedKey, opts.ttlSeconds).exec();
    },
    async flagged(limit) {
      return redis.zrevrange(flaggedKey, 0, Math.max(limit, 1) - 1);
    },
    async audit(intentId, entry) {
      const key = auditKey(intentId);
      await redis.multi().rpush(key, JSON.stringify(entry)).expire(key, opts.ttlSeconds).exec();
    },
    async auditTrail(intentId) {
      const raw = await redis.lrange(auditKey(intentId), 0, -1);
      return raw.map((line) => auditSchema.parse(JSON.parse(line)));
    },
    async byNumAcquit(numAcquit) {
      return (await redis.get(acqKey(numAcquit))) ?? undefined;
    },
    async byPhone(phoneNumber, limit) {
      return redis.zrevrange(phoneKey(phoneNumber), 0, Math.max(limit, 1) - 1);
    },
    async openSince(maxScoreMs, offset, limit) {
      const raw = await redis.zrangebyscore(openKey, '-inf', maxScoreMs, 'WITHSCORES', 'LIMIT', offset, limit);
      const out: Array<{ intentId: string; lastWriteMs: number }> = [];
      for (let i = 0; i + 1 < raw.length; i += 2) out.push({ intentId: raw[i] ?? '', lastWriteMs: Number(raw[i + 1]) });
      return out;
    },
    async closeOpen(intentId) {
      await redis.zrem(openKey, intentId);
    },
    async markUnresolved(intentId, atMs) {
      await redis.multi().zadd(unresolvedKey, atMs, intentId).expire(unresolvedKey, opts.ttlSeconds).exec();
    },
    async unresolvedSince(maxScoreMs, offset, limit) {
      return redis.zrangebyscore(unresolvedKey, '-inf', maxScoreMs, 'LIMIT', offset, limit);
    },
    async clearUnresolved(intentId) {
      await redis.zrem(unresolvedKey, intentId);
    },
  };
}
