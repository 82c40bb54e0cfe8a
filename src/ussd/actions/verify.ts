import { z } from 'zod';
import { maskReference } from '../../privacy/masking';
import { hasPaidRef } from '../../sessions/subscriber-prefs';
import { read } from './reads';
import { defineAction } from './types';

/**
 * Forms worth trying for a typed receipt number, most likely first. A keypad types digits, `*` and
 * `#` only while a smartphone dialer types letters in any case, so we try REGIDESO's own shape, then
 * what arrived and its common variants; duplicates are tried once.
 */
export function receiptCandidates(typed: string): string[] {
  const t = typed.trim();
  const dashed = t.replace(/\*/g, '-');
  // REGIDESO's own shape, `29-01-25FINCA-83262-0dfe8`: the operator upper-case, the final hex part lower-case.
  const cut = dashed.lastIndexOf('-');
  const regideso = cut < 0 ? dashed.toUpperCase() : dashed.slice(0, cut).toUpperCase() + dashed.slice(cut).toLowerCase();
  return [...new Set([regideso, dashed, t, dashed.toUpperCase()])].filter((c) => c !== '');
}

/**
 * VerifyTransaction in the province the subscriber chose (REGIDESO keeps one database per province).
 * A phone that has not paid the receipt's reference learns the status and the amount, with the
 * reference masked and no name (`success_other`): a receipt number must not lead to a person.
 * Each call may take up to the client's timeout: when the hop's budget runs out (the engine then
 * answers "unavailable") no further candidate is tried.
 */
export const verifyReceipt = defineAction({
  reads: z.object({ numAcquit: read.text, province: read.province }),
  sets: ['numAcquit', 'txAmount', 'txDate', 'txName', 'txRef'],
  async run(ctx, deps, { numAcquit, province }) {
    if (province === undefined) return { outcome: 'not_found' };
    for (const candidate of receiptCandidates(numAcquit ?? '')) {
      if (ctx.signal.aborted) return { outcome: 'unavailable' };
      const res = await deps.regideso.verifyTransaction(candidate, province);
      if (res.kind === 'not_found') continue;
      if (res.kind !== 'ok') {
        deps.logger.warn('VerifyTransaction failed', { sessionId: ctx.sessionId, kind: res.kind, message: res.message });
        return { outcome: 'unavailable' };
      }
      const t = res.transaction;
      const common = { numAcquit: t.numAcquit, txAmount: t.totalPaidCentimes, txDate: t.paidAt };
      if (t.status !== 'succès') return { outcome: 'failure', set: common };
      if (hasPaidRef(ctx.paidRefs, t.refClient, province)) return { outcome: 'success', set: { ...common, txName: t.subscriberName, txRef: t.refClient } };
      return { outcome: 'success_other', set: { ...common, txRef: maskReference(t.refClient) } };
    }
    return { outcome: 'not_found' };
  },
});
