import type { ChainableCommander } from 'ioredis';
import { isCluster, type RedisClient } from '../redis';
import { KEEP_SECONDS, decodeKept } from './kept-payment';
import { phoneKeys, resumeDueKey, sessionKeys } from './keys';
import { DAY_SET_TTL_S, lookupDayKey } from './lookup-limit';
import { decodeRaw, encodeRecord } from './record';
import { ADVANCE, BEGIN, COMMIT, COMMIT_ALL, GIVE_UP, OPEN, PEEK, PHONE, RELEASE } from './scripts';
import { readPrefs } from './subscriber-prefs';
import type { DueChange, HopKey, HopStore, Opened, Prefs, Remember, Session } from './types';

type Reply = Promise<unknown>;

/** The scripts as ioredis methods, once `defineCommand` has added them. */
interface HopCommands {
  ussdBegin(record: string, lease: string, wait: string, text: string, token: string, leaseMs: number, phone: string, lastOnly: string): Reply;
  ussdCommit(record: string, lease: string, wait: string, token: string, value: string, ttlS: number, clearWait: string, waitText: string): Reply;
  /** COMMIT_ALL: see scripts.ts for its keys and arguments. */
  ussdCommitAll(...keysThenArgs: Array<string | number>): Reply;
  ussdRelease(lease: string, token: string): Reply;
  ussdGiveUp(record: string, wait: string, text: string, ttlS: number, phone: string): Reply;
  ussdPeek(record: string): Reply;
  ussdPhone(rate: string, prefs: string, kept: string, lookups: string, windowS: number): Reply;
  ussdOpen(
    rate: string,
    prefs: string,
    kept: string,
    lookups: string,
    record: string,
    lease: string,
    wait: string,
    windowS: number,
    text: string,
    token: string,
    leaseMs: number,
    phone: string,
    lastOnly: string,
    prepared: string,
    preparedTtlS: number | string,
    hopsPerWindow: number | string,
  ): Reply;
  /** ADVANCE: see scripts.ts for its keys and arguments. */
  ussdAdvance(...keysThenArgs: Array<string | number>): Reply;
}

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
    ['ussdCommitAll', 8, COMMIT_ALL],
    ['ussdRelease', 1, RELEASE],
    ['ussdGiveUp', 2, GIVE_UP],
    ['ussdPeek', 1, PEEK],
    ['ussdPhone', 4, PHONE],
    ['ussdOpen', 7, OPEN],
    ['ussdAdvance', 9, ADVANCE],
  ];
  for (const [name, numberOfKeys, lua] of scripts) redis.defineCommand(name, { numberOfKeys, lua });
  return redis as RedisClient & HopCommands;
}

const strings = (reply: unknown): string[] => (Array.isArray(reply) ? reply.map((x) => (typeof x === 'string' ? x : String(x))) : []);

const str = (x: unknown): string => (typeof x === 'string' ? x : x === undefined || x === null ? '' : String(x));

/** BEGIN's reply, from `at` in the script's reply (OPEN's comes after the phone's values). */
function opened(id: string, reply: unknown, at = 0): Opened {
  const r: readonly unknown[] = Array.isArray(reply) ? reply : [];
  const kind = r[at];
  switch (kind) {
    case 'answer':
      return { kind: 'answer', answer: str(r[at + 1]) };
    case 'advanced':
    case 'busy':
    case 'created':
    case 'foreign':
    case 'new':
    case 'unreadable':
      return { kind };
    case 'session': {
      const session = decodeRaw(id, str(r[at + 1]));
      // Our version header but a body we cannot read: the same as a record of another version.
      if (session === undefined) return { kind: 'unreadable' };
      const wait = r[at + 2];
      return { kind: 'session', session, wait: typeof wait === 'string' ? wait : undefined };
    }
    default:
      throw new Error(`ussd begin: unexpected reply ${JSON.stringify(reply)}`);
  }
}

/** PHONE's seven values, from the start of a script's reply. */
function phoneRead(reply: unknown): { count: number; prefs: Prefs } {
  const [count, language, lastRef, paidRefs, lastProvince, kept, lookups] = Array.isArray(reply) ? (reply as unknown[]) : [];
  const prefs = readPrefs(language, lastRef, paidRefs, lastProvince);
  const keptPayment = decodeKept(kept);
  if (keptPayment !== undefined) prefs.kept = keptPayment;
  if (typeof lookups === 'number') prefs.lookupsToday = lookups;
  return { count: Number(count), prefs };
}

/** How many values PHONE's part of OPEN's reply holds. */
const PHONE_VALUES = 7;

/**
 * A session as this instance last saved it (`raw`, once saved), with what that hop read of the
 * phone (PHONE's values but the count): what a later hop here works its answer out from before
 * its one round trip (ADVANCE). At most SEEN_MAX sessions, the least recently used dropped first.
 */
interface Seen {
  raw: string | undefined;
  phone: readonly unknown[];
}
/** About 1.2 KB each: 12 MB at most, for an instance's live sessions (a dropped one costs a second round trip, no more). */
const SEEN_MAX = 10_000;


