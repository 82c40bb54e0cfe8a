import type { RedisClient } from '../redis';
import { isScreenId, UNKNOWN_SCREEN } from './screen-label';

/**
 * Where sessions drop: per day (Kinshasa), per screen of the menu, how many sessions reached it and
 * how many ended there, and how each ended. Counted once per session, when it ends (the end-of-
 * session notice, or its expiry when the network sends none), from what the session record already
 * holds (its screen and the screens shown before it): nothing is written on the hop's path.
 *
 * One hash per day (`<prefix>funnel:{YYYY-MM-DD}`, one slot), kept as long as the other records
 * (RECORD_RETENTION_DAYS); fields `r|<screen>` (reached) and `e|<screen>|<ending>` (ended there).
 */
export const ENDINGS = [
  /** The session ended on a screen that recorded a payment. */
  'paid',
  /** Our menu sent END without a payment: an END the subscriber chose (cancel, "no"), or an outcome screen. */
  'subscriber_end',
  /** The network's own ending: `Incomplete` (the subscriber hung up, or the handset timed out). */
  'network_incomplete',
  /** The network's own ending: `Failed`. */
  'network_failed',
  /** No notice came: the session record simply expired. */
  'expired',
  /** A status we do not know. */
  'other',
] as const;
export type Ending = (typeof ENDINGS)[number];

/** What the session record says at its end: the screen it is on, and the screens shown before (oldest first). */
export interface SessionPath {
  screen: string;
  shown: string[];
}

export interface FunnelDay {
  day: string;
  /** Screens in the order a session first reaches them on most paths: by how many reached them, most first. */
  screens: Array<{ screen: string; reached: number; ended: Partial<Record<Ending, number>> }>;
}

export interface SessionFunnel {
  /** Counts one ended session. `status`: the notice's (`Success`, `Incomplete`, `Failed`), or `expired`. */
  count(path: SessionPath | undefined, status: string): Promise<void>;
  read(day: string): Promise<FunnelDay>;
}

const KINSHASA_OFFSET_MS = 3_600_000;
/** The calendar day in Kinshasa (UTC+1, no daylight saving) of an instant. */
export const kinshasaDay = (at: Date): string => new Date(at.getTime() + KINSHASA_OFFSET_MS).toISOString().slice(0, 10);

export function endingOf(status: string, screen: string, paidScreens: ReadonlySet<string>): Ending {
  switch (status.toLowerCase()) {
    case 'success':
      return paidScreens.has(screen) ? 'paid' : 'subscriber_end';
    case 'incomplete':
      return 'network_incomplete';
    case 'failed':
      return 'network_failed';
    case 'expired':
      return paidScreens.has(screen) ? 'paid' : 'expired';
    default:
      return 'other';
  }
}

export function createSessionFunnel(deps: { redis: RedisClient; prefix: string; retentionSeconds: number; paidScreens: ReadonlySet<string>; now?: () => Date }): SessionFunnel {
  const now = deps.now ?? (() => new Date());
  const keyOf = (day: string) => `${deps.prefix}funnel:{${day}}`;
  // Only menu ids: never a text a name could be in.
  const label = (s: string) => (isScreenId(s) ? s : UNKNOWN_SCREEN);

  return {
    async count(path, status) {
      const screen = label(path?.screen ?? UNKNOWN_SCREEN);
      const reached = new Set([...(path?.shown ?? []).map(label), screen]);
      const key = keyOf(kinshasaDay(now()));
      const m = deps.redis.multi();
      for (const s of reached) m.hincrby(key, `r|${s}`, 1);
      m.hincrby(key, `e|${screen}|${endingOf(status, screen, deps.paidScreens)}`, 1);
      m.expire(key, deps.retentionSeconds);
      await m.exec();
    },

    async read(day) {
      const raw = await deps.redis.hgetall(keyOf(day));
      const by = new Map<string, { screen: string; reached: number; ended: Partial<Record<Ending, number>> }>();
      const row = (screen: string) => {
        let r = by.get(screen);
        if (r === undefined) by.set(screen, (r = { screen, reached: 0, ended: {} }));
        return r;
      };
      for (const [field, value] of Object.entries(raw)) {
        const n = Number(value);
        const [kind, screen, ending] = field.split('|');
        if (screen === undefined || !Number.isFinite(n)) continue;
        if (kind === 'r') row(screen).reached += n;
        else if (kind === 'e' && (ENDINGS as readonly string[]).includes(ending ?? '')) row(screen).ended[ending as Ending] = n;
      }
      return { day, screens: [...by.values()].sort((a, b) => b.reached - a.reached || a.screen.localeCompare(b.screen)) };
    },
  };
}
