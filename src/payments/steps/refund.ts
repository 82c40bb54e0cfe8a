import { DONE, later } from '../../jobs/runner';
import type { Intent, RefundingIntent } from '../intent';
import { change, flagPatch, growingDelay, type Step, type StepDeps } from './change';

/**
 * `refunding`: REGIDESO definitively refused a payment whose money was collected. Only ever after a
 * definitive answer: an uncertain PayFact is reconciled first and never refunded blind. The refund
 * id was drawn and stored when the intent entered this state.
 */
export async function refundStep(d: StepDeps, start: RefundingIntent): Promise<Step> {
  if (d.wallet === undefined) throw new Error('a refund without a wallet configured');
  let it: Intent = start;
  const { refundId, depositId } = start;
  const now = d.now();
  const fail = async (code: string, message: string): Promise<Step> => {
    await change(d, it, { status: 'refund_failed', refundFailureCode: code, failureMessage: `refund failed: ${message}`, ...flagPatch('refund_failed', now) }, [
      { event: 'refund_failed', detail: `${code}: ${message}` },
    ]);
    return DONE;
  };
  if (it.refundStatus === null) {
    const out = await d.wallet.initiateRefund({ refundId, depositId, amountCentimes: it.collectedCentimes ?? it.amountCentimes });
    switch (out.kind) {
      case 'accepted':
      case 'duplicate_ignored':
        it = await change(d, it, { refundStatus: 'ACCEPTED' }, [{ event: 'refund_initiated', detail: out.kind }]);
        return later(d.timings.pollMinMs);
      case 'rejected':
        d.metrics.refund('rejected');
        return fail(out.code, out.message);
      case 'unknown':
        await d.ledger.audit(it.id, 'refund_initiate_unknown', `${out.reason}: ${out.message}`);
        break;
    }
  }
  const state = await d.wallet.refundStatus(refundId);
  const since = it.updatedAt;
  switch (state.kind) {
    case 'completed':
      d.metrics.refund('completed');
      await change(d, it, { status: 'refunded', refundStatus: 'COMPLETED' }, [{ event: 'refund_completed', detail: `${state.amountCentimes} centimes` }]);
      return DONE;
    case 'failed':
      d.metrics.refund('failed');
      return fail(state.code, state.message);
    case 'not_found':
      if (it.refundStatus !== null) await change(d, it, { refundStatus: null }, [{ event: 'refund_not_found', detail: 'initiating again under the same id' }]);
      return later(d.timings.pollMinMs);
    case 'in_progress':
      if (now.getTime() - since.getTime() > d.timings.depositStuckMs && it.flagReason !== 'refund_stuck') {
        await change(d, it, flagPatch('refund_stuck', now), [{ event: 'refund_stuck', detail: state.status }]);
      }
      return later(growingDelay(since, now, d.timings.pollMinMs, d.timings.pollMaxMs));
    case 'unavailable':
      await d.ledger.audit(it.id, 'refund_status_unavailable', state.message);
      return later(growingDelay(since, now, d.timings.pollMinMs, d.timings.pollMaxMs));
  }
}