/**
 * Sessions in Redis, at two round trips a hop: `open` (one script: the phone's rate count and
 * preferences, and `begin` on the session) then `commit`. A retry is answered by `open` alone, and
 * so is a new subscriber's first dial, whose prepared first screen `open` writes itself, and a
 * later hop worked out from this store's copy of the session (`known`), which `open` writes if
 * nothing changed since the copy was made.
 */
export function createRedisHopStore(redis: RedisClient, opts: HopStoreOptions): HopStore {
  const r = register(redis);
  // Redis Cluster serves the phone's slot and the session's from different nodes: there `open` is
  // two commands sent together (still one round trip of waiting), and `commit`'s writes too.
  const cluster = isCluster(redis);
  const beginArgs = (hop: HopKey) => {
    const k = sessionKeys(opts.prefix, hop.id);
    return [k.record, k.lease, k.wait, hop.text, hop.token, opts.leaseMs, hop.phone, hop.lastOnly ? '1' : '0'] as const;
  };

  /** The preferences a hop keeps for the phone (every field of `remember` but `resume` and `lookup`), as field/value pairs. */
  const prefFields = (remember: Remember): string[] => {
    const out: string[] = [];
    for (const [field, value] of Object.entries(remember)) if (field !== 'resume' && field !== 'lookup' && typeof value === 'string') out.push(field, value);
    return out;
  };
  // The day is the hop's: read with the phone's keys in `open`, written at its `commit`.
  const lookupsKey = (phone: string) => lookupDayKey(opts.prefix, phone, new Date());
  /** Due when the gateway's session would expire (the gateway's own rule: TTL from its start). */
  const dueScore = (session: Session) => session.startedAt + opts.ttlSeconds * 1000;

  /** On a cluster: what the hop keeps for the phone (one slot: the phone's hash tag), as a transaction. */
  const phoneWrites = (session: Session, fields: string[], resume: Remember['resume'], lookup: string | undefined): ChainableCommander | undefined => {
    if (fields.length === 0 && resume === undefined && lookup === undefined) return undefined;
    const p = phoneKeys(opts.prefix, session.phone);
    const c = r.multi();
    if (fields.length > 0) c.hset(p.prefs, ...fields).expire(p.prefs, opts.prefsTtlSeconds);
    if (lookup !== undefined) {
      const day = lookupsKey(session.phone);
      c.sadd(day, lookup).expire(day, DAY_SET_TTL_S);
    }
    if (resume !== undefined) c.del(p.kept);
    // A dropped session that started before this paying one is not resumed (src/resume).
    if (resume === 'paid') c.set(p.paid, String(session.startedAt), 'EX', KEEP_SECONDS);
    return c;
  };
  /** On a cluster: the resume watch's change (the due set's own slot). */
  const dueWrite = (session: Session, due: DueChange): Promise<unknown> | undefined => {
    if (due === undefined) return undefined;
    const key = resumeDueKey(opts.prefix);
    return due === 'enter' ? r.zadd(key, dueScore(session), session.id) : r.zrem(key, session.id);
  };

  /** KEEP's arguments (scripts.ts): what a hop keeps for the phone and the resume watch. */
  const keepArgs = (session: Session, remember: Remember, due: DueChange): Array<string | number> => [
    opts.prefsTtlSeconds,
    remember.resume ?? '',
    session.startedAt,
    KEEP_SECONDS,
    due ?? '',
    dueScore(session),
    session.id,
    remember.lookup ?? '',
    DAY_SET_TTL_S,
    ...prefFields(remember),
  ];
  const keepsForPhone = (remember: Remember): boolean => prefFields(remember).length > 0 || remember.resume !== undefined || remember.lookup !== undefined;
  /** Whether a hop has anything besides its record to write: KEEP's arguments are sent only then. */
  const keepsAny = (remember: Remember, due: DueChange): boolean => due !== undefined || keepsForPhone(remember);

  // Single Redis only: on a cluster a hop's keys are in slots no one script may touch together.
  const seen = new Map<string, Seen>();
  const see = (id: string, s: Seen): void => {
    if (cluster) return;
    seen.delete(id);
    seen.set(id, s);
    if (seen.size > SEEN_MAX) seen.delete(seen.keys().next().value ?? id);
  };

  /** The session and what the hop keeps, in one round trip; whether the session was written, and its record. */
  const save = async (session: Session, token: string, clearWait: string | undefined, remember: Remember, due: DueChange): Promise<[boolean, string]> => {
    const k = sessionKeys(opts.prefix, session.id);
    const value = encodeRecord(session);
    // The record outlives the gateway's session (twice as long): a late hop gets "session expired"
    // and a late retry still gets its answer.
    const args = [k.record, k.lease, k.wait, token, value, opts.ttlSeconds * 2, clearWait === undefined ? '0' : '1', clearWait ?? ''] as const;
    if (!keepsAny(remember, due)) return [Number(await r.ussdCommit(...args)) === 1, value];
    if (cluster) {
      // The phone's keys, the session's and the due set live in three slots: sent together, one wait.
      const [saved] = await Promise.all([r.ussdCommit(...args), phoneWrites(session, prefFields(remember), remember.resume, remember.lookup)?.exec(), dueWrite(session, due)]);
      return [Number(saved) === 1, value];
    }
    const p = phoneKeys(opts.prefix, session.phone);
    const saved = await r.ussdCommitAll(...args.slice(0, 3), p.prefs, p.kept, p.paid, resumeDueKey(opts.prefix), lookupsKey(session.phone), ...args.slice(3), ...keepArgs(session, remember, due));
    return [Number(saved) === 1, value];
  };

  return {
    ttlSeconds: opts.ttlSeconds,
    async open(hop, first, next) {
      const p = phoneKeys(opts.prefix, hop.phone);
      if (cluster) {
        // The phone's slot and the session's may be on two nodes: two commands, sent together.
        const [phoneReply, beginReply] = await Promise.all([r.ussdPhone(p.rate, p.prefs, p.kept, lookupsKey(hop.phone), opts.rateWindowSeconds), r.ussdBegin(...beginArgs(hop))]);
        return { ...phoneRead(phoneReply), opened: opened(hop.id, beginReply) };
      }
      const k = sessionKeys(opts.prefix, hop.id);
      let reply: unknown;
      let written: string | undefined;
      if (next !== undefined) {
        // Compared with the copy the guess was made from, whatever this instance has saved since.
        const basis = next.since;
        written = encodeRecord(next.session);
        const [language, lastRef, paidRefs, lastProvince, , lookups] = basis.phone.map(str);
        reply = await r.ussdAdvance(
          p.rate,
          p.prefs,
          p.kept,
          lookupsKey(hop.phone),
          k.record,
          k.lease,
          k.wait,
          p.paid,
          resumeDueKey(opts.prefix),
          opts.rateWindowSeconds,
          hop.text,
          hop.token,
          opts.leaseMs,
          hop.phone,
          hop.lastOnly ? '1' : '0',
          Number.isFinite(next.hopsPerWindow) ? next.hopsPerWindow : '',
          basis.raw,
          written,
          opts.ttlSeconds * 2,
          language ?? '',
          lastRef ?? '',
          paidRefs ?? '',
          lastProvince ?? '',
          lookups ?? '',
          ...(keepsAny(next.remember, next.due) ? keepArgs(next.session, next.remember, next.due) : []),
        );
      } else {
        // As commit keeps a record: twice the gateway's session (see commit).
        if (first !== undefined) written = encodeRecord(first.session);
        const prepared: [string, number | string, number | string] = first === undefined ? ['', '', ''] : [written ?? '', opts.ttlSeconds * 2, Number.isFinite(first.hopsPerWindow) ? first.hopsPerWindow : ''];
        reply = await r.ussdOpen(p.rate, p.prefs, p.kept, lookupsKey(hop.phone), k.record, k.lease, k.wait, opts.rateWindowSeconds, hop.text, hop.token, opts.leaseMs, hop.phone, hop.lastOnly ? '1' : '0', ...prepared);
      }
      const result = { ...phoneRead(reply), opened: opened(hop.id, reply, PHONE_VALUES) };
      // What the next hop here may be worked out from: the kept payment left out (read for a new
      // session alone, and offered on its first screen only).
      const phone = (): unknown[] => [...(reply as unknown[]).slice(1, PHONE_VALUES - 2), '', (reply as unknown[])[PHONE_VALUES - 1]];
      switch (result.opened.kind) {
        case 'new':
        case 'session':
          // Saved by this hop's commit, which says whether the phone is still as read (see commit).
          see(hop.id, { raw: undefined, phone: phone() });
          break;
        case 'created':
          see(hop.id, { raw: written, phone: phone() });
          break;
        case 'advanced':
          if (next !== undefined && !next.session.ended && !keepsForPhone(next.remember)) see(hop.id, { raw: written, phone: phone() });
          else seen.delete(hop.id);
          break;
        default:
          break;
      }
      return result;
    },
    known(id, phone) {
      const s = seen.get(id);
      if (s?.raw === undefined) return undefined;
      const session = decodeRaw(id, s.raw);
      if (session?.phone !== phone) return undefined;
      return { session, prefs: phoneRead([0, ...s.phone]).prefs, since: { raw: s.raw, phone: s.phone } };
    },
    async begin(hop) {
      return opened(hop.id, await r.ussdBegin(...beginArgs(hop)));
    },
    async commit(session: Session, token, clearWait, remember = {}, due = undefined) {
      const basis = seen.get(session.id);
      seen.delete(session.id);
      const [saved, value] = await save(session, token, clearWait, remember, due);
      // Nothing written for the phone: what this hop read of it still holds for the next hop here.
      if (saved && basis !== undefined && !session.ended && !keepsForPhone(remember)) see(session.id, { ...basis, raw: value });
      return saved;
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
      return reply[0] === 'session' ? decodeRaw(id, reply[1] ?? '') : undefined;
    },
  };
}
