import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { silentLogger } from '../../src/logging/logger';
import type { ConfirmOutcome, PaymentRequest, PaymentService } from '../../src/payments/types';
import { startSandbox, type RunningSandbox } from '../../src/regideso/sandbox/server';
import { createRedisHopStore } from '../../src/sessions/hop-store';
import { createSubscriberPrefs } from '../../src/sessions/subscriber-prefs';
import type { HopStore, SubscriberPrefs } from '../../src/sessions/types';
import { createUssdEngine, type UssdEngine, type UssdEngineDeps } from '../../src/ussd/engine';
import { loadMenu } from '../../src/ussd/menu/load';
import type { Menu } from '../../src/ussd/menu/model';
import type { RedisClient } from '../../src/redis';
import { connectTestRedis, deleteKeys, newTestPrefix } from '../support/redis';
import { sandboxClient } from '../support/regideso';

export const MENU_DIR = path.join(__dirname, '../../menus');

/**
 * A stand-in payment service: the engine is what is under test, so this records what the confirm
 * screen hands over and answers with scripted outcomes (default: succeeded).
 */
export interface RecordingPayments extends PaymentService {
  calls: PaymentRequest[];
  next: ConfirmOutcome[];
}

export function recordingPayments(): RecordingPayments {
  const calls: PaymentRequest[] = [];
  const next: ConfirmOutcome[] = [];
  return {
    calls,
    next,
    async confirm(req) {
      calls.push(req);
      return next.shift() ?? { kind: 'succeeded', numAcquit: `TEST-${calls.length}`, amountCentimes: req.amountCentimes, remainingCentimes: 0 };
    },
  };
}

export interface World {
  menu: Menu;
  sandbox: RunningSandbox;
  redis: RedisClient;
  prefix: string;
  sessions: HopStore;
  prefs: SubscriberPrefs;
  payments: RecordingPayments;
  clock: { offsetMs: number };
  engine: UssdEngine;
  /** A new engine over the same stores (e.g. with a smaller budget). */
  makeEngine(over?: Partial<UssdEngineDeps>): UssdEngine;
  close(): Promise<void>;
}

/** The real sandbox REGIDESO over HTTP, the real client, real Redis under a prefix of our own. */
export async function startWorld(opts: { redis?: RedisClient; hopBudgetMs?: number; regidesoTimeoutMs?: number } = {}): Promise<World> {
  const menu = loadMenu(MENU_DIR);
  const sandbox = await startSandbox();
  const redis = opts.redis ?? connectTestRedis();
  const prefix = newTestPrefix('ussd');
  const sessions = createRedisHopStore(redis, { prefix, ttlSeconds: 180, leaseMs: (opts.hopBudgetMs ?? 8000) + 2000, rateWindowSeconds: 60, prefsTtlSeconds: 3600 });
  const prefs = createSubscriberPrefs(redis, { prefix, ttlSeconds: 3600 });
  const payments = recordingPayments();
  const logger = silentLogger();
  const regideso = sandboxClient(sandbox, { operator: 'TEST', timeoutMs: opts.regidesoTimeoutMs ?? 3000 });
  const clock = { offsetMs: 0 };
  const makeEngine = (over: Partial<UssdEngineDeps> = {}) =>
    createUssdEngine({
      menu,
      sessions,
      regideso,
      payments,
      minPaymentCentimes: 10_000,
      hopBudgetMs: opts.hopBudgetMs ?? 8000,
      logger,
      paidRefs: prefs,
      now: () => new Date(Date.now() + clock.offsetMs),
      ...over,
    });
  return {
    menu,
    sandbox,
    redis,
    prefix,
    sessions,
    prefs,
    payments,
    clock,
    engine: makeEngine(),
    makeEngine,
    async close() {
      await deleteKeys(redis, prefix);
      await sandbox.close();
      if (opts.redis === undefined) await redis.quit();
    },
  };
}

export function newPhone(): string {
  return `+24381${String(Math.floor(Math.random() * 1e7)).padStart(7, '0')}`;
}

export function newSessionId(): string {
  return `ATUid_${randomUUID()}`;
}
