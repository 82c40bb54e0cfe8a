import type { Language } from '../language';
import type { Vars } from '../ussd/render/template';

/** One USSD session as the engine keeps it between hops. */
export interface Session {
  id: string;
  phone: string;
  /** The menu version the session started on: a deploy mid-session must not reinterpret it. */
  menuVersion: string;
  language: Language;
  /** `last`: the gateway sends only the newest input rather than the whole path. */
  mode: 'cumulative' | 'last';
  /** The cursor: the gateway `text` that produced the current screen. */
  text: string;
  screen: string;
  page: number;
  /** Displayed screens before this one, for `0` (back). */
  history: Array<{ screen: string; page: number }>;
  vars: Vars;
  /** Answers already given, by gateway `text`: a retry gets the same screen and no new side effect. */
  responses: Array<[string, string]>;
  ended: boolean;
  startedAt: number;
  updatedAt: number;
  hops: number;
  /**
   * Set when the phone was last shown the "please wait" screen for this `text` rather than the
   * screen stored under it (a retry that outwaited the hop's budget). Kept beside the session, not
   * in it: it is written without the session's lock. Never saved with the session.
   */
  interim?: string;
}

export type LockResult<T> = { ok: true; value: T } | { ok: false };

export interface SessionStore {
  /** How long the gateway keeps a session; after this a hop gets "session expired". */
  readonly ttlSeconds: number;
  get(id: string): Promise<Session | undefined>;
  save(session: Session): Promise<void>;
  /**
   * Records, without the lock, that the answer to `text` the phone got was the "please wait" screen;
   * `get` returns it as `interim` until `clearInterim`.
   */
  noteInterim(id: string, text: string): Promise<void>;
  clearInterim(id: string): Promise<void>;
  /** Runs `fn` holding the session's lock, waiting at most `waitMs` for it. */
  withLock<T>(id: string, opts: { waitMs: number; holdMs: number }, fn: () => Promise<T>): Promise<LockResult<T>>;
}

export interface Prefs {
  language: Language | undefined;
  lastRef: string | undefined;
}

/** What we remember about a phone number across sessions. */
export interface SubscriberPrefs {
  get(phone: string): Promise<Prefs>;
  setLanguage(phone: string, language: Language): Promise<void>;
  setLastRef(phone: string, refClient: string): Promise<void>;
}
