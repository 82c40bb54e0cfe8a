import { z } from 'zod';
import type { Db, Sql } from '../db/types';

/**
 * SMS in PostgreSQL: every message we owe a subscriber (`sms_messages`, written by whoever decides
 * to send it, in its own transaction), each hand-over to the gateway by the gateway's id
 * (`sms_sends`, what delivery reports name), and inbound messages by the gateway's id
 * (`sms_inbound`: the gateway posts one again every minute until it gets a 200).
 */
export type SmsKind = 'receipt' | 'notice' | 'reply';

const messageSchema = z.object({
  id: z.string(),
  intent_id: z.string().nullable(),
  kind: z.enum(['receipt', 'notice', 'reply']),
  recipient: z.string(),
  body: z.string(),
  status: z.enum(['queued', 'sent', 'failed']),
  attempts: z.number().int(),
  last_error: z.string().nullable(),
  failing_since: z.date().nullable(),
  gateway_id: z.string().nullable(),
  resends: z.number().int(),
  next_attempt_at: z.date(),
  created_at: z.date(),
});
export type SmsMessage = z.infer<typeof messageSchema>;

const sendSchema = z.object({
  gateway_id: z.string(),
  sms_id: z.string(),
  recipient: z.string(),
  sent_at: z.date(),
  delivery_status: z.string().nullable(),
  failure_reason: z.string().nullable(),
  final_status: z.string().nullable(),
  kind: z.enum(['receipt', 'notice', 'reply']),
  resends: z.number().int(),
  current_gateway_id: z.string().nullable(),
});
export type SmsSend = z.infer<typeof sendSchema>;

const inboundSchema = z.object({ id: z.string(), sender: z.string(), body: z.string(), received_at: z.date(), answered_at: z.date().nullable() });
export type InboundRow = z.infer<typeof inboundSchema>;

export type StatusRecorded = 'recorded' | 'after_final' | 'unknown_message';

/** A message to queue: `intentId` names the payment it tells of (its failures flag that payment). */
export interface SmsToQueue {
  id: string;
  kind: SmsKind;
  recipient: string;
  body: string;
  intentId?: string;
}

/**
 * The one way a message is queued (a row of `sms_messages`), inside the caller's transaction: the
 * payment ledger queues a change's notices with the change, an inbound message's reply is queued
 * with its "answered" mark. Once per id (a step run again queues its notice once); true when new.
 */
export async function queueSmsIn(tx: Sql, m: SmsToQueue, at: Date): Promise<boolean> {
  const r = await tx.query(
    `INSERT INTO sms_messages (id, intent_id, kind, recipient, body, status, next_attempt_at, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, 'queued', $6, $6, $6) ON CONFLICT (id) DO NOTHING RETURNING id`,
    [m.id, m.intentId ?? null, m.kind, m.recipient, m.body, at],
  );
  return r.rows.length > 0;
}

export interface SmsStore {
  insert(m: SmsToQueue, at: Date): Promise<boolean>;
  load(id: string): Promise<SmsMessage | undefined>;
  markSent(id: string, gatewayId: string, at: Date): Promise<boolean>;
  markRetry(id: string, error: string, nextAttemptAt: Date, at: Date): Promise<SmsMessage | undefined>;
  markFailed(id: string, error: string, at: Date): Promise<void>;
  /** Queued messages due before `before`, oldest first (the sweep). */
  due(before: Date, limit: number): Promise<string[]>;
  findSend(gatewayId: string): Promise<SmsSend | undefined>;
  /** A delivery status; once a final one is recorded, later ones are kept aside only. */
  recordDelivery(gatewayId: string, status: string, failureReason: string | undefined, final: boolean): Promise<StatusRecorded>;
  /** Queues a sent message again after its delivery failed: once per failed send, `max` times at most. */
  requeueAfterDeliveryFailure(smsId: string, gatewayId: string, max: number, at: Date): Promise<'requeued' | 'already' | 'limit'>;
  /** True the first time this inbound id is seen. */
  receive(m: { id: string; sender: string; body: string }, at: Date): Promise<boolean>;
  loadInbound(id: string): Promise<InboundRow | undefined>;
  /** The reply and the inbound message's answered mark in one transaction. */
  answer(inboundId: string, reply: { id: string; recipient: string; body: string }, at: Date): Promise<void>;
  unanswered(before: Date, limit: number): Promise<string[]>;
}

