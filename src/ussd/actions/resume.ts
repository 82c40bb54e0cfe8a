import { z } from 'zod';
import type { Json, Vars } from '../../json';
import { maskHolderName } from '../../privacy/masking';
import { isProvince } from '../../provinces';
import type { KeptPayment } from '../../sessions/kept-payment';
import { FETCH_SETS, lookUpBills, SELECTION_SETS, selectionVars } from './bills';
import { read, sessionBills } from './reads';
import { defineAction, type ActionResult } from './types';
import { bound, selectionReads, WALLET_SETS } from './wallet';

/**
 * A session's first screen, and a dropped payment brought back. The open action picks the first
 * screen from what the hop's first round trip read about the phone: a kept payment (offered when
 * nothing was typed, or when its reference was dialled), a reference dialled with the code (its
 * bills when the phone's last province for it is known, else the province), or the main menu.
 * The choice is computed, so another entry adds an outcome here and a screen. (Saved accounts are
 * options of the main menu, from values the session starts with: screens/saved.yaml.)
 * It reads nothing but those: the hop runner reuses the first screen of a phone with nothing
 * remembered for every such phone (src/ussd/hop-runner.ts, `blank`).
 */
/** What the offer of a kept payment sets, and starting afresh clears. */
const OFFER_SETS = ['refClient', 'province', 'resumeName', 'resumeAmount', 'selectedIds', 'amount', 'provider'];

export const openSession = defineAction({
  reads: z.object({ refClient: read.text }),
  sets: OFFER_SETS,
  async run(ctx, _deps, { refClient: dialled }) {
    const kept = ctx.prefs?.kept;
    if (kept !== undefined && (dialled === undefined || dialled === kept.refClient)) return { outcome: 'resume', set: offerVars(kept) };
    if (dialled === undefined) return { outcome: 'main' };
    const province = ctx.prefs?.lastRef === dialled ? ctx.prefs.lastProvince : undefined;
    if (province !== undefined && isProvince(province)) return { outcome: 'bills', set: { province } };
    return { outcome: 'province' };
  },
});

/** What the offer shows and continuing needs: the kept choice, in the session's own values. */
function offerVars(k: KeptPayment): Vars {
  return {
    refClient: k.refClient,
    province: k.province,
    resumeName: k.maskedName,
    resumeAmount: k.amountCentimes ?? k.balanceCentimes,
    selectedIds: k.billIds,
    amount: k.amountCentimes ?? null,
    provider: k.provider ?? null,
  };
}

/** "Start afresh": the kept payment is forgotten, and the session's copy of it cleared. */
export const dropResume = defineAction({
  local: true,
  reads: z.object({}),
  sets: OFFER_SETS,
  async run() {
    const set: Vars = { refClient: null, province: null, resumeName: null, resumeAmount: null, selectedIds: null, amount: null, provider: null };
    return { outcome: 'done', set, remember: { resume: 'dropped' } };
  },
});

/**
 * "Continue": the bills are read again (GetFact) and the kept choice corrected by what changed
 * meanwhile: a bill paid since is dropped, the amount is brought within the new balance and the
 * wallet's limits. It lands on the confirmation (or the amount screen, when no amount had been
 * chosen or the old one no longer fits), never further: only a fresh confirmation key pays.
 */
export const resumePayment = defineAction({
  reads: selectionReads.extend({ refClient: read.text, province: read.text, provider: read.provider, amount: read.number }),
  sets: [...FETCH_SETS, ...SELECTION_SETS, ...WALLET_SETS, 'amount'],
  async run(ctx, deps, v): Promise<ActionResult> {
    const ids = v.selectedIds;
    const found = await lookUpBills(ctx, deps, v.refClient ?? '', v.province ?? '');
    switch (found.outcome) {
      case 'found':
        break;
      case 'nothing_unpaid':
        return { ...found, outcome: 'nothing_left' };
      default:
        return found;
    }
    const set: Vars = { ...found.set };
    const selected = sessionBills(set.bills).filter((b) => ids.includes(b.faeId));
    // Every chosen bill was paid meanwhile, others are still owed: the list of what is owed now.
    if (selected.length === 0) return { ...found, outcome: 'bills', set: { ...set, selectedIds: null, amount: null } };
    Object.assign(set, selectionVars(selected, deps.minPaymentCentimes));
    const result = (outcome: string): ActionResult => ({ outcome, set, ...(found.remember === undefined ? {} : { remember: found.remember }) });
    if (deps.wallet !== undefined) {
      const provider = v.provider ?? (await deps.wallet.predictProvider(ctx.phone));
      if (provider === undefined) return result('ask');
      const rules = await bound(selectionReads.parse({ ...v, ...set }), deps, provider);
      Object.assign(set, rules.set);
      // A slow wallet was announced before the first confirmation: the resume goes on. A bill the
      // wallet cannot take now leads back to the list of what is owed.
      if (rules.outcome === 'other_bills') return result('bills');
      if (rules.outcome !== 'ready' && rules.outcome !== 'delayed') return result(rules.outcome);
    }
    const amount = v.amount === undefined ? undefined : amountNow(v.amount, set);
    set.amount = amount ?? null;
    return result(amount === undefined ? 'amount' : 'confirm');
  },
});

/**
 * The amount chosen before the drop, as it can be paid now (`v`: the selection's and the wallet's
 * bounds, amount.ts). At or above the new balance it becomes the balance, or the most a typed
 * amount may be when the wallet does not take the exact balance; below it, it stays when it still
 * passes. Undefined: the subscriber chooses again.
 */
export function amountNow(kept: number, v: Vars): number | undefined {
  const balance = num(v.selectedBalance);
  const min = num(v.amountMin);
  const max = num(v.amountMax);
  const typed = v.otherAmount === true;
  if (kept >= balance) return v.exactAmount === true ? balance : typed ? max : undefined;
  return typed && kept % 100 === 0 && kept >= min && kept <= max ? kept : undefined;
}

const keptReads = z.object({
  refClient: read.text,
  province: read.province,
  subscriberName: read.text,
  selectedIds: read.strings,
  selectedBalance: read.number,
  amount: read.number,
  provider: read.provider,
});

/**
 * The payment a session holds, to keep when the network drops it: what the subscriber chose on
 * the bills, wallet and amount screens. Undefined when the session holds no such choice.
 */
export function keptPaymentOf(vars: Readonly<Vars>): KeptPayment | undefined {
  const v = keptReads.parse(vars);
  const { refClient, province, selectedBalance, amount } = v;
  if (refClient === undefined || province === undefined) return undefined;
  if (v.selectedIds.length === 0 || selectedBalance === undefined || selectedBalance <= 0) return undefined;
  return {
    refClient,
    province,
    // Masked whatever the phone may see: the resume SMS and screen travel further than a session.
    maskedName: maskHolderName(v.subscriberName ?? ''),
    billIds: v.selectedIds,
    balanceCentimes: selectedBalance,
    amountCentimes: amount !== undefined && amount > 0 ? amount : undefined,
    provider: v.provider,
  };
}

function num(v: Json | undefined): number {
  return typeof v === 'number' ? v : 0;
}
