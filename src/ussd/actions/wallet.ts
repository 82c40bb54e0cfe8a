import { isProvider, type Provider, type ProviderRules } from '../../collections/types';
import type { Vars } from '../../json';
import { amountBounds, amountVars } from './amount';
import type { ActionContext, ActionDef, ActionDeps, ActionResult } from './types';

/**
 * Which mobile-money wallet pays, and what it accepts. The wallet is told by the phone number
 * (pawaPay's prediction, or the prefix table behind it); when it cannot be, the subscriber is asked.
 * Its limits and decimals then bound the amount screen, so an amount the wallet would refuse is
 * refused there, in the subscriber's language, never after the session ended.
 */
const NAMES: Record<Provider, string> = { VODACOM_MPESA_COD: 'M-Pesa', AIRTEL_COD: 'Airtel Money', ORANGE_COD: 'Orange Money' };

/** The wallet's rules over the selected balance: `ready` with the amount bounds, or why it cannot pay. */
export async function bound(ctx: ActionContext, deps: ActionDeps, provider: Provider): Promise<ActionResult> {
  const rules: ProviderRules[] = (await deps.wallet?.providerRules()) ?? [];
  const rule = rules.find((r) => r.provider === provider);
  const set: Vars = { provider, walletName: NAMES[provider] };
  if (rule === undefined) return { outcome: 'closed', set };
  const balance = typeof ctx.vars.selectedBalance === 'number' ? ctx.vars.selectedBalance : 0;
  const b = amountBounds(balance, deps.minPaymentCentimes, rule);
  const limits = { walletMin: rule.minCentimes, walletMax: rule.maxCentimes };
  if (!b.exact && !b.typed) return { outcome: 'cannot_pay', set: { ...set, ...limits } };
  return { outcome: 'ready', set: { ...set, ...limits, ...amountVars(b) } };
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
