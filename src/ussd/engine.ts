import { gsm7Length, SCREEN_LIMIT } from '../gsm7';
import { DEFAULT_LANGUAGE, type Language } from '../language';
import type { Logger } from '../logging/logger';
import type { PaymentService } from '../payments/types';
import type { RegidesoClient } from '../regideso/types';
import type { Session, SessionStore, SubscriberPrefs } from '../sessions/types';
import { ACTIONS, CHECKS } from './actions';
import { isActionName, isCheckName, type ActionDeps, type ActionResult } from './actions/types';
import { nextInput, normalizeText, type GatewayMode, type UssdHop } from './hop';
import type { Menu } from './menu/model';
import type { MenuOption, Screen } from './menu/schema';
import { BACK_KEY, HOME_KEY, itemKey, liveFill, listItems, listPages, NEXT_KEY, renderScreen, visibleOptions } from './render/screen';
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

  async function runAction(name: string, s: Session, deadline: number): Promise<ActionResult> {
    const remaining = deadline - Date.now() - SAVE_MARGIN_MS;
    if (!isActionName(name) || remaining <= 0) return { outcome: 'unavailable' };
    const ctx = { vars: { ...s.vars }, phone: s.phone, sessionId: s.id, language: s.language };
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<ActionResult>((resolve) => {
      timer = setTimeout(() => {
        logger.warn('ussd action overran the hop budget', { sessionId: s.id, action: name, budgetMs: remaining });
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
    s.history.push({ screen: s.screen, page: s.page });
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
          if (!new RegExp(v.pattern).test(value)) return { ok: false, error: v.error };
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

  /** Applies one input to the session; returns the error text key to show above the screen, if any. */
  async function apply(s: Session, raw: string, deadline: number): Promise<string | undefined> {
    const input = raw.trim();
    if (input === HOME_KEY) {
      s.history = [];
      s.screen = menu.start;
      s.page = 0;
      return undefined;
    }
    if (input === BACK_KEY) {
      const prev = s.history.pop();
      s.screen = prev?.screen ?? menu.start;
      s.page = prev?.page ?? 0;
      return undefined;
    }
    const screen = menu.screens[s.screen];
    if (screen === undefined || screen.type === 'end' || screen.type === 'action') return 'nav.invalid_choice';
    const option = visibleOptions(screen.options, s.vars).find((o) => o.key === input);
    if (option !== undefined) {
      await choose(s, option.option, deadline);
      return undefined;
    }
    switch (screen.type) {
      case 'menu':
        return 'nav.invalid_choice';
      case 'input': {
        const r = validate(screen, input, s.vars);
        if (!r.ok) return r.error;
        s.vars[screen.store] = r.value;
        await goTo(s, screen.next, deadline);
        return undefined;
      }
      case 'list':
        return chooseInList(s, screen, input, deadline);
    }
  }

  async function chooseInList(s: Session, screen: ListScreen, input: string, deadline: number): Promise<string | undefined> {
    if (input === NEXT_KEY) {
      const pages = listPages(screen, s.vars, liveFill(menu, s.language), s.screen === menu.start);
      if (s.page + 1 >= pages.length) return 'nav.invalid_choice';
      s.history.push({ screen: s.screen, page: s.page });
      s.page += 1;
      return undefined;
    }
    if (screen.store === undefined || screen.next === undefined || !/^\d{1,3}$/.test(input)) return 'nav.invalid_choice';
    const items = listItems(screen, s.vars);
    const index = items.findIndex((_item, i) => itemKey(screen, i) === String(Number(input)));
    const item = items[index];
    if (item === undefined) return 'nav.invalid_choice';
    s.vars[screen.store] = item;
    await goTo(s, screen.next, deadline);
    return undefined;
  }

  async function finish(s: Session, text: string, errorKey: string | undefined): Promise<string> {
    const rendered = renderScreen(menu, s.screen, s.page, s.vars, liveFill(menu, s.language), errorKey);
    let body = rendered.body;
    if (gsm7Length(body) > SCREEN_LIMIT) {
      // The linter rules this out for every declared value; an undeclared extreme (a huge amount) is cut, not sent.
      logger.error('ussd screen over the limit', { sessionId: s.id, screen: s.screen, length: gsm7Length(body) });
      body = body.slice(0, SCREEN_LIMIT);
    }
    const response = `${rendered.kind} ${body}`;
    if (rendered.kind === 'END') s.ended = true;
    return record(s, text, response);
  }

  async function record(s: Session, text: string, response: string): Promise<string> {
    s.responses = [...s.responses.filter(([t]) => t !== text), [text, response] as [string, string]].slice(-MAX_RESPONSES);
    s.text = text;
    s.hops += 1;
    s.updatedAt = now().getTime();
    await deps.sessions.save(s);
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
      // A first request may already carry inputs (`*123*1*83262#`): walk forward through them.
      let error: string | undefined;
      if (text !== '') {
        for (const input of text.split('*')) {
          if (s.ended) break;
          error = await apply(s, input, deadline);
        }
      }
      logger.info('ussd session started', { sessionId: s.id, phone: s.phone, network: hop.networkCode, inputs: text === '' ? 0 : text.split('*').length });
      return finish(s, text, error);
    }

    const s = existing;
    if (s.phone !== hop.phoneNumber) {
      logger.warn('ussd session id reused by another phone', { sessionId: s.id, phone: hop.phoneNumber });
      return `END ${engineText(DEFAULT_LANGUAGE, 'error.internal')}`;
    }
    if (s.menuVersion !== menu.version) {
      s.ended = true;
      return record(s, text, `END ${engineText(s.language, 'session.outdated')}`);
    }
    const next = nextInput(s, text, gatewayMode);
    if (next.kind === 'retry') {
      logger.debug('ussd retry answered from the session', { sessionId: s.id });
      return next.response;
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
    const error = await apply(s, next.input, deadline);
    return finish(s, text, error);
  }

  return {
    async handle(hop) {
      const deadline = Date.now() + deps.hopBudgetMs;
      try {
        const res = await deps.sessions.withLock(
          hop.sessionId,
          { waitMs: Math.floor(deps.hopBudgetMs / 2), holdMs: deps.hopBudgetMs + 2000 },
          () => step(hop, deadline),
        );
        if (res.ok) return res.value;
        logger.warn('ussd session busy', { sessionId: hop.sessionId });
        return `END ${engineText(DEFAULT_LANGUAGE, 'session.busy')}`;
      } catch (err) {
        logger.error('ussd hop failed', { sessionId: hop.sessionId, err });
        return `END ${engineText(DEFAULT_LANGUAGE, 'error.internal')}`;
      }
    },
  };
}
