import { z } from 'zod';
import { PUBLIC_NAMES } from '../../collections/public-names';
import { isLanguage } from '../../language';
import type { ConfirmOutcome } from '../../payments/types';
import { read } from './reads';
import { defineAction, type ActionResult } from './types';

function outcomeOf(r: ConfirmOutcome): ActionResult {
  switch (r.kind) {
    case 'succeeded':
      return { outcome: 'succeeded', set: { numAcquit: r.numAcquit, paidAmount: r.amountCentimes } };
    case 'pending':
      return { outcome: 'pending', set: { paidAmount: r.amountCentimes } };
    case 'collecting': {
      // How the PIN prompt is raised, when the wallet says (delays were announced before the amount).
      const how = r.prompt === undefined || r.prompt.dialCode === undefined ? 'collecting' : r.prompt.mode === 'manual' ? 'collecting_manual' : 'collecting_revive';
      return { outcome: how, set: { paidAmount: r.amountCentimes, walletName: PUBLIC_NAMES[r.provider], dialCode: r.prompt?.dialCode ?? null } };
    }
    case 'wallet_refused': {
      const set = { paidAmount: r.amountCentimes, walletName: PUBLIC_NAMES[r.provider] };
      if (r.reason === 'wallet_not_found') return { outcome: 'wallet_no_account', set };
      if (r.reason === 'provider_unavailable') return { outcome: 'wallet_closed', set };
      return { outcome: 'wallet_refused', set };
    }
    case 'wallet_closed':
      return { outcome: 'wallet_closed', set: { walletName: PUBLIC_NAMES[r.provider] } };
    case 'unknown':
      return { outcome: 'unavailable', set: { paidAmount: r.amountCentimes } };
    case 'mismatch':
      return { outcome: 'mismatch' };
    case 'applied_without_receipt':
      return { outcome: 'applied_without_receipt', set: { reference: r.reference, paidAmount: r.amountCentimes } };
    case 'failed':
      return { outcome: 'failed' };
    case 'not_recorded':
      return { outcome: 'not_recorded' };
    case 'under_way':
      return { outcome: 'under_way', set: { paidAmount: r.amountCentimes } };
    case 'refused':
      switch (r.reason) {
        case 'amount_above_balance':
        case 'no_unpaid_bill':
        case 'bills_already_paid':
          return { outcome: 'refused_balance' };
        case 'amount_below_minimum':
          return { outcome: 'refused_minimum' };
        case 'client_not_found':
        case 'bills_not_owned':
          return { outcome: 'refused_client' };
        case 'rejected':
          return { outcome: 'refused_other' };
      }
  }
}

/** Hands the confirmed payment to the payment service; its answer picks the last screen. */
export const confirmPayment = defineAction({
  sideEffecting: true,
  reads: z.object({
    selectedIds: read.strings,
    bills: read.bills,
    province: read.province,
    amount: read.number,
    refClient: read.text,
    holderName: read.text,
    provider: read.provider,
  }),
  sets: ['numAcquit', 'paidAmount', 'walletName', 'dialCode', 'reference'],
  async run(ctx, deps, v) {
    const bills = v.bills.filter((b) => v.selectedIds.includes(b.faeId));
    if (bills.length === 0 || v.province === undefined || v.refClient === undefined) return { outcome: 'failed' };
    const res = await deps.payments.confirm({
      sessionId: ctx.sessionId,
      sessionNonce: ctx.sessionNonce,
      phoneNumber: ctx.phone,
      language: isLanguage(ctx.language) ? ctx.language : 'fr',
      refClient: v.refClient,
      province: v.province,
      // The whole name for the record, whatever this phone was shown.
      subscriberName: v.holderName ?? '',
      bills: bills.map((b) => ({ faeId: b.faeId, billNumber: b.billNumber, issuedOn: b.issuedOn, balanceCentimes: b.balance })),
      amountCentimes: v.amount ?? 0,
      provider: v.provider,
    });
    // Whatever became of it, the subscriber confirmed a payment: a payment kept from an earlier
    // dropped session is no longer theirs to finish (no offer, no SMS).
    return { ...outcomeOf(res), remember: { resume: 'paid' } };
  },
});
