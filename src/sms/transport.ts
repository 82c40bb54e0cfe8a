/** Sending one SMS. Implementations: Africa's Talking (the SDK, wrapped) and the outbox. */
export type SmsSendOutcome =
  | { kind: 'sent'; messageId: string | undefined }
  /** Worth trying again later: timeout, network, 5xx, or a per-recipient transient status. */
  | { kind: 'transient_failure'; message: string }
  /** Trying again will not help: bad number, blacklisted, 401, insufficient balance. */
  | { kind: 'permanent_failure'; message: string };

export interface SmsTransport {
  readonly name: 'africastalking' | 'outbox';
  send(to: string, message: string): Promise<SmsSendOutcome>;
}

export interface OutboxMessage {
  to: string;
  message: string;
  /** ISO 8601 */
  at: string;
}
