import type { RedisClient } from '../redis';
import { KEEP_SECONDS, encodeKept, type KeptPayment } from './kept-payment';
import { phoneKeys, resumeDueKey } from './keys';

/**
 * KEYS: kept, sent, paid. ARGV: kept payment, session id, session start ms, seconds kept.
 * Keeps a dropped payment for the phone unless a payment was confirmed by a session that started
 * after this one (`paid`). Then says whether this session's SMS is to go: `send` (the first for
 * the phone in the window), `again` (this session's own SMS, already decided: its sending is
 * idempotent), or `quiet` (another session's SMS went within the window: one per phone).
 */
const KEEP = `
local paid = redis.call('GET', KEYS[3])
if paid and tonumber(paid) >= tonumber(ARGV[3]) then return 'paid' end
redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[4])
if redis.call('SET', KEYS[2], ARGV[2], 'EX', ARGV[4], 'NX') then return 'send' end
if redis.call('GET', KEYS[2]) == ARGV[2] then return 'again' end
return 'quiet'
`;

/** KEYS: sent. ARGV: session id. Lets another SMS go after this session's could not be recorded. */
const UNSEND = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`;

/**
 * KEYS: due set. ARGV: now ms, how many. Takes the sessions due by now off the set and returns
 * them: whichever instance takes one is the only one to look at it.
 */
const CLAIM = `
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[2]))
for _, id in ipairs(ids) do redis.call('ZREM', KEYS[1], id) end
return ids
`;

export type KeepResult = 'send' | 'again' | 'quiet' | 'paid';

interface ResumeCommands {
  resumeKeep(kept: string, sent: string, paid: string, value: string, sessionId: string, startedAt: number, seconds: number): Promise<unknown>;
  resumeUnsend(sent: string, sessionId: string): Promise<unknown>;
  resumeClaim(due: string, nowMs: number, limit: number): Promise<unknown>;
}

export interface ResumeStore {
  /** Keeps the dropped payment of `session` for its phone (30 minutes); see KEEP. */
  keep(s: { id: string; phone: string; startedAt: number }, kept: KeptPayment): Promise<KeepResult>;
  /** This session's SMS could not be recorded: the phone's one SMS is not spent on it. */
  unsend(phone: string, sessionId: string): Promise<void>;
  /** Sessions whose expiry is past, taken off the due set (each by one caller only). */
  claimDue(nowMs: number, limit: number): Promise<string[]>;
  /** Looks at the session again at `atMs` (a keep that failed). */
  due(sessionId: string, atMs: number): Promise<void>;
  /** The session ended and was dealt with: no expiry scan for it. */
  undue(sessionId: string): Promise<void>;
}

/** Each command touches one slot: the phone's keys, or the due set. */
export function createResumeStore(redis: RedisClient, opts: { prefix: string }): ResumeStore {
  redis.defineCommand('resumeKeep', { numberOfKeys: 3, lua: KEEP });
  redis.defineCommand('resumeUnsend', { numberOfKeys: 1, lua: UNSEND });
  redis.defineCommand('resumeClaim', { numberOfKeys: 1, lua: CLAIM });
  const r = redis as RedisClient & ResumeCommands;
  const dueKey = resumeDueKey(opts.prefix);
  return {
    async keep(s, kept) {
      const k = phoneKeys(opts.prefix, s.phone);
      const reply = await r.resumeKeep(k.kept, k.resumeSent, k.paid, encodeKept(kept), s.id, s.startedAt, KEEP_SECONDS);
      if (reply === 'send' || reply === 'again' || reply === 'quiet' || reply === 'paid') return reply;
      throw new Error(`resume keep: unexpected reply ${JSON.stringify(reply)}`);
    },
    async unsend(phone, sessionId) {
      await r.resumeUnsend(phoneKeys(opts.prefix, phone).resumeSent, sessionId);
    },
    async claimDue(nowMs, limit) {
      const reply = await r.resumeClaim(dueKey, nowMs, limit);
      return Array.isArray(reply) ? reply.filter((x): x is string => typeof x === 'string') : [];
    },
    async due(sessionId, atMs) {
      await redis.zadd(dueKey, atMs, sessionId);
    },
    async undue(sessionId) {
      await redis.zrem(dueKey, sessionId);
    },
  };
}
