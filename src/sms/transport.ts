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

/**
 * What the rest of the product uses to send an SMS: the transport plus bookkeeping (the message id
 * is remembered so a delivery report can be matched to it, and a failed receipt sent again).
 */
export interface SmsSender {
  send(msg: { to: string; message: string; kind: 'receipt' | 'reply' }): Promise<SmsSendOutcome>;
}
