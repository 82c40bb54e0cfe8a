import { referenceLookupCounter } from '../channel-metrics';
import type { Metrics } from '../metrics';
import { PROVINCES, type Province } from '../provinces';
import type { RedisClient } from '../redis';
import { phoneKeys } from './keys';

export type LookupChannel = 'ussd' | 'sms';
export type LookupOutcome = 'found' | 'not_found' | 'limited';

/**
 * How many distinct references one phone may look up in a day (`LOOKUPS_PER_PHONE_DAY`), found or
 * not, on USSD and SMS together: a phone that reads reference after reference is harvesting names.
 * References the phone has paid are not asked about (the caller knows them from the phone's
 * preferences): an agent's regular accounts never run into the limit.
 */
export interface LookupLimiter {
  readonly perDay: number;
  /**
   * Counts `ref` in `province` for the phone's day, unless it was counted already today; false
   * (and counted in `/metrics` as `limited`) when it is a new one past the limit.
   */
  take(phone: string, ref: string, province: Province, channel: LookupChannel): Promise<boolean>;
  /** Counts what a lookup found, in `/metrics` (`not_found`: a reference that does not exist). */
  found(channel: LookupChannel, outcome: Exclude<LookupOutcome, 'limited'>): void;
}

/**
 * KEYS: the phone's set of references for the day. ARGV: limit, member, ttl s. 1 when the member
 * is in the set (already, or added now), 0 when the set is full.
 */
const TAKE = `
if redis.call('SISMEMBER', KEYS[1], ARGV[2]) == 1 then return 1 end
if redis.call('SCARD', KEYS[1]) >= tonumber(ARGV[1]) then return 0 end
redis.call('SADD', KEYS[1], ARGV[2])
redis.call('EXPIRE', KEYS[1], ARGV[3])
return 1
`;

/** The day runs midnight to midnight in Kinshasa (UTC+1): what "a day" means to a subscriber there. */
export function lookupDay(at: Date): string {
  const local = at.getTime() + PROVINCES.KIN.utcOffsetHours * 3_600_000;
  // Asked on every hop: the day last formatted is kept with its bounds (toISOString is not free).
  if (local >= dayCache.from && local < dayCache.to) return dayCache.day;
  const from = Math.floor(local / 86_400_000) * 86_400_000;
  dayCache = { from, to: from + 86_400_000, day: new Date(from).toISOString().slice(0, 10) };
  return dayCache.day;
}
let dayCache = { from: 0, to: 0, day: '' };

/** A day's set outlives its day a little (a clock a few minutes off), then goes by itself. */
export const DAY_SET_TTL_S = 2 * 86_400;

/** The phone's set of references looked up on the day of `at`: USSD and SMS count in the same one. */
export function lookupDayKey(prefix: string, phone: string, at: Date): string {
  return `${phoneKeys(prefix, phone).lookups}:${lookupDay(at)}`;
}

/** How a reference looked up in a province is counted in the day's set. */
export function lookupMember(ref: string, province: Province): string {
  return `${province}:${ref.trim().toUpperCase()}`;
}

export function createLookupLimiter(
  redis: RedisClient,
  opts: { prefix: string; perDay: number; metrics?: Metrics | undefined; now?: () => Date },
): LookupLimiter {
  const now = opts.now ?? (() => new Date());
  const r = redis as RedisClient & { lookupTake(key: string, limit: number, member: string, ttlS: number): Promise<unknown> };
  r.defineCommand('lookupTake', { numberOfKeys: 1, lua: TAKE });
  const counter = opts.metrics === undefined ? undefined : referenceLookupCounter(opts.metrics);
  return {
    perDay: opts.perDay,
    async take(phone, ref, province, channel) {
      const ok = Number(await r.lookupTake(lookupDayKey(opts.prefix, phone, now()), opts.perDay, lookupMember(ref, province), DAY_SET_TTL_S)) === 1;
      if (!ok) counter?.inc({ channel, outcome: 'limited' });
      return ok;
    },
    found(channel, outcome) {
      counter?.inc({ channel, outcome });
    },
  };
}
