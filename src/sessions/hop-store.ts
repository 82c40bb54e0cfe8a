import type { ChainableCommander } from 'ioredis';
import { isCluster, type RedisClient } from '../redis';
import { KEEP_SECONDS, decodeKept } from './kept-payment';
import { phoneKeys, resumeDueKey, sessionKeys } from './keys';
import { decodeRecord, encodeRecord, type RecordParts } from './record';
import { BEGIN, COMMIT, GIVE_UP, PEEK, PHONE, RELEASE } from './scripts';
import { readPrefs } from './subscriber-prefs';
import type { DueChange, HopKey, HopStore, Opened, Remember, Session } from './types';

type Reply = Promise<unknown>;

/** The scripts as ioredis methods, once `defineCommand` has added them. */
interface HopCommands {
  ussdBegin(record: string, lease: string, wait: string, text: string, token: string, leaseMs: number, phone: string, lastOnly: string): Reply;
  ussdCommit(record: string, lease: string, wait: string, token: string, value: string, ttlS: number, clearWait: string, waitText: string): Reply;
  ussdRelease(lease: string, token: string): Reply;
  ussdGiveUp(record: string, wait: string, text: string, ttlS: number, phone: string): Reply;
  ussdPeek(record: string): Reply;
  ussdPhone(rate: string, prefs: string, kept: string, windowS: number): Reply;
}
type HopPipeline = ChainableCommander & {
  ussdPhone(rate: string, prefs: string, kept: string, windowS: number): HopPipeline;
  ussdBegin(...args: Parameters<HopCommands['ussdBegin']>): HopPipeline;
  ussdCommit(...args: Parameters<HopCommands['ussdCommit']>): HopPipeline;
};

export interface HopStoreOptions {
  prefix: string;
  ttlSeconds: number;
  /** How long a hop may hold its session (the hop's budget and a margin): a crashed holder frees it then. */
  leaseMs: number;
  /** The per-phone rate window. */
  rateWindowSeconds: number;
  /** How long a phone's preferences are kept after their last change. */
  prefsTtlSeconds: number;
}

function register(redis: RedisClient): RedisClient & HopCommands {
  const scripts: Array<[keyof HopCommands, number, string]> = [
    ['ussdBegin', 3, BEGIN],
    ['ussdCommit', 3, COMMIT],
    ['ussdRelease', 1, RELEASE],
    ['ussdGiveUp', 2, GIVE_UP],
    ['ussdPeek', 1, PEEK],
    ['ussdPhone', 3, PHONE],
  ];
  for (const [name, numberOfKeys, lua] of scripts) redis.defineCommand(name, { numberOfKeys, lua });
  return redis as RedisClient & HopCommands;
}

const strings = (reply: unknown): string[] => (Array.isArray(reply) ? reply.map((x) => (typeof x === 'string' ? x : String(x))) : []);

function partsOf(r: string[]): RecordParts {
  const [, shape = '', language = '', phone = '', text = '', answer = '', hasPrev = '', prevText = '', body = ''] = r;
  return { shape, language, phone, text, answer, hasPrev, prevText, body };
}

function opened(id: string, reply: unknown): Opened {
  const r = strings(reply);
  switch (r[0]) {
    case 'answer':
      return { kind: 'answer', answer: r[1] ?? '' };
    case 'busy':
    case 'foreign':
    case 'new':
    case 'unreadable':
      return { kind: r[0] };
    case 'session': {
      const session = decodeRecord(id, partsOf(r));
      // Our version header but a body we cannot read: the same as a record of another version.
      if (session === undefined) return { kind: 'unreadable' };
      const wait: unknown = Array.isArray(reply) ? reply[9] : undefined;
      return { kind: 'session', session, wait: typeof wait === 'string' ? wait : undefined };
    }
    default:
      throw new Error(`ussd begin: unexpected reply ${JSON.stringify(reply)}`);
  }
}

type Writes = (c: ChainableCommander) => ChainableCommander;

/**
 * Sessions in Redis, at two round trips a hop: `open` (one flush: the phone's rate count and
 * preferences, and `begin` on the session) then `commit`. A retry is answered by `open` alone.
 */
