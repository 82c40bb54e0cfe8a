import { parseApiAmount } from '../amounts';
import type { InitiateOutcome, TransferState } from '../types';
import type { PawapayHttpResult } from './http';
import { depositStatusAnswerSchema, errorAnswerSchema, initiationAnswerSchema, refundStatusAnswerSchema, type FailureReason } from './wire';

/**
 * pawaPay's answers → the port's outcomes. Pure, so every branch is tested without a network. The
 * rule that shapes it: only an answer pawaPay gave about *this* request is definitive; silence, a
 * 5xx, a throttle or a body we cannot read leaves the outcome unknown (read the status, resend the
 * same id), never "failed".
 */

type IdField = 'depositId' | 'refundId';

function failure(reason: FailureReason | undefined, fallback: string): { code: string; message: string } {
  return { code: reason?.failureCode ?? 'UNKNOWN', message: reason?.failureMessage ?? fallback };
}

/** A 4xx from pawaPay itself (it carries a failureReason): a definitive refusal of the request. */
function definitiveRefusal(status: number, body: unknown): { code: string; message: string } | undefined {
  if (status < 400 || status >= 500 || status === 408 || status === 429) return undefined;
  const parsed = errorAnswerSchema.safeParse(body);
  if (!parsed.success) return undefined;
  return failure(parsed.data.failureReason, `HTTP ${status}`);
}

export function interpretInitiation(result: PawapayHttpResult, idField: IdField, id: string): InitiateOutcome {
  if (result.kind === 'no_answer') return { kind: 'unknown', reason: result.reason, message: result.message };
  const { status, body } = result;
  if (status === 200) {
    const parsed = initiationAnswerSchema.safeParse(body);
    if (!parsed.success) return { kind: 'unknown', reason: 'bad_response', message: 'HTTP 200 with a body that is not an initiation answer' };
    const answer = parsed.data;
    const echoed = answer[idField];
    if (echoed !== undefined && echoed.toLowerCase() !== id.toLowerCase()) {
      return { kind: 'unknown', reason: 'bad_response', message: `answer names ${idField} ${echoed}, not ${id}` };
    }
    switch (answer.status) {
      case 'ACCEPTED':
        return { kind: 'accepted' };
      case 'DUPLICATE_IGNORED':
        return { kind: 'duplicate_ignored' };
      case 'REJECTED':
        return { kind: 'rejected', ...failure(answer.failureReason, 'rejected without a reason') };
    }
  }
  // 400/401/403 with pawaPay's failureReason: the request was refused as a whole, nothing started.
  const refusal = definitiveRefusal(status, body);
  if (refusal) return { kind: 'rejected', ...refusal };
  if (status >= 500 || status === 408 || status === 429) {
    const detail = errorAnswerSchema.safeParse(body);
    const code = detail.success ? ` ${detail.data.failureReason.failureCode}` : '';
    return { kind: 'unknown', reason: 'server_error', message: `HTTP ${status}${code}` };
  }
  return { kind: 'unknown', reason: 'bad_response', message: `HTTP ${status} without pawaPay's failure reason` };
}

interface Transfer {
  status: string;
  amount: string;
  providerTransactionId?: string | undefined;
  failureReason?: FailureReason | undefined;
}

function transferState(t: Transfer): TransferState {
  switch (t.status) {
    case 'COMPLETED': {
      const amountCentimes = parseApiAmount(t.amount);
      if (amountCentimes === undefined) return { kind: 'unavailable', message: `COMPLETED with an unreadable amount "${t.amount}"` };
      return { kind: 'completed', amountCentimes, providerTransactionId: t.providerTransactionId };
    }
    case 'FAILED':
      return { kind: 'failed', ...failure(t.failureReason, 'failed without a reason') };
    default:
      return { kind: 'in_progress', status: t.status };
  }
}

function unreadable(result: PawapayHttpResult): TransferState {
  if (result.kind === 'no_answer') return { kind: 'unavailable', message: result.message };
  const detail = errorAnswerSchema.safeParse(result.body);
  const code = detail.success ? ` ${detail.data.failureReason.failureCode}` : '';
  return { kind: 'unavailable', message: `HTTP ${result.status}${code}` };
}

export function interpretDepositStatus(result: PawapayHttpResult, depositId: string): TransferState {
  if (result.kind === 'no_answer' || result.status !== 200) return unreadable(result);
  const parsed = depositStatusAnswerSchema.safeParse(result.body);
  if (!parsed.success) return { kind: 'unavailable', message: 'HTTP 200 with a body that is not a deposit status' };
  if (parsed.data.status === 'NOT_FOUND') return { kind: 'not_found' };
  if (parsed.data.data.depositId.toLowerCase() !== depositId.toLowerCase()) {
    return { kind: 'unavailable', message: `status answer names deposit ${parsed.data.data.depositId}` };
  }
  return transferState(parsed.data.data);
}

export function interpretRefundStatus(result: PawapayHttpResult, refundId: string): TransferState {
  if (result.kind === 'no_answer' || result.status !== 200) return unreadable(result);
  const parsed = refundStatusAnswerSchema.safeParse(result.body);
  if (!parsed.success) return { kind: 'unavailable', message: 'HTTP 200 with a body that is not a refund status' };
  if (parsed.data.status === 'NOT_FOUND') return { kind: 'not_found' };
  if (parsed.data.data.refundId.toLowerCase() !== refundId.toLowerCase()) {
    return { kind: 'unavailable', message: `status answer names refund ${parsed.data.data.refundId}` };
  }
  return transferState(parsed.data.data);
}
