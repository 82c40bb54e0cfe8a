import { z } from 'zod';
import type { Vars } from '../../json';
import { maskHolderName } from '../../privacy/masking';
import { isProvince, type Province } from '../../provinces';
import { lookupMember, type LookupLimiter } from '../../sessions/lookup-limit';
import { hasPaidRef } from '../../sessions/subscriber-prefs';
import { amountBounds, amountVars } from './amount';
import { read, type SessionBill } from './reads';
import { defineAction, type ActionContext, type ActionDeps, type ActionResult } from './types';

/**
 * GetFact, kept to what a subscriber owes: bills with a balance above zero, oldest first. A phone
 * that has not paid this reference sees its holder's name masked (`subscriberName`; the whole name,
 * `holderName`, goes only to the payment's record), and counts it among the references it may look
 * up today.
 */
export const FETCH_SETS = ['lookupLimit', 'subscriberName', 'holderName', 'bills', 'total', 'billCount', 'lastRef'];

export const fetchBills = defineAction({
  reads: z.object({ refClient: read.text, province: read.text }),
  sets: FETCH_SETS,
  async run(ctx, deps, v): Promise<ActionResult> {
    return lookUpBills(ctx, deps, v.refClient ?? '', v.province ?? '');
  },
});

/** What `fetchBills` gives for a reference and province: `found` sets the bills the list shows. */
export async function lookUpBills(ctx: ActionContext, deps: ActionDeps, ref: string, province: string): Promise<ActionResult> {
  if (ref === '' || !isProvince(province)) return { outcome: 'not_found' };
  const paid = hasPaidRef(ctx.paidRefs, ref, province);
  const lookups = paid ? undefined : deps.lookups;
  const counted = lookups === undefined ? undefined : await countLookup(ctx, lookups, ref, province);
  if (counted === 'limited') {
    deps.logger.info('reference lookups of the day used up', { sessionId: ctx.sessionId, phone: ctx.phone });
    return { outcome: 'limited', set: { lookupLimit: lookups?.perDay ?? 0 } };
  }
  // The lookup is counted whatever GetFact answers.
  const counting = counted === undefined ? {} : { remember: counted };
  const res = await deps.regideso.getBills(ref, province);
  switch (res.kind) {
    case 'client_not_found':
      lookups?.found('ussd', 'not_found');
      return { outcome: 'not_found', ...counting };
    case 'unauthorized':
    case 'unavailable':
      deps.logger.warn('GetFact failed', { sessionId: ctx.sessionId, kind: res.kind, message: res.message });
      return { outcome: 'unavailable', ...counting };
    case 'ok':
      break;
  }
  lookups?.found('ussd', 'found');
  const unpaid = res.bills
    .filter((b) => b.balanceCentimes > 0)
    .sort((a, b) => a.issuedOn.localeCompare(b.issuedOn) || a.billNumber.localeCompare(b.billNumber));
  const holderName = res.bills[0]?.subscriberName ?? '';
  const names = { subscriberName: paid ? holderName : maskHolderName(holderName), holderName };
  // The province too: a later `*123*<ref>#` goes straight to the bills.
  const remember = { lastRef: ref, lastProvince: province, ...counted };
  if (unpaid.length === 0) return { outcome: 'nothing_unpaid', set: names, remember };
  const bills: SessionBill[] = unpaid.map((b) => ({ faeId: b.faeId, billNumber: b.billNumber, issuedOn: b.issuedOn, balance: b.balanceCentimes }));
  const total = unpaid.reduce((s, b) => s + b.balanceCentimes, 0);
  return {
    outcome: 'found',
    set: { ...names, bills, total, billCount: bills.length, lastRef: ref },
    remember,
  };
}

/**
 * Counts a reference in the phone's set of the day, before GetFact. Under the limit, as the hop's
 * first round trip read it, the hop's first lookup is added with its commit (`remember.lookup`: no
 * round trip of its own). At the limit the set decides (a reference looked up today already is
 * still allowed); so does any further lookup in the same hop (a long dial string), after the
 * first one is made real, so that a hop cannot pass the limit on one stale count.
 */
async function countLookup(ctx: ActionContext, lookups: LookupLimiter, ref: string, province: Province): Promise<{ lookup: string } | undefined | 'limited'> {
  const prefs = ctx.prefs;
  if (prefs?.lookupsToday !== undefined && prefs.lookupsToday < lookups.perDay && prefs.lookupPending === undefined) {
    prefs.lookupPending = { ref, province };
    return { lookup: lookupMember(ref, province) };
  }
  const pending = prefs?.lookupPending;
  if (pending !== undefined) await lookups.take(ctx.phone, pending.ref, pending.province, 'ussd');
  return (await lookups.take(ctx.phone, ref, province, 'ussd')) ? undefined : 'limited';
}

/** A month label for one or several bills, the same in every language: `03/2024` or `03/2024-06/2024 (4)`. */
function billsLabel(bills: SessionBill[]): string {
  const month = (d: string) => `${d.slice(5, 7)}/${d.slice(0, 4)}`;
  const first = bills[0];
  const last = bills[bills.length - 1];
  if (first === undefined || last === undefined) return '';
  if (bills.length === 1) return month(first.issuedOn);
  return `${month(first.issuedOn)}-${month(last.issuedOn)} (${bills.length})`;
}

/** What a selection of bills sets (selectionVars). */
export const SELECTION_SETS = ['selectedIds', 'selectedBalance', 'billsLabel', 'amountMin', 'amountMax', 'otherAmount', 'exactAmount'];

/** Turns the list choice (one bill, or `all`) into the selected bills and their balance. */
export const selectBills = defineAction({
  local: true,
  reads: z.object({ bills: read.bills, selection: read.selection }),
  sets: SELECTION_SETS,
  async run(_ctx, deps, { bills, selection }) {
    const selected = selection === 'all' ? bills : bills.filter((b) => b.faeId === selection?.faeId);
    if (selected.length === 0) return { outcome: 'unavailable' };
    return { outcome: 'selected', set: selectionVars(selected, deps.minPaymentCentimes) };
  },
});

/** The session values of a selection of bills (non-empty): what the amount screen reads. */
export function selectionVars(selected: SessionBill[], minPaymentCentimes: number): Vars {
  const selectedBalance = selected.reduce((s, b) => s + b.balance, 0);
  return {
    selectedIds: selected.map((b) => b.faeId),
    selectedBalance,
    billsLabel: billsLabel(selected),
    // "Other amount" is offered only when some typed amount could pass: a 45,50 CDF leftover
    // under a 100 CDF minimum can only be paid exactly. A wallet's limits narrow this later.
    ...amountVars(amountBounds(selectedBalance, minPaymentCentimes)),
  };
}
