import { createHash } from 'node:crypto';

/**
 * A payment intent's id derives from the USSD session alone, so a replayed or concurrent confirm of
 * the same session lands on the same intent. Hashing keeps it safe as a Redis key part and as a
 * BullMQ job id (no colon, never all digits) whatever the gateway puts in a session id.
 */
export function intentIdFor(sessionId: string): string {
  return `pi-${createHash('sha256').update(sessionId).digest('hex').slice(0, 32)}`;
}

/**
 * Our own reference for a payment whose receipt number was lost: short enough for an SMS and for a
 * subscriber to type after `RECU`, and stable for the intent.
 */
export function ownReferenceFor(intentId: string): string {
  return `RGD-${intentId.replace(/^pi-/, '').slice(0, 10).toUpperCase()}`;
}
