import type { Vars } from '../json';
import type { Language } from '../language';
import type { KeptPayment } from './kept-payment';
import type { Province } from '../provinces';

/** What the menu interpreter reads and moves: where the subscriber is and what was gathered. */
export interface SessionState {
  language: Language;
  screen: string;
  page: number;
  /** Displayed screens before this one, `[screen, page]`, for `0` (back). */
  history: Array<[string, number]>;
  vars: Vars;
  ended: boolean;
}

/**
 * How this session's gateway sends `text`: every input so far (`cumulative`, Africa's Talking) or
 * only the newest (`last`). `unknown` until a hop shows it: a hop that extends a non-empty cursor
 * proves `cumulative`, one that does not (and is no older hop of ours) shows `last`.
 */
export type TextShape = 'unknown' | 'cumulative' | 'last';

/** One USSD session as kept between hops. */
export interface Session extends SessionState {
  id: string;
  phone: string;
  /** Drawn when the session starts: a payment intent's identity, so a reused session id is another intent. */
  nonce: string;
  /** The menu version the session started on: a deploy mid-session must not reinterpret it. */
  menuVersion: string;
  shape: TextShape;
  /** The cursor: the gateway `text` that produced the current screen. */
  text: string;
  /** The answer given to `text`: a gateway retry gets it again, with no new side effect. */
  answer: string;
  /**
   * The text of the hop before: a retry of it, arriving after the next hop was answered, gets the
   * screen the phone shows now. Its own answer is not kept (a screen's bytes in every live session).
   */
  prevText: string | undefined;
  startedAt: number;
  hops: number;
  /** The code dialled (`*123#`): a dropped payment's SMS tells the dial string that resumes it. */
  serviceCode?: string | undefined;
}

/**
 * Preferences an action asks to keep for the phone: written with the hop's commit, in its flush.
 * `resume`: the phone's kept payment is done with: `dropped` (the subscriber started afresh) or
 * `paid` (a payment was confirmed: no dropped session that started before this one is resumed).
 */
export type Remember = Partial<{
  language: Language;
  lastRef: string;
  lastProvince: string;
  resume: 'dropped' | 'paid';
  /** A reference looked up (`lookupMember`), added to the phone's set of the day (src/sessions/lookup-limit.ts). */
  lookup: string;
}>;

/**
 * A reference this phone has paid through us (a payment that succeeded or landed). Its holder's
 * name is shown whole to this phone; `maskedName` is what a list of the phone's accounts may show
 * before anything is typed (a phone may be lent).
 */
export interface PaidRef {
  ref: string;
  province: Province;
  maskedName: string;
  /** When it was paid, milliseconds since the epoch. */
  at: number;
}

export interface Prefs {
  language: Language | undefined;
  lastRef: string | undefined;
  /** The province `lastRef` was found in. */
  lastProvince?: string | undefined;
  /** A dropped payment kept for this phone (read in the hop's first round trip, never on its own). */
  kept?: KeptPayment | undefined;
  /** Most recent first, one entry per reference and province, at most PAID_REFS_KEPT. */
  paidRefs: PaidRef[];
  /**
   * How many distinct references the phone has looked up today (LOOKUPS_PER_PHONE_DAY), read in
   * the hop's first round trip; undefined where it was not read.
   */
  lookupsToday?: number | undefined;
  /** This hop's lookup counted with its commit, not yet in the set (src/ussd/actions/bills.ts). */
  lookupPending?: { ref: string; province: Province } | undefined;
}

/** What we remember about a phone number across sessions. */
export interface SubscriberPrefs {
  get(phone: string): Promise<Prefs>;
  setLanguage(phone: string, language: Language): Promise<void>;
  setLastRef(phone: string, refClient: string): Promise<void>;
  /** Puts a paid reference first in the phone's list (replacing its older entry), keeping the newest few. */
  rememberPaidRef(phone: string, paid: PaidRef): Promise<void>;
  /** Takes a reference off the phone's list (in one province, or in all when none is given). */
  forgetPaidRef(phone: string, ref: string, province?: Province): Promise<void>;
}