export function createSmsStore(db: Db): SmsStore {
  return {
    insert: (m, at) => queueSmsIn(db, m, at),
    async load(id) {
      const r = await db.query<Record<string, unknown>>('SELECT * FROM sms_messages WHERE id = $1', [id]);
      return r.rows[0] === undefined ? undefined : messageSchema.parse(r.rows[0]);
    },
    async markSent(id, gatewayId, at) {
      return db.transaction(async (tx) => {
        const r = await tx.query(
          `UPDATE sms_messages SET status = 'sent', attempts = attempts + 1, gateway_id = $2, last_error = NULL, failing_since = NULL, updated_at = $3
           WHERE id = $1 AND status = 'queued' RETURNING recipient`,
          [id, gatewayId, at],
        );
        const row = r.rows[0] as { recipient: string } | undefined;
        if (row === undefined) return false;
        await tx.query('INSERT INTO sms_sends (gateway_id, sms_id, recipient, sent_at) VALUES ($1, $2, $3, $4) ON CONFLICT (gateway_id) DO NOTHING', [gatewayId, id, row.recipient, at]);
        return true;
      });
    },
    async markRetry(id, error, nextAttemptAt, at) {
      const r = await db.query<Record<string, unknown>>(
        `UPDATE sms_messages SET attempts = attempts + 1, last_error = $2, next_attempt_at = $3, failing_since = COALESCE(failing_since, $4), updated_at = $4
         WHERE id = $1 AND status = 'queued' RETURNING *`,
        [id, error, nextAttemptAt, at],
      );
      return r.rows[0] === undefined ? undefined : messageSchema.parse(r.rows[0]);
    },
    async markFailed(id, error, at) {
      await db.query(`UPDATE sms_messages SET status = 'failed', attempts = attempts + 1, last_error = $2, updated_at = $3 WHERE id = $1 AND status = 'queued'`, [id, error, at]);
    },
    async due(before, limit) {
      const r = await db.query<{ id: string }>(`SELECT id FROM sms_messages WHERE status = 'queued' AND next_attempt_at < $1 ORDER BY next_attempt_at LIMIT $2`, [before, limit]);
      return r.rows.map((x) => x.id);
    },
    async findSend(gatewayId) {
      const r = await db.query<Record<string, unknown>>(
        `SELECT s.*, m.kind, m.resends, m.gateway_id AS current_gateway_id FROM sms_sends s JOIN sms_messages m ON m.id = s.sms_id WHERE s.gateway_id = $1`,
        [gatewayId],
      );
      return r.rows[0] === undefined ? undefined : sendSchema.parse(r.rows[0]);
    },
    async recordDelivery(gatewayId, status, failureReason, final) {
      // Row-locked, so a late report racing the final one cannot undo it.
      return db.transaction(async (tx) => {
        const r = await tx.query<{ final_status: string | null }>('SELECT final_status FROM sms_sends WHERE gateway_id = $1 FOR UPDATE', [gatewayId]);
        const row = r.rows[0];
        if (row === undefined) return 'unknown_message';
        if (row.final_status !== null) {
          await tx.query('UPDATE sms_sends SET late_status = $2 WHERE gateway_id = $1', [gatewayId, status]);
          return 'after_final';
        }
        await tx.query(
          `UPDATE sms_sends SET delivery_status = $2, failure_reason = COALESCE($3, failure_reason), final_status = CASE WHEN $4::boolean THEN $2 ELSE NULL END WHERE gateway_id = $1`,
          [gatewayId, status, failureReason ?? null, final],
        );
        return 'recorded';
      });
    },
    async requeueAfterDeliveryFailure(smsId, gatewayId, max, at) {
      const r = await db.query(
        `UPDATE sms_messages SET status = 'queued', resends = resends + 1, next_attempt_at = $4, updated_at = $4
         WHERE id = $1 AND status = 'sent' AND gateway_id = $2 AND resends < $3 RETURNING id`,
        [smsId, gatewayId, max, at],
      );
      if (r.rows.length > 0) return 'requeued';
      const m = await this.load(smsId);
      return m !== undefined && m.resends >= max && m.gateway_id === gatewayId ? 'limit' : 'already';
    },
    async receive(m, at) {
      const r = await db.query('INSERT INTO sms_inbound (id, sender, body, received_at) VALUES ($1, $2, $3, $4) ON CONFLICT (id) DO NOTHING RETURNING id', [m.id, m.sender, m.body, at]);
      return r.rows.length > 0;
    },
    async loadInbound(id) {
      const r = await db.query<Record<string, unknown>>('SELECT * FROM sms_inbound WHERE id = $1', [id]);
      return r.rows[0] === undefined ? undefined : inboundSchema.parse(r.rows[0]);
    },
    async answer(inboundId, reply, at) {
      await db.transaction(async (tx) => {
        await queueSmsIn(tx, { ...reply, kind: 'reply' }, at);
        await tx.query('UPDATE sms_inbound SET answered_at = $2 WHERE id = $1 AND answered_at IS NULL', [inboundId, at]);
      });
    },
    async unanswered(before, limit) {
      const r = await db.query<{ id: string }>('SELECT id FROM sms_inbound WHERE answered_at IS NULL AND received_at < $1 ORDER BY received_at LIMIT $2', [before, limit]);
      return r.rows.map((x) => x.id);
    },
  };
}
