import { gsm7Length } from '../gsm7';
import { DEFAULT_LANGUAGE, type Language } from '../language';
import type { Logger } from '../logging/logger';
import type { PaymentService } from '../payments/types';
import type { RegidesoClient } from '../regideso/types';
import type { Session, SessionStore, SubscriberPrefs } from '../sessions/types';
import { ACTIONS, CHECKS } from './actions';
import { isActionName, isCheckName, type ActionDeps, type ActionResult } from './actions/types';
import { nextInput, normalizeText, normalizeInputs, type GatewayMode, type UssdHop } from './hop';
import type { Menu } from './menu/model';
import type { MenuOption, Screen } from './menu/schema';
import { BACK_KEY, BODY_LIMIT, HOME_KEY, itemKey, liveFill, listItems, listPages, NEXT_KEY, renderScreen, visibleOptions } from './render/screen';
import type { Json, Vars } from './render/template';

export type { UssdHop } from './hop';

export interface UssdEngineDeps {
  menu: Menu;
  sessions: SessionStore;
  /** Language and last reference per phone number. */
  prefs: SubscriberPrefs;
  regideso: RegidesoClient;
  payments: PaymentService;
  minPaymentCentimes: number;
  /** No hop answers later than this (the gateway gives ~10 s): actions are raced against what remains. */
  hopBudgetMs: number;
  logger: Logger;
  now?: () => Date;
  /** How the gateway sends `text`: Africa's Talking sends the whole path (`auto` recognises either). */
  gatewayMode?: GatewayMode;
}

export interface UssdEngine {
  handle(hop: UssdHop): Promise<string>;
}

/** Kept back from the budget for saving the session and writing the answer. */
const SAVE_MARGIN_MS = 400;
const MAX_RESPONSES = 20;
const MAX_HISTORY = 40;
/** A chain of actions longer than this is a loop in the menu. */
const MAX_ACTION_CHAIN = 12;

type ListScreen = Extract<Screen, { type: 'list' }>;
type InputScreen = Extract<Screen, { type: 'input' }>;

/**
 * What one input did: moved on (or back), was refused with an error to show above the screen, or
 * was held because it would run a side-effecting action from a screen the subscriber was not shown.
 */
type Applied = { kind: 'moved' } | { kind: 'error'; key: string } | { kind: 'held' };
const MOVED: Applied = { kind: 'moved' };
const HELD: Applied = { kind: 'held' };
const refused = (key: string): Applied => ({ kind: 'error', key });
const errorOf = (a: Applied): string | undefined => (a.kind === 'error' ? a.key : undefined);

/** Screens from which the action chain can reach a side-effecting action (following action screens only). */
function sideEffectTargets(menu: Menu): Set<string> {
  const out = new Set<string>();
  for (const start of Object.keys(menu.screens)) {
    const seen = new Set<string>();
    const queue = [start];
    while (queue.length > 0) {
      const id = queue.pop() as string;
      if (seen.has(id)) continue;
      seen.add(id);
      const screen = menu.screens[id];
      if (screen?.type !== 'action') continue;
      if (isActionName(screen.action) && ACTIONS[screen.action].sideEffecting === true) {
        out.add(start);
        break;
      }
      queue.push(...Object.values(screen.outcomes));
    }
  }
  return out;
}

/**
 * The interpreter. Each hop takes the session's lock, works out the one new input from the stored
 * cursor, moves through the menu (running actions against the hop's remaining budget), renders the
 * screen, stores it under the hop's `text` (for retries) and saves the session.
 */
