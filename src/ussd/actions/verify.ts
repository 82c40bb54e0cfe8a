import { DEFAULT_PROVINCE } from '../../provinces';
import type { ActionDef } from './types';

/**
 * Forms worth trying for a typed receipt number. A keypad types digits, `*` and `#` only while a
 * smartphone dialer types letters in any case, so we try what arrived, then its common variants.
 */
export function receiptCandidates(typed: string): string[] {
  const t = typed.trim();
  const dashed = t.replace(/\*/g, '-');
  // REGIDESO's own shape, `29-01-25FINCA-83262-0dfe8`: the operator upper-case, the final hex part lower-case.
  const cut = dashed.lastIndexOf('-');
  const regideso = cut < 0 ? dashed.toUpperCase() : dashed.slice(0, cut).toUpperCase() + dashed.slice(cut).toLowerCase();
  return [...new Set([t, dashed, regideso, dashed.toUpperCase()])].filter((c) => c !== '');
}

export const verifyReceipt: ActionDef = {
  async run(ctx, deps) {
    const typed = typeof ctx.vars.numAcquit === 'string' ? ctx.vars.numAcquit : '';
    for (const candidate of receiptCandidates(typed)) {
      const res = await deps.regideso.verifyTransaction(candidate, DEFAULT_PROVINCE);
      if (res.kind === 'not_found') continue;
      if (res.kind !== 'ok') {
        deps.logger.warn('VerifyTransaction failed', { sessionId: ctx.sessionId, kind: res.kind, message: res.message });
        return { outcome: 'unavailable' };
      }
      const t = res.transaction;
      return {
        outcome: t.status === 'succès' ? 'success' : 'failure',
        set: { numAcquit: t.numAcquit, txName: t.subscriberName, txAmount: t.totalPaidCentimes, txDate: t.paidAt, txRef: t.refClient },
      };
    }
    return { outcome: 'not_found' };
  },
};