export function createRedisHopStore(redis: RedisClient, opts: HopStoreOptions): HopStore {
  const r = register(redis);
  // Redis Cluster serves the phone's slot and the session's from different nodes: there the two
  // commands go out together without a pipeline, still one round trip of waiting.
  const cluster = isCluster(redis);
  const beginArgs = (hop: HopKey) => {
    const k = sessionKeys(opts.prefix, hop.id);
    return [k.record, k.lease, k.wait, hop.text, hop.token, opts.leaseMs, hop.phone, hop.lastOnly ? '1' : '0'] as const;
  };

  /** What the hop keeps for the phone (one slot: the phone's hash tag), if anything. */
  const phoneWrites = (session: Session, remember: Remember): Writes | undefined => {
    const { resume, ...prefs } = remember;
    const fields = Object.entries(prefs).filter((e): e is [string, string] => typeof e[1] === 'string');
    if (fields.length === 0 && resume === undefined) return undefined;
    const p = phoneKeys(opts.prefix, session.phone);
    return (c) => {
      if (fields.length > 0) c.hset(p.prefs, Object.fromEntries(fields)).expire(p.prefs, opts.prefsTtlSeconds);
      if (resume !== undefined) c.del(p.kept);
      // A dropped session that started before this paying one is not resumed (src/resume).
      if (resume === 'paid') c.set(p.paid, String(session.startedAt), 'EX', KEEP_SECONDS);
      return c;
    };
  };
  /** Due when the gateway's session would expire (the gateway's own rule: TTL from its start). */
  const dueChange = (session: Session, due: DueChange): Writes | undefined => {
    if (due === undefined) return undefined;
    const key = resumeDueKey(opts.prefix);
    return due === 'enter' ? (c) => c.zadd(key, session.startedAt + opts.ttlSeconds * 1000, session.id) : (c) => c.zrem(key, session.id);
  };

  return {
    ttlSeconds: opts.ttlSeconds,
    async open(hop) {
      const p = phoneKeys(opts.prefix, hop.phone);
      let phoneReply: unknown;
      let beginReply: unknown;
      if (cluster) {
        [phoneReply, beginReply] = await Promise.all([r.ussdPhone(p.rate, p.prefs, p.kept, opts.rateWindowSeconds), r.ussdBegin(...beginArgs(hop))]);
      } else {
        const results = await (r.pipeline() as HopPipeline).ussdPhone(p.rate, p.prefs, p.kept, opts.rateWindowSeconds).ussdBegin(...beginArgs(hop)).exec();
        const [phoneResult, beginResult] = results ?? [];
        if (phoneResult?.[0]) throw phoneResult[0];
        if (beginResult?.[0]) throw beginResult[0];
        phoneReply = phoneResult?.[1];
        beginReply = beginResult?.[1];
      }
      const [count, language, lastRef, paidRefs, lastProvince, kept] = Array.isArray(phoneReply) ? phoneReply : [];
      const prefs = readPrefs(language, lastRef, paidRefs, lastProvince);
      const keptPayment = decodeKept(kept);
      if (keptPayment !== undefined) prefs.kept = keptPayment;
      return { count: Number(count), prefs, opened: opened(hop.id, beginReply) };
    },
    async begin(hop) {
      return opened(hop.id, await r.ussdBegin(...beginArgs(hop)));
    },
    async commit(session: Session, token, clearWait, remember = {}, due = undefined) {
      const k = sessionKeys(opts.prefix, session.id);
      // The record outlives the gateway's session (twice as long): a late hop gets "session expired"
      // and a late retry still gets its answer.
      const args = [k.record, k.lease, k.wait, token, encodeRecord(session), opts.ttlSeconds * 2, clearWait === undefined ? '0' : '1', clearWait ?? ''] as const;
      const phone = phoneWrites(session, remember);
      const dueWrite = dueChange(session, due);
      if (phone === undefined && dueWrite === undefined) return Number(await r.ussdCommit(...args)) === 1;
      if (cluster) {
        // The phone's keys, the session's and the due set live in three slots: sent together, one wait.
        const [saved] = await Promise.all([r.ussdCommit(...args), phone?.(r.multi()).exec(), dueWrite?.(r.multi()).exec()]);
        return Number(saved) === 1;
      }
      let pipe: ChainableCommander = (r.pipeline() as HopPipeline).ussdCommit(...args);
      if (phone !== undefined) pipe = phone(pipe);
      if (dueWrite !== undefined) pipe = dueWrite(pipe);
      const results = await pipe.exec();
      for (const [err] of results ?? []) if (err) throw err;
      return Number(results?.[0]?.[1]) === 1;
    },
    async release(id, token) {
      await r.ussdRelease(sessionKeys(opts.prefix, id).lease, token);
    },
    async giveUp(hop) {
      const k = sessionKeys(opts.prefix, hop.id);
      const reply = strings(await r.ussdGiveUp(k.record, k.wait, hop.text, opts.ttlSeconds * 2, hop.phone));
      if (reply[0] === 'answer') return { kind: 'answer', answer: reply[1] ?? '' };
      if (reply[0] === 'foreign') return { kind: 'foreign' };
      return { kind: 'wait', language: readPrefs(reply[1], undefined).language };
    },
    async peek(id) {
      const reply = strings(await r.ussdPeek(sessionKeys(opts.prefix, id).record));
      return reply[0] === 'session' ? decodeRecord(id, partsOf(reply)) : undefined;
    },
  };
}
