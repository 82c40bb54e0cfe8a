import { randomBytes } from 'node:crypto';
import type { Db } from '../db/types';

/**
 * "I paid and got no receipt": an operator sends the payment's receipt SMS again. The new SMS is a
 * row of its own in `sms_messages` (kind `receipt`, the same words as the latest receipt of the
 * payment) written in one transaction with the audit event that names the operator, so the durable
 * SMS path (src/sms/queue.ts, and its sweep if the nudge is lost) sends it like any other, and the
 * payment's story shows who asked for it and when.
 */
export type ResendOutcome = { kind: 'queued'; smsId: string } | { kind: 'no_receipt' } | { kind: 'not_found' };

export function createReceiptResender(db: Db, opts: { now?: () => Date; sendNow: (ids: string[]) => void }): (intentId: string, by: string) => Promise<ResendOutcome> {
  const now = opts.now ?? (() => new Date());
  return async (intentId, by) => {
    const at = now();
    const out = await db.transaction(async (tx): Promise<ResendOutcome> => {
      const intent = await tx.query<{ phone: string }>('SELECT phone FROM payment_intents WHERE id = $1', [intentId]);
      const phone = intent.rows[0]?.phone;
      if (phone === undefined) return { kind: 'not_found' };
      // The receipt as it was written when the payment settled (or our own reference's notice): never rebuilt, so it says the same.
      const receipt = await tx.query<{ body: string }>("SELECT body FROM sms_messages WHERE intent_id = $1 AND kind = 'receipt' ORDER BY created_at DESC, id DESC LIMIT 1", [intentId]);
      const body = receipt.rows[0]?.body;
      if (body === undefined) return { kind: 'no_receipt' };
      const smsId = `${intentId}-resend-${randomBytes(4).toString('hex')}`;
      await tx.query(
        `INSERT INTO sms_messages (id, intent_id, kind, recipient, body, status, next_attempt_at, created_at, updated_at)
         VALUES ($1, $2, 'receipt', $3, $4, 'queued', $5, $5, $5)`,
        [smsId, intentId, phone, body, at],
      );
      await tx.query('INSERT INTO payment_events (intent_id, at, event, detail, actor) VALUES ($1, $2, $3, $4, $5)', [intentId, at, 'receipt_resent', `by ${by}: SMS ${smsId}`, by]);
      return { kind: 'queued', smsId };
    });
    if (out.kind === 'queued') opts.sendNow([out.smsId]);
    return out;
  };
}