export function createUssdEngine(deps: UssdEngineDeps): UssdEngine {
  const { menu, logger } = deps;
  const now = deps.now ?? (() => new Date());
  const gatewayMode = deps.gatewayMode ?? 'auto';
  const actionDeps: ActionDeps = {
    regideso: deps.regideso,
    payments: deps.payments,
    prefs: deps.prefs,
    minPaymentCentimes: deps.minPaymentCentimes,
    logger,
  };
  const engineText = (lang: Language, key: string, vars: Vars = {}) => liveFill(menu, lang)(key, vars);
  // Input patterns come from the menu, fixed for the engine's life: compiled once, not on every hop.
  const patterns = new Map<string, RegExp>();
  const patternOf = (source: string): RegExp => {
    let re = patterns.get(source);
    if (re === undefined) {
      re = new RegExp(source);
      patterns.set(source, re);
    }
    return re;
  };
  const sideEffecting = sideEffectTargets(menu);
  /** Going to `target` is allowed unless it runs a side-effecting action from a screen the subscriber did not see. */
  const mayGo = (target: string, shown: boolean) => shown || !sideEffecting.has(target);

  async function runAction(name: string, s: Session, deadline: number): Promise<ActionResult> {
    const remaining = deadline - Date.now() - SAVE_MARGIN_MS;
    if (!isActionName(name) || remaining <= 0) return { outcome: 'unavailable' };
    const budget = new AbortController();
    const ctx = { vars: { ...s.vars }, phone: s.phone, sessionId: s.id, sessionNonce: String(s.startedAt), language: s.language, signal: budget.signal };
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<ActionResult>((resolve) => {
      timer = setTimeout(() => {
        logger.warn('ussd action overran the hop budget', { sessionId: s.id, action: name, budgetMs: remaining });
        budget.abort();
        resolve({ outcome: 'unavailable' });
      }, remaining);
    });
    const run = ACTIONS[name].run(ctx, actionDeps).catch((err: unknown) => {
      logger.error('ussd action failed', { sessionId: s.id, action: name, err });
      return { outcome: 'unavailable' } satisfies ActionResult;
    });
    try {
      return await Promise.race([run, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  async function goTo(s: Session, next: string, deadline: number): Promise<void> {
    // An error or retry screen is not somewhere to come back to: `0` after its retry skips it.
    const leaving = menu.screens[s.screen];
    if (!(leaving?.type === 'menu' && leaving.transient)) s.history.push({ screen: s.screen, page: s.page });
    if (s.history.length > MAX_HISTORY) s.history.shift();
    let id = next;
    for (let i = 0; i < MAX_ACTION_CHAIN; i++) {
      const screen = menu.screens[id];
      if (screen?.type !== 'action') break;
      const result = await runAction(screen.action, s, deadline);
      Object.assign(s.vars, result.set ?? {});
      if (result.language !== undefined) s.language = result.language;
      id = screen.outcomes[result.outcome] ?? screen.outcomes.unavailable ?? menu.start;
    }
    s.screen = id;
    s.page = 0;
    if (menu.screens[id]?.type === 'end') s.ended = true;
  }

  function setVars(s: Session, set: Record<string, string> | undefined): void {
    for (const [name, value] of Object.entries(set ?? {})) {
      const copy = /^\{([a-zA-Z][a-zA-Z0-9]*)\}$/.exec(value);
      s.vars[name] = copy?.[1] !== undefined ? (s.vars[copy[1]] ?? null) : value;
    }
  }

  async function choose(s: Session, option: MenuOption, deadline: number): Promise<void> {
    setVars(s, option.set);
    await goTo(s, option.next, deadline);
  }

  function validate(screen: InputScreen, value: string, vars: Vars): { ok: true; value: Json } | { ok: false; error: string } {
    let out: Json = value;
    for (const v of screen.validators) {
      switch (v.kind) {
        case 'pattern':
          if (!patternOf(v.pattern).test(value)) return { ok: false, error: v.error };
          break;
        case 'length':
          if (value.length < v.min || value.length > v.max) return { ok: false, error: v.error };
          break;
        case 'range':
          if (!/^-?\d+$/.test(value) || Number(value) < v.min || Number(value) > v.max) return { ok: false, error: v.error };
          break;
        case 'check': {
          if (!isCheckName(v.name)) return { ok: false, error: 'nav.invalid_choice' };
          const r = CHECKS[v.name].run(value, vars, deps.minPaymentCentimes);
          if (!r.ok) return { ok: false, error: v.errors[r.error] ?? 'nav.invalid_choice' };
          out = r.value;
        }
      }
    }
    return { ok: true, value: out };
  }

  /**
   * Applies one input to the session. `shown`: the subscriber was shown the current screen in the
   * previous answer (false while walking through the inputs a first request carries); an input that
   * would run a side-effecting action is held, unapplied, when it is false.
   */
  async function apply(s: Session, raw: string, deadline: number, shown: boolean): Promise<Applied> {
    const input = raw.trim();
    if (input === HOME_KEY) {
      s.history = [];
      s.screen = menu.start;
      s.page = 0;
      return MOVED;
    }
    if (input === BACK_KEY) {
      const prev = s.history.pop();
      s.screen = prev?.screen ?? menu.start;
      s.page = prev?.page ?? 0;
      return MOVED;
    }
    const screen = menu.screens[s.screen];
    if (screen === undefined || screen.type === 'end' || screen.type === 'action') return refused('nav.invalid_choice');
    const option = visibleOptions(screen.options, s.vars).find((o) => o.key === input);
    if (option !== undefined) {
      if (!mayGo(option.option.next, shown)) return HELD;
      await choose(s, option.option, deadline);
      return MOVED;
    }
    switch (screen.type) {
      case 'menu':
        return refused('nav.invalid_choice');
      case 'input': {
        const r = validate(screen, input, s.vars);
        if (!r.ok) return refused(r.error);
        if (!mayGo(screen.next, shown)) return HELD;
        s.vars[screen.store] = r.value;
        await goTo(s, screen.next, deadline);
        return MOVED;
      }
      case 'list':
        return chooseInList(s, screen, input, deadline, shown);
    }
  }

  async function chooseInList(s: Session, screen: ListScreen, input: string, deadline: number, shown: boolean): Promise<Applied> {
    if (input === NEXT_KEY) {
      const pages = listPages(screen, s.vars, liveFill(menu, s.language), s.screen === menu.start);
      if (s.page + 1 >= pages.length) return refused('nav.invalid_choice');
      s.history.push({ screen: s.screen, page: s.page });
      s.page += 1;
      return MOVED;
    }
    if (screen.store === undefined || screen.next === undefined || !/^\d{1,3}$/.test(input)) return refused('nav.invalid_choice');
    const items = listItems(screen, s.vars);
    const index = items.findIndex((_item, i) => itemKey(screen, i) === String(Number(input)));
    const item = items[index];
    if (item === undefined) return refused('nav.invalid_choice');
    if (!mayGo(screen.next, shown)) return HELD;
    s.vars[screen.store] = item;
    await goTo(s, screen.next, deadline);
    return MOVED;
  }

  async function finish(s: Session, text: string, errorKey: string | undefined): Promise<string> {
    const rendered = renderScreen(menu, s.screen, s.page, s.vars, liveFill(menu, s.language), errorKey);
    let body = rendered.body;
    if (gsm7Length(body) > BODY_LIMIT) {
      // The linter rules this out for every declared value; an undeclared extreme (a huge amount) is cut, not sent.
      logger.error('ussd screen over the limit', { sessionId: s.id, screen: s.screen, length: gsm7Length(body) });
      body = body.slice(0, BODY_LIMIT);
    }
    const response = `${rendered.kind} ${body}`;
    if (rendered.kind === 'END') s.ended = true;
    return record(s, text, response);
  }

  async function record(s: Session, text: string, response: string): Promise<string> {
    if (s.interim === text) {
      // The phone now gets the real answer for this text: the "please wait" it may have had is past.
      await deps.sessions.clearInterim(s.id);
      delete s.interim;
    }
    s.responses = [...s.responses.filter(([t]) => t !== text), [text, response] as [string, string]].slice(-MAX_RESPONSES);
    s.text = text;
    s.hops += 1;
    s.updatedAt = now().getTime();
    try {
      await deps.sessions.save(s);
    } catch (err) {
      // The screen is already decided, and may report money that moved (the confirm ran): a
      // failure screen now would invite a second payment. The next hop finds the older cursor and
      // moves forward from it; a replayed confirm finds its payment intent, not a new one.
      logger.error('ussd session not saved: answering the screen anyway', { sessionId: s.id, err });
    }
    return response;
  }

  async function step(hop: UssdHop, deadline: number): Promise<string> {
    const text = normalizeText(hop.text, hop.serviceCode);
    const at = now().getTime();
    const existing = await deps.sessions.get(hop.sessionId);

    if (existing === undefined) {
      const prefs = await deps.prefs.get(hop.phoneNumber);
      const s: Session = {
        id: hop.sessionId,
        phone: hop.phoneNumber,
        menuVersion: menu.version,
        language: prefs.language ?? DEFAULT_LANGUAGE,
        mode: 'cumulative',
        text: '',
        screen: menu.start,
        page: 0,
        history: [],
        vars: { lastRef: prefs.lastRef ?? null, minAmount: deps.minPaymentCentimes },
        responses: [],
        ended: false,
        startedAt: at,
        updatedAt: at,
        hops: 0,
      };
      // A first request may already carry inputs (`*123*1*83262#`): walk forward through them, but
      // stop at a screen whose answer would move money (the confirmation): the subscriber sees it first.
      let applied: Applied = MOVED;
      if (text !== '') {
        for (const input of text.split('*')) {
          if (s.ended) break;
          applied = await apply(s, input, deadline, false);
          if (applied.kind === 'held') break;
        }
      }
      logger.info('ussd session started', { sessionId: s.id, phone: s.phone, network: hop.networkCode, inputs: text === '' ? 0 : text.split('*').length });
      return finish(s, text, errorOf(applied));
    }

    const s = existing;
    if (s.phone !== hop.phoneNumber) {
      logger.warn('ussd session id reused by another phone', { sessionId: s.id, phone: hop.phoneNumber });
      const { language } = await deps.prefs.get(hop.phoneNumber);
      return `END ${engineText(language ?? DEFAULT_LANGUAGE, 'session.invalid')}`;
    }
    if (s.menuVersion !== menu.version) {
      s.ended = true;
      return record(s, text, `END ${engineText(s.language, 'session.outdated')}`);
    }
    const next = nextInput(s, text, gatewayMode);
    if (next.kind === 'retry') {
      logger.debug('ussd retry answered from the session', { sessionId: s.id });
      if (s.interim === text) await deps.sessions.clearInterim(s.id);
      return next.response;
    }
    if (next.kind === 'input' && s.interim !== undefined && s.interim === normalizeInputs(s.text)) {
      // The phone was shown "please wait", not the screen stored under the cursor: what was typed
      // answers the wait screen, so the subscriber now gets that stored screen, and nothing is applied.
      const stored = s.responses.find(([t]) => t === s.text)?.[1];
      if (stored !== undefined) {
        logger.info('ussd stored screen shown after a wait', { sessionId: s.id });
        await deps.sessions.clearInterim(s.id);
        delete s.interim;
        return record(s, text, stored);
      }
    }
    if (at - s.startedAt > deps.sessions.ttlSeconds * 1000) {
      s.ended = true;
      return record(s, text, `END ${engineText(s.language, 'session.expired')}`);
    }
    if (s.ended) return `END ${engineText(s.language, 'session.ended')}`;
    if (next.kind === 'stale') {
      logger.warn('ussd hop from an older point of the session', { sessionId: s.id });
      return s.responses[s.responses.length - 1]?.[1] ?? `END ${engineText(s.language, 'error.internal')}`;
    }
    s.mode = next.mode;
    // One input, typed on the screen the previous answer showed.
    const applied = await apply(s, next.input, deadline, true);
    return finish(s, text, errorOf(applied));
  }

  /**
   * The lock stayed taken for the whole budget (the original of a retry still running): the stored
   * screen if it has appeared meanwhile, else a CON screen asking to wait (an END would kill the
   * session). The wait is noted so the next input answers it rather than the unseen screen.
   */
  async function whileBusy(hop: UssdHop): Promise<string> {
    const text = normalizeText(hop.text, hop.serviceCode);
    const s = await deps.sessions.get(hop.sessionId);
    if (s !== undefined && s.phone !== hop.phoneNumber) return `END ${engineText(DEFAULT_LANGUAGE, 'session.invalid')}`;
    const stored = s?.responses.find(([t]) => normalizeInputs(t) === text)?.[1];
    if (stored !== undefined) return stored;
    logger.warn('ussd session busy for the whole hop budget: asked to wait', { sessionId: hop.sessionId });
    await deps.sessions.noteInterim(hop.sessionId, text);
    return `CON ${engineText(s?.language ?? DEFAULT_LANGUAGE, 'session.wait')}`;
  }

  return {
    async handle(hop) {
      const deadline = Date.now() + deps.hopBudgetMs;
      try {
        // A gateway retry arriving while its original runs waits for it (within this hop's own
        // budget), then finds the original's screen stored under the same text.
        const res = await deps.sessions.withLock(
          hop.sessionId,
          { waitMs: Math.max(0, deadline - Date.now() - SAVE_MARGIN_MS), holdMs: deps.hopBudgetMs + 2000 },
          () => step(hop, deadline),
        );
        if (res.ok) return res.value;
        return await whileBusy(hop);
      } catch (err) {
        logger.error('ussd hop failed', { sessionId: hop.sessionId, err });
        return `END ${engineText(DEFAULT_LANGUAGE, 'error.internal')}`;
      }
    },
  };
}
