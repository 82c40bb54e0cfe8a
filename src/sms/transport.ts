/** Sending one SMS. Implementations: Africa's Talking (the SDK, wrapped) and the outbox. */
export type SmsSendOutcome =
  | { kind: 'sent'; messageId: string | undefined }
  /**
   * Ours to wait out or fix: the gateway timed out, was unreachable or failed, or refused our key,
   * our sender id or our credit. The message is kept and tried again until it goes.
   */
  | { kind: 'retry'; reason: RetryReason; message: string }
  /** The recipient's: an invalid number, a blacklist, do-not-disturb. Trying again cannot help. */
  | { kind: 'refused'; message: string };

export type RetryReason = 'timeout' | 'network' | 'gateway' | 'credentials' | 'credit' | 'sender_id';
export const RETRY_REASONS: readonly RetryReason[] = ['timeout', 'network', 'gateway', 'credentials', 'credit', 'sender_id'];

export interface SmsTransport {
  readonly name: 'africastalking' | 'outbox';
  send(to: string, message: string): Promise<SmsSendOutcome>;
}

export interface OutboxMessage {
  /**
   * The message id the transport answered, as a delivery report (`POST /sms/delivery`, field `id`)
   * names it. Absent only on entries kept before the outbox recorded it.
   */
  id?: string;
  to: string;
  message: string;
  /** ISO 8601 */
  at: string;
}
