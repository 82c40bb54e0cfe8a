import type { Redis } from 'ioredis';
import { isLanguage } from '../language';
import type { Prefs, SubscriberPrefs } from './types';

/** Per phone number: the language chosen and the last reference looked up, in one hash. */
export function createSubscriberPrefs(redis: Redis, opts: { prefix: string; ttlSeconds: number }): SubscriberPrefs {
  const key = (phone: string) => `${opts.prefix}{${phone}}`;
  const set = async (phone: string, field: string, value: string) => {
    await redis.multi().hset(key(phone), field, value).expire(key(phone), opts.ttlSeconds).exec();
  };
  return {
    async get(phone): Promise<Prefs> {
      const h = await redis.hgetall(key(phone));
      const lang = h.language;
      const ref = h.lastRef;
      return {
        language: lang !== undefined && isLanguage(lang) ? lang : undefined,
        lastRef: ref !== undefined && /^[A-Za-z0-9-]{1,30}$/.test(ref) ? ref : undefined,
      };
    },
    setLanguage: (phone, language) => set(phone, 'language', language),
    setLastRef: (phone, refClient) => set(phone, 'lastRef', refClient),
  };
}
