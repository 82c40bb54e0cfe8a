import type { CollectionPort } from '../../collections/types';
import type { Language } from '../../language';
import type { Logger } from '../../logging/logger';
import type { PaymentService } from '../../payments/types';
import type { RegidesoClient } from '../../regideso/types';
import type { LookupLimiter } from '../../sessions/lookup-limit';
import type { PaidRef, Prefs, Remember, SubscriberPrefs } from '../../sessions/types';
import type { Vars } from '../../json';
import type { z } from 'zod';

/** What an action sees of the session. */
export interface ActionContext {
  vars: Readonly<Vars>;
  phone: string;
  sessionId: string;
  /** Drawn when the session started (16 hex digits): with the session id, a payment intent's identity. */
  sessionNonce: string;
  language: Language;
  /** The references this phone has paid (read with the hop's first round trip): their holders' names are shown whole. */
  paidRefs: readonly PaidRef[];
  /** Aborted when the hop's budget runs out: an action making several calls starts no new one after it. */
  signal: AbortSignal;
  /** What this hop read about the phone (a kept payment, the last reference and province, the paid references). */
  prefs?: Prefs | undefined;
}

export interface ActionResult {
  outcome: string;
  set?: Vars;
  language?: Language;
  /** What to keep for the phone's later sessions (written with the hop's session, in the same flush). */
  remember?: Remember;
}

export interface ActionDeps {
  regideso: RegidesoClient;
  payments: PaymentService;
  /** The wallet aggregator when money is collected first; absent when the operator collects upstream. */
  wallet?: CollectionPort | undefined;
  minPaymentCentimes: number;
  logger: Logger;
  /** Distinct references a phone may look up a day; unlimited when absent. */
  lookups?: LookupLimiter | undefined;
  /** Takes a saved account off the phone's list ("My accounts", remove); absent, removing is unavailable. */
  paidRefs?: Pick<SubscriberPrefs, 'forgetPaidRef'> | undefined;
}

export interface ActionDef<S extends z.ZodObject = z.ZodObject> {
  /**
   * The session values the action reads (kinds in reads.ts): the action runner parses them once
   * and hands them to `run`, typed. `menus:check` holds the menu's `store:` names to these.
   */
  reads: S;
  /** The session values its outcomes may set: what `menus:check` takes as set by this action. */
  sets: readonly string[];
  run(ctx: ActionContext, deps: ActionDeps, vars: z.output<S>): Promise<ActionResult>;
  /**
   * The action does something that cannot be taken back (moves money). The engine runs it only on an
   * input typed on a screen the subscriber has just been shown: never while walking through inputs
   * a first request carries, nor on an input typed on a "please wait" screen.
   */
  sideEffecting?: boolean;
  /**
   * The action does no I/O: it works on the session's values and what the hop read of the phone,
   * and what it keeps goes through `remember`, written with the session. A hop may run it on this
   * instance's copy of the session before holding the session, and again if the store refuses that
   * guess (src/ussd/hop-runner.ts). An action that calls REGIDESO or the wallet is only ever run
   * holding the session: one hop at a time, so a retry never doubles its call.
   */
  local?: boolean;
}

/** An action, its reads' types inferred for its body. */
export function defineAction<S extends z.ZodObject>(def: ActionDef<S>): ActionDef<S> {
  return def;
}

/** An input check: a value to store, or the name of the error to show. */
export type CheckResult = { ok: true; value: Vars[string] } | { ok: false; error: string };

export interface CheckDef {
  run(input: string, vars: Readonly<Vars>, minPaymentCentimes: number): CheckResult;
}

/**
 * Every outcome an action can give. `unavailable` is also what the engine uses when an action
 * overruns the hop's budget or throws, so every action has it and every menu must route it.
 */
export const ACTION_OUTCOMES = {
  fetchBills: ['found', 'not_found', 'nothing_unpaid', 'limited', 'unavailable'],
  selectBills: ['selected', 'unavailable'],
  confirmPayment: [
    'succeeded',
    'pending',
    'collecting',
    'collecting_manual',
    'collecting_revive',
    'wallet_no_account',
    'wallet_closed',
    'wallet_refused',
    'mismatch',
    'applied_without_receipt',
    'refused_balance',
    'refused_minimum',
    'refused_client',
    'refused_other',
    'failed',
    'not_recorded',
    'under_way',
    'unavailable',
  ],
  verifyReceipt: ['success', 'success_other', 'failure', 'not_found', 'unavailable'],
  detectWallet: ['none', 'ready', 'delayed', 'ask', 'closed', 'cannot_pay', 'other_bills', 'unavailable'],
  walletRules: ['ready', 'delayed', 'closed', 'cannot_pay', 'other_bills', 'unavailable'],
  setLanguage: ['done', 'unavailable'],
  openSession: ['main', 'resume', 'bills', 'province', 'unavailable'],
  resumePayment: ['confirm', 'amount', 'ask', 'bills', 'nothing_left', 'not_found', 'closed', 'cannot_pay', 'unavailable'],
  dropResume: ['done', 'unavailable'],
  listSaved: ['list', 'none', 'unavailable'],
  forgetSaved: ['done', 'unavailable'],
} as const satisfies Record<string, readonly string[]>;

export type ActionName = keyof typeof ACTION_OUTCOMES;

export const CHECK_ERRORS = {
  amount: ['not_number', 'zero', 'below_min', 'above_balance'],
} as const satisfies Record<string, readonly string[]>;

export type CheckName = keyof typeof CHECK_ERRORS;

export function isActionName(n: string): n is ActionName {
  return Object.hasOwn(ACTION_OUTCOMES, n);
}

export function isCheckName(n: string): n is CheckName {
  return Object.hasOwn(CHECK_ERRORS, n);
}
