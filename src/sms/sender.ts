import type Redis from 'ioredis';
import { z } from 'zod';
import { smsSentCounter } from '../channel-metrics';
import type { Logger } from '../logging/logger';
import type { Metrics } from '../metrics';
import type { SmsSendOutcome, SmsSender, SmsTransport } from './transport';

export type SmsKind = 'receipt' | 'reply';

/** One SMS we handed to the gateway, as remembered for its delivery report. */
export interface SentSms {
  messageId: string;
  /** The number it was sent to: the only number a resend may go to. */
  to: string;
  /** Kept for receipts only (they may be sent again); replies are not kept. */
  message: string | undefined;
  kind: SmsKind;
  /** 1 for the first send, 2 for the first resend, … */
  attempt: number;
  /** The message id of the first send of this text. */
  firstId: string;
  sentAt: string;
  status: string | undefined;
  failureReason: string | undefined;
  /** Set by the first final report (Success, or a permanent failure); later reports change nothing. */
  finalStatus: string | undefined;
  /** The last report that came after the final one: kept for the record, acted on never. */
  lateStatus: string | undefined;
  /** The message id of the resend, once one was made. */
  resentAs: string | undefined;
}

/** What became of a delivery status: `after_final` when a final status was already recorded. */
export type StatusRecorded = 'recorded' | 'after_final' | 'unknown_message';

export interface TrackedSmsSender extends SmsSender {
  find(messageId: string): Promise<SentSms | undefined>;
  /**
   * Writes a delivery status, atomically: no-op for an unknown id, and once a final status is
   * recorded (`final` true) a later report is only kept aside as `lateStatus`.
   */
  recordStatus(messageId: string, status: string, failureReason: string | undefined, final?: boolean): Promise<StatusRecorded>;
  /** True once per message: a delivery report delivered twice must not resend twice. */
  claimResend(messageId: string): Promise<boolean>;
  /**
   * Sends the kept text again to the number it was first sent to, and remembers the new id;
   * `attempt` is the number this send was recorded with (2 for the first resend).
   */
  resend(sent: SentSms): Promise<SmsSendOutcome & { attempt: number }>;
}

export interface SmsSenderDeps {
  transport: SmsTransport;
  redis: Redis;
  prefix: string;
  logger: Logger;
  metrics: Metrics;
  /** How long a sent SMS is remembered (the records' retention). */
  ttlSeconds: number;
}

const storedSchema = z.object({
  to: z.string().min(1),
  message: z.string().optional(),
  kind: z.enum(['receipt', 'reply']),
  attempt: z.coerce.number().int().min(1),
  firstId: z.string().min(1),
  sentAt: z.string(),
  status: z.string().optional(),
  failureReason: z.string().optional(),
  finalStatus: z.string().optional(),
  lateStatus: z.string().optional(),
  resentAs: z.string().optional(),
});

/**
 * KEYS[1] the sent SMS; ARGV status, failureReason ('' for none), '1' when the status is final.
 * One script, so a late report racing the final one cannot undo it.
 */
const RECORD_STATUS = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 'unknown_message' end
if redis.call('HEXISTS', KEYS[1], 'finalStatus') == 1 then
  redis.call('HSET', KEYS[1], 'lateStatus', ARGV[1])
  return 'after_final'
end
redis.call('HSET', KEYS[1], 'status', ARGV[1])
if ARGV[2] ~= '' then redis.call('HSET', KEYS[1], 'failureReason', ARGV[2]) end
if ARGV[3] == '1' then redis.call('HSET', KEYS[1], 'finalStatus', ARGV[1]) end
return 'recorded'
`;

export function createSmsSender(deps: SmsSenderDeps): TrackedSmsSender {
  const { transport, redis, logger, ttlSeconds } = deps;
  const sentCounter = smsSentCounter(deps.metrics);
  const key = (id: string) => `${deps.prefix}sms:sent:${id}`;

  async function remember(
    messageId: string,
    fields: Omit<SentSms, 'messageId' | 'status' | 'failureReason' | 'finalStatus' | 'lateStatus' | 'resentAs'>,
  ) {
    const hash: Record<string, string> = {
      to: fields.to,
      kind: fields.kind,
      attempt: String(fields.attempt),
      firstId: fields.firstId,
      sentAt: fields.sentAt,
    };
    if (fields.message !== undefined) hash.message = fields.message;
    await redis.multi().hset(key(messageId), hash).expire(key(messageId), ttlSeconds).exec();
  }

  async function sendTracked(
    to: string,
    message: string,
    kind: SmsKind,
    attempt: number,
    firstId: string | undefined,
  ): Promise<SmsSendOutcome> {
    const outcome = await transport.send(to, message);
    sentCounter.inc({ kind, outcome: outcome.kind });
    if (outcome.kind !== 'sent') {
      logger.warn('sms not sent', { to, kind, attempt, outcome: outcome.kind, message: outcome.message });
      return outcome;
    }
    if (outcome.messageId === undefined) return outcome;
    try {
      await remember(outcome.messageId, {
        to,
        // A reply can be asked for again by the subscriber; only a receipt is ever resent.
        message: kind === 'receipt' ? message : undefined,
        kind,
        attempt,
        firstId: firstId ?? outcome.messageId,
        sentAt: new Date().toISOString(),
      });
    } catch (err) {
      // The SMS is gone already; only its delivery follow-up is lost.
      logger.warn('sms sent but not remembered', { err, to, kind });
    }
    return outcome;
  }

  return {
    send: (msg) => sendTracked(msg.to, msg.message, msg.kind, 1, undefined),

    async find(messageId) {
      const raw = await redis.hgetall(key(messageId));
      if (Object.keys(raw).length === 0) return undefined;
      const parsed = storedSchema.safeParse(raw);
      if (!parsed.success) {
        logger.warn('sms record unreadable', { messageId });
        return undefined;
      }
      const d = parsed.data;
      return {
        messageId,
        ...d,
        message: d.message,
        status: d.status,
        failureReason: d.failureReason,
        finalStatus: d.finalStatus,
        lateStatus: d.lateStatus,
        resentAs: d.resentAs,
      };
    },

    async recordStatus(messageId, status, failureReason, final = false) {
      // Only for a message we know (the script checks): a forged id must not create keys.
      const out = await redis.eval(RECORD_STATUS, 1, key(messageId), status, failureReason ?? '', final ? '1' : '0');
      return out === 'recorded' || out === 'after_final' ? out : 'unknown_message';
    },

    async claimResend(messageId) {
      return (await redis.set(`${key(messageId)}:resend`, '1', 'EX', ttlSeconds, 'NX')) === 'OK';
    },

    async resend(sent) {
      const attempt = sent.attempt + 1;
      if (sent.message === undefined) return { kind: 'permanent_failure', message: 'message text not kept', attempt };
      const outcome = await sendTracked(sent.to, sent.message, sent.kind, attempt, sent.firstId);
      if (outcome.kind === 'sent' && outcome.messageId !== undefined) {
        await redis.hset(key(sent.messageId), 'resentAs', outcome.messageId);
      }
      return { ...outcome, attempt };
    },
  };
}
