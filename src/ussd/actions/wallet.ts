import { z } from 'zod';
import { PUBLIC_NAMES } from '../../collections/public-names';
import type { Provider, ProviderRules } from '../../collections/types';
import type { Vars } from '../../json';
import { amountBounds, amountVars } from './amount';
import { read } from './reads';
import { defineAction, type ActionDeps, type ActionResult } from './types';

/**
 * Which mobile-money wallet pays, and what it accepts. The wallet is told by the phone number
 * (pawaPay's prediction, or the prefix table behind it); when it cannot be, the subscriber is asked.
 * Its limits and decimals then bound the amount screen, so an amount the wallet would refuse is
 * refused there, in the subscriber's language, never after the session ended.
 */

/** What the wallet's rules are checked against: the selection and the bills it was made from. */
export const selectionReads = z.object({ selectedBalance: read.number, selection: read.selection, selectedIds: read.strings, bills: read.bills });
type SelectionReads = z.output<typeof selectionReads>;

/** The wallet's rules over the selected balance: `ready` with the amount bounds, or why it cannot pay. */
export async function bound(v: SelectionReads, deps: ActionDeps, provider: Provider): Promise<ActionResult> {
  const rules: ProviderRules[] = (await deps.wallet?.providerRules()) ?? [];
  const rule = rules.find((r) => r.provider === provider);
  const set: Vars = { provider, walletName: PUBLIC_NAMES[provider] };
  if (rule === undefined) return { outcome: 'closed', set };
  const b = amountBounds(v.selectedBalance ?? 0, deps.minPaymentCentimes, rule);
  const limits = { walletMin: rule.minCentimes, walletMax: rule.maxCentimes };
  if (!b.exact && !b.typed) {
    // Not a dead end while something else on the account can pass: all the bills together, or another one.
    const others = otherChoices(v, deps, rule);
    if (others.canPayAll || others.otherBills) return { outcome: 'other_bills', set: { ...set, ...limits, canPayAll: others.canPayAll || null, otherBills: others.otherBills || null } };
    return { outcome: 'cannot_pay', set: { ...set, ...limits } };
  }
  // pawaPay says the wallet's deposits are slow now: the subscriber is told before choosing an amount.
  return { outcome: rule.delayed ? 'delayed' : 'ready', set: { ...set, ...limits, ...amountVars(b) } };
}

/** What the wallet could take instead of a selection it cannot: every bill at once, or some other bill alone. */
function otherChoices(v: SelectionReads, deps: ActionDeps, rule: ProviderRules): { canPayAll: boolean; otherBills: boolean } {
  if (v.selection === 'all') return { canPayAll: false, otherBills: false };
  const passes = (balance: number) => {
    const b = amountBounds(balance, deps.minPaymentCentimes, rule);
    return b.exact || b.typed;
  };
  const total = v.bills.reduce((sum, b) => sum + b.balance, 0);
  return {
    canPayAll: v.bills.length > 1 && passes(total),
    otherBills: v.bills.some((b) => !v.selectedIds.includes(b.faeId) && passes(b.balance)),
  };
}

/** What the wallet's rules may set. */
export const WALLET_SETS = ['provider', 'walletName', 'walletMin', 'walletMax', 'canPayAll', 'otherBills', 'amountMin', 'amountMax', 'otherAmount', 'exactAmount'];

/** After the bills are chosen: the wallet of this number, or `ask`; `none` when the operator collects upstream. */
export const detectWallet = defineAction({
  reads: selectionReads,
  sets: WALLET_SETS,
  async run(ctx, deps, v) {
    if (deps.wallet === undefined) return { outcome: 'none' };
    const provider = await deps.wallet.predictProvider(ctx.phone);
    if (provider === undefined) return { outcome: 'ask' };
    return bound(v, deps, provider);
  },
});

/** The wallet the subscriber picked (`provider` set by the menu). */
export const walletRules = defineAction({
  reads: selectionReads.extend({ provider: read.provider }),
  sets: WALLET_SETS,
  async run(_ctx, deps, v) {
    if (deps.wallet === undefined) return { outcome: 'ready' };
    if (v.provider === undefined) return { outcome: 'unavailable' };
    return bound(v, deps, v.provider);
  },
});