/** What `begin` found. Only `new`, `session` and `unreadable` hold the session's lease. */
export type Opened =
  /** A gateway retry: the answer already given to this text; nothing taken, nothing to do. */
  | { kind: 'answer'; answer: string }
  /** Another hop of this session holds the lease. */
  | { kind: 'busy' }
  /** The session id belongs to another phone. */
  | { kind: 'foreign' }
  /** A record this version cannot read (another schema version). */
  | { kind: 'unreadable' }
  | { kind: 'new' }
  /** A new session whose prepared first screen `open` wrote itself (see HopStore.open): answered, nothing held. */
  | { kind: 'created' }
  /** A later hop whose answer, worked out beforehand, `open` wrote itself (see HopStore.open): answered, nothing held. */
  | { kind: 'advanced' }
  /** `wait`: the text whose answer the phone was shown "please wait" for instead, if any. */
  | { kind: 'session'; session: Session; wait: string | undefined };

export interface HopKey {
  id: string;
  phone: string;
  /** The hop's normalised text. */
  text: string;
  /** The lease's owner: only this hop's commit may release it. */
  token: string;
  /** The gateway is declared to send only the newest input: an identical text is an input, not a retry. */
  lastOnly: boolean;
}

/**
 * The session reaches (`enter`) or leaves (`leave`) a screen a dropped payment resumes from: it is
 * added to, or taken off, the set of sessions to look at when they expire (see resumeDueKey).
 */
export type DueChange = 'enter' | 'leave' | undefined;

/**
 * A new session's first screen, answered before the phone's preferences are read: what every phone
 * with nothing remembered gets on a first hop with no input. `hopsPerWindow`: the rate limit,
 * within which alone it is written.
 */
export interface PreparedFirst {
  session: Session;
  hopsPerWindow: number;
}

/** The record and what was read of the phone that a copy from `known` was made from (the store's own). */
export interface KnownBasis {
  readonly raw: string;
  readonly phone: readonly unknown[];
}

/**
 * A later hop's answer worked out before its round trip, from the session and the phone as
 * `known` gives them: the session moved and answered, what the hop keeps, and the rate limit.
 */
export interface Advance {
  /** What `known` gave it along with the copy: the record and the phone the guess was worked out from. */
  since: KnownBasis;
  session: Session;
  remember: Remember;
  due: DueChange;
  hopsPerWindow: number;
}

/** The USSD sessions' Redis side: a hop is two round trips, `open` then `commit` (a retry, a prepared first screen and a later hop worked out beforehand, one). */
export interface HopStore {
  /** How long the gateway keeps a session; after this a hop gets "session expired". */
  readonly ttlSeconds: number;
  /**
   * One round trip: the phone's hop count in the rate window, its preferences, and `begin`.
   * `first`: written as the new session (`created`, no lease left) when the session is new and the
   * phone has no preferences and no kept payment, on a single Redis (a cluster keeps the phone's
   * keys and the session's in two slots, read by two commands: there it is `new` as before).
   */
  open(hop: HopKey, first?: PreparedFirst, next?: Advance): Promise<{ count: number; prefs: Prefs; opened: Opened }>;
  /**
   * The session as this instance last saved it, and the phone's preferences as that hop read them,
   * when the session's next hop may be worked out before its round trip (a single Redis, the
   * phone unchanged by that hop); a fresh copy each time. `next`, given to `open` with the hop's
   * answer worked out from it, is written (`advanced`, no lease left) when the session, the lease,
   * the wait note and the phone are still as they were and the phone is within its limit;
   * otherwise `open` is as without it.
   */
  known(id: string, phone: string): { session: Session; prefs: Prefs; since: KnownBasis } | undefined;
  /** `begin` again, for a hop waiting for the lease. */
  begin(hop: HopKey): Promise<Opened>;
  /**
   * Saves the session with its cursor and answer and releases the lease, unless another hop holds
   * it now (then nothing is written: false). `clearWait`: the "please wait" note for this text is past.
   * `remember`: the phone's preferences to keep, sent in the same flush.
   */
  commit(session: Session, token: string, clearWait: string | undefined, remember?: Remember, due?: DueChange): Promise<boolean>;
  /** Releases the lease if it is still ours, saving nothing. */
  release(id: string, token: string): Promise<void>;
  /**
   * A waiting hop runs out of time: the answer to its text if it has appeared meanwhile, else notes
   * that the phone is shown "please wait" for it.
   */
  giveUp(hop: HopKey): Promise<{ kind: 'answer'; answer: string } | { kind: 'foreign' } | { kind: 'wait'; language: Language | undefined }>;
  /** The session, read without the lease (an end-of-session notice wants its screen). */
  peek(id: string): Promise<Session | undefined>;
}
