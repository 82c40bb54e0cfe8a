import { setTimeout as sleep } from 'node:timers/promises';
import type { CollectionPort } from '../../collections/types';
import type { RunResult } from '../../jobs/runner';
import type { Logger } from '../../logging/logger';
import { maskPhone } from '../../logging/mask';
import type { RegidesoClient } from '../../regideso/types';
import type { ReceiptTexts } from '../sms-texts';
import { isOpen, type Intent, type IntentPatch } from '../intent';
import { AccountBusyError, type AuditEvent, type Ledger, type QueuedSms } from '../ledger';
import type { PaymentMetrics } from '../metrics';
import { noticesFor } from '../notices';
import type { SettleSignal } from '../settle-signal';

/**
 * A payment step's one way to write: `change` (a compare-and-set of the intent with its audit
 * events and owed SMS, in one transaction), with what every step is given and gives back.
 */

/** How long the job waits for what, and when it gives up waiting. */
export interface JobTimings {
  /** Unchanged balances mean "PayFact did not land" only this long after it was sent (REGIDESO may still apply a request we gave up on). */
  settleMs: number;
  /** Before looking again at an account another of our payments holds. */
  lockWaitMs: number;
  /** A payment with nothing sent yet fails (nothing taken) when it could not start by then. */
  pendingGiveUpMs: number;
  /** A deposit still open this long after it was asked for is flagged for the operator (never paid blind). */
  depositStuckMs: number;
  /** REGIDESO unreadable this long after the first PayFact: the subscriber is told "under review". */
  unresolvedAfterMs: number;
  /** PayFacts sent for one intent at most (each after reconciling the previous one). */
  maxPayAttempts: number;
  /** Status polls of the wallet: from `pollMinMs`, growing with the wait, up to `pollMaxMs`. */
  pollMinMs: number;
  pollMaxMs: number;
  /** The pace once a person has been told (flagged or unresolved). */
  slowPollMs: number;
  /** First wait after REGIDESO could not be read; grows with the intent's age. */
  regidesoRetryMs: number;
}

export const DEFAULT_TIMINGS: JobTimings = {
  settleMs: 90_000,
  lockWaitMs: 3000,
  pendingGiveUpMs: 10 * 60_000,
  depositStuckMs: 15 * 60_000,
  unresolvedAfterMs: 15 * 60_000,
  maxPayAttempts: 5,
  pollMinMs: 2000,
  pollMaxMs: 60_000,
  slowPollMs: 5 * 60_000,
  regidesoRetryMs: 5000,
};

export interface StepDeps {
  ledger: Ledger;
  regideso: RegidesoClient;
  /** The wallet aggregator; absent when the operator collects upstream (`COLLECTION=none`). */
  wallet: CollectionPort | undefined;
  logger: Logger;
  metrics: PaymentMetrics;
  now: () => Date;
  timings: JobTimings;
  signal: SettleSignal;
  /** After a change that queued SMS commits: hand them to the SMS queue (the sweep catches any missed). */
  afterCommit: (sms: QueuedSms[]) => void;
  /** The sentences of the SMS a change owes the subscriber, from the catalogue. */
  receiptTexts: ReceiptTexts;
  /**
   * The money landed (succeeded or reconciled), once committed: the paying phone may now see the
   * holder's name. Called without waiting, and whatever it does cannot fail the step.
   */
  onPaid?: ((it: Intent) => void) | undefined;
}

/** What a step did: moved the intent and the job goes on at once, or the job is done or waits. */
export type Step = { kind: 'next'; it: Intent } | RunResult;
export const next = (it: Intent): Step => ({ kind: 'next', it });

/** Another run wrote the intent first (a stalled job woke up): this run stops. */
export class LostRace extends Error {
  constructor(id: string) {
    super(`intent ${id} changed under this run`);
    this.name = 'LostRace';
  }
}

export const logFields = (it: Intent) => ({ jobId: it.id, sessionId: it.sessionId, phone: maskPhone(it.phone), status: it.status });

/** The patch that puts a payment on the operator's list (again, if it was resolved before). */
export function flagPatch(reason: string, at: Date): IntentPatch {
  return { flagReason: reason, flaggedAt: at, resolvedAt: null, resolvedBy: null, resolutionNote: null };
}

function paid(d: StepDeps, it: Intent): void {
  try {
    d.onPaid?.(it);
  } catch (err) {
    d.logger.warn('after-payment hook failed: the payment stands', { ...logFields(it), err });
  }
}

/** Wait growing with how long the intent has been open: quick at first, calm later. */
export function growingDelay(since: Date, now: Date, minMs: number, maxMs: number): number {
  return Math.min(Math.max((now.getTime() - since.getTime()) / 4, minMs), maxMs);
}

const PERSIST_RETRIES_MS = [250, 500, 1000, 2000, 4000, 8000];

/**
 * The one way a step changes an intent: a compare-and-set with its audit events and the notices
 * the new state owes the subscriber, in one transaction. A fault of the database (a restart) is
 * retried for some 15 s before the error goes up: what REGIDESO just answered (a receipt number)
 * must not be lost to a short outage.
 */
export async function change(d: StepDeps, cur: Intent, patch: IntentPatch, events: AuditEvent[] = [], extraSms: QueuedSms[] = []): Promise<Intent> {
  const projected: Intent = { ...cur, ...patch };
  const sms = [...noticesFor(cur, projected, d.receiptTexts), ...extraSms];
  for (let attempt = 0; ; attempt++) {
    try {
      const written = await d.ledger.update(cur, patch, { events, sms });
      if (written === undefined) throw new LostRace(cur.id);
      if (isOpen(cur) && !isOpen(written)) d.metrics.settled(written);
      if (isOpen(cur) && (written.status === 'succeeded' || written.status === 'reconciled')) paid(d, written);
      if (written.flagReason !== null && written.flaggedAt !== null && written.flaggedAt.getTime() !== cur.flaggedAt?.getTime()) {
        d.metrics.flagged(written.flagReason);
        d.logger.warn('payment flagged for the operator', { ...logFields(written), reason: written.flagReason });
      }
      if (sms.length > 0) d.afterCommit(sms);
      // The confirm hop waits for the deposit's initiation too (accepted or rejected), not only for a new status.
      if (written.status !== cur.status || written.depositStatus !== cur.depositStatus) d.signal.notify(written.id);
      return written;
    } catch (err) {
      if (err instanceof LostRace || err instanceof AccountBusyError) throw err;
      const wait = PERSIST_RETRIES_MS[attempt];
      if (wait === undefined) throw err;
      d.logger.warn('ledger write failed: trying again', { jobId: cur.id, attempt: attempt + 1, err });
      await sleep(wait);
    }
  }
}
