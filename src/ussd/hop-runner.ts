import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { rateLimitedCounter } from '../channel-metrics';
import { DEFAULT_LANGUAGE, type Language } from '../language';
import type { Logger } from '../logging/logger';
import type { Metrics } from '../metrics';
import type { Advance, DueChange, HopKey, HopStore, PreparedFirst, Prefs, Remember, Session, SessionState } from '../sessions/types';
import { isLocal, SAVE_MARGIN_MS, type RunAction } from './action-runner';
import { nextPath, type GatewayMode } from './cursor';
import { normalizeText, type UssdHop } from './hop';
import type { Act, Interpreter } from './interpreter';

export interface HopRunnerDeps {
  store: HopStore;
  interpreter: Interpreter;
  runAction: RunAction;
  /** No hop answers later than this (the gateway gives ~10 s): actions are raced against what remains. */
  hopBudgetMs: number;
  /** How the gateway sends `text`: Africa's Talking sends the whole path (`auto` recognises either). */
  gatewayMode: GatewayMode;
  /** Hops a phone may make in the store's rate window; past it the session ends politely. */
  hopsPerWindow: number;
  logger: Logger;
  metrics?: Metrics;
  now: () => Date;
}

/** Ends a guess that meets an action with I/O (one object: a stack trace per hop 4 would be waste). */
const WAITS_FOR_SESSION = new Error('an action with I/O runs holding the session');

/** A waiting retry asks again after this, then twice as long each time, up to the cap. */
const FIRST_WAIT_MS = 20;
const MAX_WAIT_MS = 400;

/**
 * The hop runner (the telco's gateway is Africa's Talking; this runs our side of one hop): a hop's
 * session I/O, and everything the telco's behaviour asks of it. Two Redis round trips a hop: `open`
 * (rate count, preferences, and `begin`, which answers a retry from the record or takes the
 * session's lease) and `commit` (the session and its answer, the lease released if still ours);
 * each one script on a single Redis, the phone's and the session's parts sent together on a
 * cluster, whose slots keep them apart. On a single Redis, two kinds of hop are `open` alone: a
 * new subscriber's first dial (see `blank`), and a later hop through screens on the instance that
 * answered the one before, worked out first and written by `open` if nothing changed meanwhile
 * (see `guess`). One hop at a time per session; a retry that finds its original still running
 * waits for it with a growing backoff, and past the budget asks the phone to wait.
 * What the hop means for the menu is the interpreter's business.
 */
