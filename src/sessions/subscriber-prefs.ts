import type { RedisClient } from '../redis';
import { isLanguage } from '../language';
import { isProvince } from '../provinces';
import { phoneKeys } from './keys';
import type { Prefs, SubscriberPrefs } from './types';

/** Stored values are read as outside data: a language we know, a reference of the expected shape. */
export function readPrefs(language: unknown, lastRef: unknown, lastProvince?: unknown): Prefs {
  const prefs: Prefs = {
    language: typeof language === 'string' && isLanguage(language) ? language : undefined,
    lastRef: typeof lastRef === 'string' && /^[A-Za-z0-9-]{1,30}$/.test(lastRef) ? lastRef : undefined,
  };
  if (typeof lastProvince === 'string' && isProvince(lastProvince)) prefs.lastProvince = lastProvince;
  return prefs;
}

/** Per phone number: the language chosen and the last reference looked up, in one hash. */
export function createSubscriberPrefs(redis: RedisClient, opts: { prefix: string; ttlSeconds: number }): SubscriberPrefs {
  const key = (phone: string) => phoneKeys(opts.prefix, phone).prefs;
  const set = async (phone: string, field: string, value: string) => {
    await redis.multi().hset(key(phone), field, value).expire(key(phone), opts.ttlSeconds).exec();
  };
  return {
    async get(phone): Promise<Prefs> {
      const h = await redis.hgetall(key(phone));
      return readPrefs(h.language, h.lastRef);
    },
    setLanguage: (phone, language) => set(phone, 'language', language),
    setLastRef: (phone, refClient) => set(phone, 'lastRef', refClient),
  };
}
