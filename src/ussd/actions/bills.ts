import { maskHolderName } from '../../privacy/masking';
import { isProvince } from '../../provinces';
import { hasPaidRef } from '../../sessions/subscriber-prefs';
import { amountBounds, amountVars } from './amount';
import type { Json, Vars } from '../../json';
import type { ActionContext, ActionDef, ActionDeps, ActionResult } from './types';

/** A bill as kept in the session (JSON): what the list shows and the payment needs. */
export type SessionBill = {
  faeId: string;
  billNumber: string;
  issuedOn: string;
  balance: number;
};

export function sessionBills(v: Json | undefined): SessionBill[] {
  if (!Array.isArray(v)) return [];
  const out: SessionBill[] = [];
  for (const b of v) {
    if (b === null || typeof b !== 'object' || Array.isArray(b)) continue;
    const { faeId, billNumber, issuedOn, balance } = b;
    if (typeof faeId === 'string' && typeof billNumber === 'string' && typeof issuedOn === 'string' && typeof balance === 'number') {
      out.push({ faeId, billNumber, issuedOn, balance });
    }
  }
  return out;
}

function str(v: Json | undefined): string {
  return typeof v === 'string' ? v : '';
}

/**
 * GetFact, kept to what a subscriber owes: bills with a balance above zero, oldest first. A phone
 * that has not paid this reference sees its holder's name masked (`subscriberName`; the whole name,
 * `holderName`, goes only to the payment's record), and counts it among the references it may look
 * up today.
 */
export const fetchBills: ActionDef = {
  async run(ctx, deps): Promise<ActionResult> {
    return lookUpBills(ctx, deps, str(ctx.vars.refClient), str(ctx.vars.province));
  },
};

/** What `fetchBills` gives for a reference and province: `found` sets the bills the list shows. */
export async function lookUpBills(ctx: ActionContext, deps: ActionDeps, ref: string, province: string): Promise<ActionResult> {
  if (ref === '' || !isProvince(province)) return { outcome: 'not_found' };
  const paid = hasPaidRef(ctx.paidRefs, ref, province);
  if (!paid && deps.lookups !== undefined && !(await deps.lookups.take(ctx.phone, ref, province, 'ussd'))) {
    deps.logger.info('reference lookups of the day used up', { sessionId: ctx.sessionId, phone: ctx.phone });
    return { outcome: 'limited', set: { lookupLimit: deps.lookups.perDay } };
  }
  const res = await deps.regideso.getBills(ref, province);
  switch (res.kind) {
    case 'client_not_found':
      if (!paid) deps.lookups?.found('ussd', 'not_found');
      return { outcome: 'not_found' };
    case 'unauthorized':
    case 'unavailable':
      deps.logger.warn('GetFact failed', { sessionId: ctx.sessionId, kind: res.kind, message: res.message });
      return { outcome: 'unavailable' };
    case 'ok':
      break;
  }
  if (!paid) deps.lookups?.found('ussd', 'found');
  const unpaid = res.bills
    .filter((b) => b.balanceCentimes > 0)
    .sort((a, b) => a.issuedOn.localeCompare(b.issuedOn) || a.billNumber.localeCompare(b.billNumber));
  const holderName = res.bills[0]?.subscriberName ?? '';
  const names = { subscriberName: paid ? holderName : maskHolderName(holderName), holderName };
  // The province too: a later `*123*<ref>#` goes straight to the bills.
  const remember = { lastRef: ref, lastProvince: province };
  if (unpaid.length === 0) return { outcome: 'nothing_unpaid', set: names, remember };
  const bills: SessionBill[] = unpaid.map((b) => ({ faeId: b.faeId, billNumber: b.billNumber, issuedOn: b.issuedOn, balance: b.balanceCentimes }));
  const total = unpaid.reduce((s, b) => s + b.balanceCentimes, 0);
  return {
    outcome: 'found',
    set: { ...names, bills, total, billCount: bills.length, lastRef: ref },
    remember,
  };
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

/** Turns the list choice (one bill, or `all`) into the selected bills and their balance. */
export const selectBills: ActionDef = {
  async run(ctx, deps) {
    const all = sessionBills(ctx.vars.bills);
    const choice = ctx.vars.selection;
    let selected: SessionBill[];
    if (choice === 'all') selected = all;
    else {
      const [one] = sessionBills([choice ?? null]);
      selected = one === undefined ? [] : all.filter((b) => b.faeId === one.faeId);
    }
    if (selected.length === 0) return { outcome: 'unavailable' };
    return { outcome: 'selected', set: selectionVars(selected, deps.minPaymentCentimes) };
  },
};

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
