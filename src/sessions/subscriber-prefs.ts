import { z } from 'zod';
import type { RedisClient } from '../redis';
import { isLanguage } from '../language';
import { isProvince, PROVINCE_CODES } from '../provinces';
import { phoneKeys } from './keys';
import type { PaidRef, Prefs, SubscriberPrefs } from './types';

/** Paid references kept per phone: a few lines of a first screen, within a phone's share of Redis. */
export const PAID_REFS_KEPT = 5;
/** A masked name kept at most this long (the menus show 24 characters of a name). */
const MASKED_NAME_KEPT = 24;

const REF = /^[A-Za-z0-9-]{1,30}$/;
const paidRefSchema = z.object({
  ref: z.string().regex(REF),
  province: z.enum(PROVINCE_CODES),
  maskedName: z.string().max(64),
  at: z.number().int().nonnegative(),
});

/** The stored list, read as outside data: entries that do not parse are dropped, not the whole list. */
function readPaidRefs(raw: unknown): PaidRef[] {
  if (typeof raw !== 'string' || raw === '') return [];
  let list: unknown;
  try {
    list = JSON.parse(raw);
  } catch {
    return [];
  }
  if (!Array.isArray(list)) return [];
  return list.flatMap((item) => {
    const p = paidRefSchema.safeParse(item);
    return p.success ? [p.data] : [];
  }).slice(0, PAID_REFS_KEPT);
}

/** Whether the list holds this reference in this province (references compared as the menu takes them, any case). */
export function hasPaidRef(paidRefs: readonly PaidRef[], ref: string, province: string): boolean {
  const r = ref.trim().toUpperCase();
  return paidRefs.some((p) => p.province === province && p.ref.toUpperCase() === r);
}

/** Stored values are read as outside data: a language we know, a reference of the expected shape. */
export function readPrefs(language: unknown, lastRef: unknown, paidRefs?: unknown, lastProvince?: unknown): Prefs {
  const prefs: Prefs = {
    language: typeof language === 'string' && isLanguage(language) ? language : undefined,
    lastRef: typeof lastRef === 'string' && REF.test(lastRef) ? lastRef : undefined,
    paidRefs: readPaidRefs(paidRefs),
  };
  if (typeof lastProvince === 'string' && isProvince(lastProvince)) prefs.lastProvince = lastProvince;
  return prefs;
}

/**
 * Per phone number, in one hash: the language chosen, the last reference looked up, and the
 * references it has paid (`paidRefs`, JSON, newest first). The hop reads the hash in its first
 * round trip (src/sessions/scripts.ts, PHONE).
 */
export function createSubscriberPrefs(redis: RedisClient, opts: { prefix: string; ttlSeconds: number }): SubscriberPrefs {
  const key = (phone: string) => phoneKeys(opts.prefix, phone).prefs;
  const set = async (phone: string, field: string, value: string) => {
    await redis.multi().hset(key(phone), field, value).expire(key(phone), opts.ttlSeconds).exec();
  };
  /**
   * Read, change, write: two payments of one phone settling in the same millisecond may lose one
   * entry, which only shows that name masked again (the safe side); the ledger keeps the payment.
   */
  const updatePaidRefs = async (phone: string, change: (list: PaidRef[]) => PaidRef[]) => {
    const list = readPaidRefs(await redis.hget(key(phone), 'paidRefs'));
    await set(phone, 'paidRefs', JSON.stringify(change(list).slice(0, PAID_REFS_KEPT)));
  };
  return {
    async get(phone): Promise<Prefs> {
      const h = await redis.hgetall(key(phone));
      return readPrefs(h.language, h.lastRef, h.paidRefs);
    },
    setLanguage: (phone, language) => set(phone, 'language', language),
    setLastRef: (phone, refClient) => set(phone, 'lastRef', refClient),
    rememberPaidRef: (phone, paid) =>
      updatePaidRefs(phone, (list) => [
        { ref: paid.ref, province: paid.province, maskedName: paid.maskedName.slice(0, MASKED_NAME_KEPT), at: paid.at },
        ...list.filter((p) => !(p.province === paid.province && p.ref.toUpperCase() === paid.ref.toUpperCase())),
      ]),
    forgetPaidRef: (phone, ref, province) =>
      updatePaidRefs(phone, (list) => list.filter((p) => !(p.ref.toUpperCase() === ref.toUpperCase() && (province === undefined || p.province === province)))),
  };
}
