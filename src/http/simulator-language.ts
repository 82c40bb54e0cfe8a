import type { RedisClient } from '../redis';
import { createSubscriberPrefs } from '../sessions/subscriber-prefs';

/** The browser phone's prompt speaks the language its number chose in the menu (the phone's preferences). */
export function simulatorLanguage(redis: RedisClient, prefix: string, ttlSeconds: number): (phoneE164: string) => Promise<string | undefined> {
  const prefs = createSubscriberPrefs(redis, { prefix, ttlSeconds });
  return async (phone) => (await prefs.get(phone)).language;
}
