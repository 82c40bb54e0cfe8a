import { createHash } from 'node:crypto';

/**
 * A payment intent's id derives from the USSD session and the nonce drawn when that session was
 * created: a replayed or concurrent confirm of one session lands on one intent, while a gateway
 * that reuses a session id later gets a new one, never an older subscriber's. Hashed, so it is safe
 * as a key part and a BullMQ job id (no colon, never all digits) whatever the gateway sends.
 */
export function intentIdFor(sessionId: string, sessionNonce: string): string {
  return `pi-${createHash('sha256').update(sessionId).update('\n').update(sessionNonce).digest('hex').slice(0, 32)}`;
}

/** What intentIdFor makes: anything else names no payment. */
export const INTENT_ID = /^pi-[0-9a-f]{32}$/;

/**
 * Our own reference for a payment whose receipt number was lost: short enough for an SMS and for a
 * subscriber to type after `RECU`, and stable for the intent.
 */
export function ownReferenceFor(intentId: string): string {
  return `RGD-${intentId.replace(/^pi-/, '').slice(0, 10).toUpperCase()}`;
}
