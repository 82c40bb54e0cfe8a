import { z } from 'zod';
import type { Db } from '../db/types';
import { toRecord } from './intent';
import type { Ledger } from './ledger';
import type { PaymentRecord } from './types';

/**
 * One payment as an operator answering "I paid and got no receipt" needs it: the record, its whole
 * audit trail in order (who and when), every SMS it sent with each hand-over to the gateway and
 * its delivery report, its deposit and refund, and its flag with how it was cleared.
 */
export interface PaymentDetail {
  payment: PaymentRecord;
  flag: { reason: string; flaggedAt: string | null; resolvedAt: string | null; resolvedBy: string | null; note: string | null } | null;
  /** `by`: an operator's name, the subscriber for the confirm, `product` for the product's own steps. */
  trail: Array<{ at: string; event: string; detail: string | null; by: string }>;
  sms: Array<{
    id: string;
    kind: string;
    recipient: string;
    body: string;
    /** queued: to send (again); sent: the gateway took it; failed: refused for a reason of the recipient's. */
    status: string;
    attempts: number;
    lastError: string | null;
    createdAt: string;
    updatedAt: string;
    /** Each hand-over to the gateway, oldest first, with what its delivery reports said. */
    sends: Array<{ gatewayId: string; sentAt: string; deliveryStatus: string | null; failureReason: string | null; finalStatus: string | null }>;
  }>;
  deposit: { id: string; provider: string | null; status: string | null; failureCode: string | null; collectedCentimes: number | null; providerTransactionId: string | null } | null;
  refund: { id: string; status: string | null; failureCode: string | null; amountCentimes: number } | null;
}

const smsRow = z.object({
  id: z.string(),
  kind: z.string(),
  recipient: z.string(),
  body: z.string(),
  status: z.string(),
  attempts: z.number().int(),
  last_error: z.string().nullable(),
  created_at: z.date(),
  updated_at: z.date(),
});
const sendRow = z.object({
  sms_id: z.string(),
  gateway_id: z.string(),
  sent_at: z.date(),
  delivery_status: z.string().nullable(),
  failure_reason: z.string().nullable(),
  final_status: z.string().nullable(),
});

export function createPaymentDetails(db: Db, ledger: Ledger): (intentId: string) => Promise<PaymentDetail | undefined> {
  return async (intentId) => {
    const it = await ledger.load(intentId);
    if (it === undefined) return undefined;
    const [events, smsRows, sendRows] = await Promise.all([
      ledger.events(intentId),
      db.query('SELECT id, kind, recipient, body, status, attempts, last_error, created_at, updated_at FROM sms_messages WHERE intent_id = $1 ORDER BY created_at, id', [intentId]),
      db.query(
        `SELECT s.sms_id, s.gateway_id, s.sent_at, s.delivery_status, s.failure_reason, s.final_status
         FROM sms_sends s JOIN sms_messages m ON m.id = s.sms_id WHERE m.intent_id = $1 ORDER BY s.sent_at, s.gateway_id`,
        [intentId],
      ),
    ]);
    const sends = sendRows.rows.map((r) => sendRow.parse(r));
    const iso = (d: Date | null) => (d === null ? null : d.toISOString());
    return {
      payment: toRecord(it),
      flag:
        it.flagReason === null
          ? null
          : { reason: it.flagReason, flaggedAt: iso(it.flaggedAt), resolvedAt: iso(it.resolvedAt), resolvedBy: it.resolvedBy, note: it.resolutionNote },
      trail: events.map((e) => ({
        at: e.at.toISOString(),
        event: e.event,
        detail: e.detail,
        by: e.actor ?? (e.event === 'confirmed' ? `subscriber ${it.phone}` : 'product'),
      })),
      sms: smsRows.rows.map((row) => {
        const m = smsRow.parse(row);
        return {
          id: m.id,
          kind: m.kind,
          recipient: m.recipient,
          body: m.body,
          status: m.status,
          attempts: m.attempts,
          lastError: m.last_error,
          createdAt: m.created_at.toISOString(),
          updatedAt: m.updated_at.toISOString(),
          sends: sends
            .filter((s) => s.sms_id === m.id)
            .map((s) => ({ gatewayId: s.gateway_id, sentAt: s.sent_at.toISOString(), deliveryStatus: s.delivery_status, failureReason: s.failure_reason, finalStatus: s.final_status })),
        };
      }),
      deposit:
        it.depositId === null
          ? null
          : { id: it.depositId, provider: it.provider, status: it.depositStatus, failureCode: it.depositFailureCode, collectedCentimes: it.collectedCentimes, providerTransactionId: it.providerTxnId },
      refund:
        it.refundId === null
          ? null
          : // What the refund step asks the wallet to give back (src/payments/steps/refund.ts).
            { id: it.refundId, status: it.refundStatus, failureCode: it.refundFailureCode, amountCentimes: it.collectedCentimes ?? it.amountCentimes },
    };
  };
}