export function createHopRunner(deps: HopRunnerDeps): { handle(hop: UssdHop): Promise<string> } {
  const { store, interpreter: interp, logger } = deps;
  const menu = interp.menu;
  const limited = deps.metrics === undefined ? undefined : rateLimitedCounter(deps.metrics);
  const end = (language: Language, key: string) => `END ${interp.text(language, key)}`;
  const resumable = new Set(menu.resumable ?? []);
  // A lease's owner needs only to be unique among every instance's hops (it never leaves Redis):
  // this instance's random prefix and a count, without drawing randomness on every hop.
  const leasePrefix = randomBytes(12).toString('base64url');
  let leases = 0;
  // A session's nonce: 8 random bytes, drawn from a pool (a small randomBytes call costs as much as a large one).
  let pool = Buffer.alloc(0);
  let drawn = 0;
  const nonce = (): string => {
    if (drawn + 8 > pool.length) {
      pool = randomBytes(1024);
      drawn = 0;
    }
    drawn += 8;
    return pool.toString('hex', drawn - 8, drawn);
  };

  /**
   * Runs actions for this hop; what they ask to keep for the phone is gathered for the commit.
   * `prefs`: this hop's own read of the phone's preferences (a payment settled since the session
   * began counts), for the action that picks the first screen and for the paid references.
   */
  const actFor =
    (s: Session, deadline: number, remember: Remember, prefs: Prefs): Act =>
    async (name, state) => {
      const ctx = { vars: { ...state.vars }, phone: s.phone, sessionId: s.id, sessionNonce: s.nonce, language: state.language, prefs, paidRefs: prefs.paidRefs };
      const result = await deps.runAction(name, ctx, deadline);
      Object.assign(remember, result.remember);
      return result;
    };

  /** A session reaching a screen a dropped payment resumes from is watched until it expires (src/resume). */
  const dueChange = (before: string | undefined, s: Session): DueChange => {
    if (resumable.has(s.screen)) return before === s.screen ? undefined : 'enter';
    return before !== undefined && resumable.has(before) ? 'leave' : undefined;
  };

  /** Moves the session's cursor to the hop's text, with the answer it gets. */
  const answered = (s: Session, text: string, answer: string): void => {
    if (s.hops > 0) s.prevText = s.text;
    s.text = text;
    s.answer = answer;
    s.hops += 1;
  };

  /**
   * Records `answer` as the answer to the hop's text and saves the session, releasing the lease.
   * `before`: the screen the hop started from (undefined on a first hop).
   */
  async function commit(s: Session, key: HopKey, answer: string, clearWait: string | undefined, remember: Remember = {}, before?: string): Promise<string> {
    answered(s, key.text, answer);
    try {
      if (!(await store.commit(s, key.token, clearWait, remember, dueChange(before, s)))) logger.warn('ussd session held by another hop at commit: not saved', { sessionId: s.id });
    } catch (err) {
      // The screen is already decided, and may report money that moved (the confirm ran): a
      // failure screen now would invite a second payment. The next hop finds the older cursor and
      // moves forward from it; a replayed confirm finds its payment intent, not a new one.
      logger.error('ussd session not saved: answering the screen anyway', { sessionId: s.id, err });
    }
    return answer;
  }

  const newSession = (key: HopKey, serviceCode: string, state: SessionState): Session => ({
    ...state,
    id: key.id,
    phone: key.phone,
    nonce: nonce(),
    menuVersion: menu.version,
    shape: deps.gatewayMode === 'last' ? 'last' : 'unknown',
    text: '',
    answer: '',
    prevText: undefined,
    startedAt: deps.now().getTime(),
    hops: 0,
    serviceCode: serviceCode.trim(),
  });

  /**
   * The first screen of a phone with nothing remembered, dialling with no input: learnt from the
   * first such hop this process answers (the open action's outcome depends on the phone's
   * preferences and a dialled reference alone, src/ussd/actions/resume.ts), then offered to the
   * store with every such hop, which writes it itself when the phone has nothing remembered:
   * the hop is answered in one round trip.
   */
  let blank: { state: SessionState; answer: string } | undefined;
  const learnBlank = (prefs: Prefs, key: HopKey, s: Session, error: string | undefined, remember: Remember, answer: string): void => {
    // Nothing to keep for the phone, and no resume watch to start: the store writes the record alone.
    if (blank !== undefined || key.text !== '' || error !== undefined || s.ended || resumable.has(s.screen) || Object.keys(remember).length > 0) return;
    if (prefs.language !== undefined || prefs.lastRef !== undefined || prefs.lastProvince !== undefined || prefs.paidRefs.length > 0 || prefs.kept !== undefined) return;
    const { language, screen, page, history, vars, ended } = s;
    blank = { state: structuredClone({ language, screen, page, history, vars, ended }), answer };
  };
  const prepared = (key: HopKey, serviceCode: string): PreparedFirst | undefined => {
    if (blank === undefined || key.text !== '') return undefined;
    const session = newSession(key, serviceCode, blank.state);
    answered(session, '', blank.answer);
    return { session, hopsPerWindow: deps.hopsPerWindow };
  };

  /**
   * A later hop worked out before its round trip, from the session as this instance last saved it
   * (`store.known`): offered to `open`, which writes it when nothing has changed since, so the
   * hop is one round trip. Only an input that moves the session on (no retry, no older hop, a
   * gateway sending the whole path) through screens and actions that do no I/O (`local`): a guess
   * that meets an action calling REGIDESO or the wallet, or moving money, is dropped, and the hop
   * goes the usual way, holding the session while that action runs.
   */
  async function guess(key: HopKey, deadline: number): Promise<(Advance & { answer: string }) | undefined> {
    if (key.lastOnly || key.text === '') return undefined;
    const known = store.known(key.id, key.phone);
    if (known === undefined) return undefined;
    const { session: s, prefs, since } = known;
    if (s.menuVersion !== menu.version || s.ended || key.text === s.prevText || deps.now().getTime() - s.startedAt > store.ttlSeconds * 1000) return undefined;
    const step = nextPath(s, key.text, deps.gatewayMode);
    if (step.kind !== 'inputs' || step.shape === 'last') return undefined;
    s.shape = step.shape;
    const remember: Remember = {};
    const before = s.screen;
    const act = actFor(s, deadline, remember, prefs);
    try {
      const error = await interp.walk(s, step.path, true, (name, state) => (isLocal(name) ? act(name, state) : Promise.reject(WAITS_FOR_SESSION)));
      const answer = interp.answer(s, error);
      answered(s, key.text, answer);
      return { since, session: s, remember, due: dueChange(before, s), hopsPerWindow: deps.hopsPerWindow, answer };
    } catch {
      return undefined;
    }
  }

  async function first(key: HopKey, prefs: Prefs, deadline: number, serviceCode: string): Promise<string> {
    const s = newSession(key, serviceCode, interp.start(prefs));
    // The first screen may depend on the phone (a payment to resume) or on a reference dialled
    // with the code. A first request may already carry inputs (`*123*1*83262#`): walked through,
    // holding before a screen whose answer would move money (the confirmation): the subscriber sees it first.
    const remember: Remember = {};
    const act = actFor(s, deadline, remember, prefs);
    const rest = await interp.open(s, key.text, act);
    const error = rest === undefined ? undefined : await interp.walk(s, rest, false, act);
    const answer = interp.answer(s, error);
    learnBlank(prefs, key, s, error, remember, answer);
    started(key);
    return commit(s, key, answer, undefined, remember);
  }

  // Debug, not info: each session is logged at info once, when its end-of-session notice comes
  // (outcome, hops, screen); a second line per session cost winston's formatting on the hop path.
  const started = (key: HopKey): void => {
    if (logger.isLevelEnabled('debug')) logger.debug('ussd session started', { sessionId: key.id, phone: key.phone, inputs: key.text === '' ? 0 : key.text.split('*').length });
  };

  async function next(key: HopKey, s: Session, wait: string | undefined, deadline: number, prefs: Prefs): Promise<string> {
    if (s.menuVersion !== menu.version) {
      s.ended = true;
      return commit(s, key, end(s.language, 'session.outdated'), undefined);
    }
    const step = nextPath(s, key.text, deps.gatewayMode);
    if (step.kind === 'inputs' && wait !== undefined && wait === s.text) {
      // The phone was shown "please wait", not the answer stored under the cursor: what was typed
      // answers the wait screen, so the phone now gets that answer, and nothing is applied.
      logger.info('ussd stored screen shown after a wait', { sessionId: s.id });
      s.shape = step.shape;
      return commit(s, key, s.answer, wait);
    }
    if (deps.now().getTime() - s.startedAt > store.ttlSeconds * 1000) {
      s.ended = true;
      return commit(s, key, end(s.language, 'session.expired'), undefined);
    }
    if (s.ended || step.kind === 'stale') {
      await store.release(s.id, key.token);
      if (s.ended) return end(s.language, 'session.ended');
      logger.warn('ussd hop from an older point of the session', { sessionId: s.id });
      return s.answer;
    }
    s.shape = step.shape;
    // The first input answers the screen the previous answer showed.
    const remember: Remember = {};
    const before = s.screen;
    const error = await interp.walk(s, step.path, true, actFor(s, deadline, remember, prefs));
    return commit(s, key, interp.answer(s, error), wait === key.text ? wait : undefined, remember, before);
  }

  /** The lease stayed taken for the whole budget (the original of a retry still running). */
  async function giveUp(key: HopKey, language: Language): Promise<string> {
    const g = await store.giveUp(key);
    if (g.kind === 'answer') return g.answer;
    if (g.kind === 'foreign') return end(language, 'session.invalid');
    // A CON (an END would kill the session); the wait is noted so the next input answers it rather than the unseen screen.
    logger.warn('ussd session busy for the whole hop budget: asked to wait', { sessionId: key.id });
    return `CON ${interp.text(g.language ?? language, 'session.wait')}`;
  }

  async function handle(hop: UssdHop): Promise<string> {
    const deadline = Date.now() + deps.hopBudgetMs;
    const key: HopKey = {
      id: hop.sessionId,
      phone: hop.phoneNumber,
      text: normalizeText(hop.text, hop.serviceCode),
      token: `${leasePrefix}${(leases++).toString(36)}`,
      lastOnly: deps.gatewayMode === 'last',
    };
    let holding = false;
    try {
      const offer = prepared(key, hop.serviceCode);
      const ahead = offer === undefined ? await guess(key, deadline) : undefined;
      const { count, prefs, opened } = await store.open(key, offer, ahead);
      const language = prefs.language ?? DEFAULT_LANGUAGE;
      let o = opened;
      holding = o.kind === 'new' || o.kind === 'session' || o.kind === 'unreadable';
      if (count > deps.hopsPerWindow) {
        // A person types a hop every few seconds: this is a script.
        if (holding) await store.release(key.id, key.token);
        holding = false;
        limited?.inc({ limit: 'ussd' });
        if (count === deps.hopsPerWindow + 1) logger.warn('rate limit reached', { limit: 'ussd', phoneNumber: key.phone });
        return end(language, 'session.limited');
      }
      let pause = FIRST_WAIT_MS;
      while (o.kind === 'busy') {
        const left = deadline - SAVE_MARGIN_MS - Date.now();
        if (left <= 0) return await giveUp(key, language);
        await sleep(Math.min(pause, left));
        pause = Math.min(pause * 2, MAX_WAIT_MS);
        o = await store.begin(key);
      }
      holding = o.kind === 'new' || o.kind === 'session' || o.kind === 'unreadable';
      switch (o.kind) {
        case 'answer':
          if (logger.isLevelEnabled('debug')) logger.debug('ussd retry answered from the session', { sessionId: key.id });
          return o.answer;
        case 'foreign':
          logger.warn('ussd session id reused by another phone', { sessionId: key.id, phone: key.phone });
          return end(language, 'session.invalid');
        case 'unreadable':
          // Written by another version of the product (a deploy mid-session): not reinterpreted.
          await store.release(key.id, key.token);
          holding = false;
          return end(language, 'session.outdated');
        case 'created':
          started(key);
          return offer?.session.answer ?? end(language, 'error.internal');
        case 'advanced':
          return ahead?.answer ?? end(language, 'error.internal');
        case 'new':
          return await first(key, prefs, deadline, hop.serviceCode);
        case 'session':
          return await next(key, o.session, o.wait, deadline, prefs);
      }
    } catch (err) {
      logger.error('ussd hop failed', { sessionId: key.id, err });
      // A lease left behind would hold the session's next hop until it expires.
      if (holding) await store.release(key.id, key.token).catch(() => undefined);
      return end(DEFAULT_LANGUAGE, 'error.internal');
    }
  }

  return { handle };
}
