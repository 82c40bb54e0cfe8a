import type { CollectionPort } from '../collections/types';
import type { Logger } from '../logging/logger';
import type { Metrics } from '../metrics';
import type { PaymentService } from '../payments/types';
import type { RegidesoClient } from '../regideso/types';
import type { LookupLimiter } from '../sessions/lookup-limit';
import type { HopStore, SubscriberPrefs } from '../sessions/types';
import { createActionRunner } from './action-runner';
import type { GatewayMode } from './cursor';
import { createHopRunner } from './hop-runner';
import type { UssdHop } from './hop';
import { createInterpreter } from './interpreter';
import type { Menu } from './menu/model';

export type { UssdHop } from './hop';

export interface UssdEngineDeps {
  menu: Menu;
  sessions: HopStore;
  regideso: RegidesoClient;
  payments: PaymentService;
  /** The wallet aggregator when money is collected first: the menu asks which wallet and bounds the amount by it. */
  wallet?: CollectionPort | undefined;
  minPaymentCentimes: number;
  /** No hop answers later than this (the gateway gives ~10 s): actions are raced against what remains. */
  hopBudgetMs: number;
  logger: Logger;
  now?: () => Date;
  /** How the gateway sends `text`: Africa's Talking sends the whole path (`auto` recognises either). */
  gatewayMode?: GatewayMode;
  /** Hops one phone may make in the session store's rate window (unlimited when absent). */
  hopsPerWindow?: number;
  /** Counts rate-limited hops in `rate_limited_total{limit="ussd"}` when given. */
  metrics?: Metrics;
  /** Distinct references one phone may look up a day (LOOKUPS_PER_PHONE_DAY); unlimited when absent. */
  lookups?: LookupLimiter;
  /** The phone's preferences, for taking a saved account off its list; removing is unavailable when absent. */
  paidRefs?: Pick<SubscriberPrefs, 'forgetPaidRef'> | undefined;
}

export interface UssdEngine {
  handle(hop: UssdHop): Promise<string>;
}

/** The USSD engine: what `/ussd` calls. Wires the hop runner over the menu interpreter and its actions (hop-runner.ts says how a hop runs). */
export function createUssdEngine(deps: UssdEngineDeps): UssdEngine {
  const { logger } = deps;
  return createHopRunner({
    store: deps.sessions,
    interpreter: createInterpreter({ menu: deps.menu, minPaymentCentimes: deps.minPaymentCentimes, logger }),
    runAction: createActionRunner({ regideso: deps.regideso, payments: deps.payments, wallet: deps.wallet, minPaymentCentimes: deps.minPaymentCentimes, logger, lookups: deps.lookups, paidRefs: deps.paidRefs }),
    hopBudgetMs: deps.hopBudgetMs,
    gatewayMode: deps.gatewayMode ?? 'auto',
    hopsPerWindow: deps.hopsPerWindow ?? Number.POSITIVE_INFINITY,
    logger,
    ...(deps.metrics === undefined ? {} : { metrics: deps.metrics }),
    now: deps.now ?? (() => new Date()),
  });
}
