import { PUBLIC_NAMES } from '../../collections/public-names';
import { isProvider, type Provider, type ProviderRules } from '../../collections/types';
import type { Vars } from '../../json';
import { amountBounds, amountVars } from './amount';
import { sessionBills } from './bills';
import type { ActionContext, ActionDef, ActionDeps, ActionResult } from './types';

/**
 * Which mobile-money wallet pays, and what it accepts. The wallet is told by the phone number
 * (pawaPay's prediction, or the prefix table behind it); when it cannot be, the subscriber is asked.
 * Its limits and decimals then bound the amount screen, so an amount the wallet would refuse is
 * refused there, in the subscriber's language, never after the session ended.
 */

/** The wallet's rules over the selected balance: `ready` with the amount bounds, or why it cannot pay. */
export async function bound(ctx: ActionContext, deps: ActionDeps, provider: Provider): Promise<ActionResult> {
  const rules: ProviderRules[] = (await deps.wallet?.providerRules()) ?? [];
  const rule = rules.find((r) => r.provider === provider);
  const set: Vars = { provider, walletName: PUBLIC_NAMES[provider] };
  if (rule === undefined) return { outcome: 'closed', set };
  const balance = typeof ctx.vars.selectedBalance === 'number' ? ctx.vars.selectedBalance : 0;
  const b = amountBounds(balance, deps.minPaymentCentimes, rule);
  const limits = { walletMin: rule.minCentimes, walletMax: rule.maxCentimes };
  if (!b.exact && !b.typed) {
    // Not a dead end while something else on the account can pass: all the bills together, or another one.
    const others = otherChoices(ctx, deps, rule);
    if (others.canPayAll || others.otherBills) return { outcome: 'other_bills', set: { ...set, ...limits, canPayAll: others.canPayAll || null, otherBills: others.otherBills || null } };
    return { outcome: 'cannot_pay', set: { ...set, ...limits } };
  }
  // pawaPay says the wallet's deposits are slow now: the subscriber is told before choosing an amount.
  return { outcome: rule.delayed ? 'delayed' : 'ready', set: { ...set, ...limits, ...amountVars(b) } };
}

/** What the wallet could take instead of a selection it cannot: every bill at once, or some other bill alone. */
function otherChoices(ctx: ActionContext, deps: ActionDeps, rule: ProviderRules): { canPayAll: boolean; otherBills: boolean } {
  if (ctx.vars.selection === 'all') return { canPayAll: false, otherBills: false };
  const passes = (balance: number) => {
    const b = amountBounds(balance, deps.minPaymentCentimes, rule);
    return b.exact || b.typed;
  };
  const selected = Array.isArray(ctx.vars.selectedIds) ? ctx.vars.selectedIds : [];
  const bills = sessionBills(ctx.vars.bills);
  const total = bills.reduce((sum, b) => sum + b.balance, 0);
  return {
    canPayAll: bills.length > 1 && passes(total),
    otherBills: bills.some((b) => !selected.includes(b.faeId) && passes(b.balance)),
  };
}

/** After the bills are chosen: the wallet of this number, or `ask`; `none` when the operator collects upstream. */
export const detectWallet: ActionDef = {
  async run(ctx, deps) {
    if (deps.wallet === undefined) return { outcome: 'none' };
    const provider = await deps.wallet.predictProvider(ctx.phone);
    if (provider === undefined) return { outcome: 'ask' };
    return bound(ctx, deps, provider);
  },
};

/** The wallet the subscriber picked (`provider` set by the menu). */
export const walletRules: ActionDef = {
  async run(ctx, deps) {
    const provider = ctx.vars.provider;
    if (deps.wallet === undefined) return { outcome: 'ready' };
    if (typeof provider !== 'string' || !isProvider(provider)) return { outcome: 'unavailable' };
    return bound(ctx, deps, provider);
  },
};
