import type { Logger } from '../logging/logger';
import { maskPhone } from '../logging/mask';
import { isSettled, needsResolution } from './intent';
import type { PaymentMetrics } from './metrics';
import type { JobRunner } from './runner';
import type { IntentStore, Versioned } from './store';

/**
 * The recovery sweep: an open intent nobody has written for a while may have no job left to finish
 * it (Redis failed between creating the intent and queueing its job; its job used up its attempts
 * by throwing; a job stalled once too often). For each, it makes sure a job will run it.
 *
 * It never pays by itself: it only (re)starts the job, whose own rule keeps the payment exactly
 * once (an intent found `submitted` or `uncertain` is reconciled with GetFact before any new
 * PayFact; a `pending` one never had a PayFact sent). Several sweeps at once (several instances)
 * are harmless: one job id per intent, and BullMQ's retry only moves a job still in its state.
 *
 * One exception: a `pending` intent that never had a job at all was never queued, so the confirm
 * hop told the subscriber it failed and to try again. Paying it now could pay twice (they may have
 * paid since), so it is settled as failed instead, and the job only sends the "nothing was taken"
 * SMS. A `pending` intent whose job exists (failed for good) was announced as under way: retried.
 *
 * It also resolves intents the job gave up as `uncertain` (REGIDESO unreachable to its last
 * attempt; the subscriber was told "under review"): once one is older than `staleAfterMs`, its job
 * runs again, in effect in a "resolve" mode: it reconciles with GetFact and settles the intent as
 * `reconciled` (the money landed) or `failed` (nothing taken), never paying again; while REGIDESO
 * is still unavailable it changes nothing and the next sweep tries again.
 */
export interface SweepDeps {
  store: IntentStore;
  runner: JobRunner;
  logger: Logger;
  metrics: PaymentMetrics;
  now: () => Date;
  /** An open intent is looked at once nobody has written it for this long. */
  staleAfterMs: number;
  /** Stop between intents (the service is closing). */
  stopped: () => boolean;
}

export interface SweepReport {
  /** Stale entries of the open set looked at. */
  examined: number;
  requeued: number;
  retried: number;
  /** Never queued: settled as failed, nothing paid. */
  expired: number;
  /** Their job is waiting, delayed or running: left alone. */
  active: number;
  /** Entries dropped from the open set: the intent was settled or is gone. */
  cleared: number;
  /** Intents given up as `uncertain` whose job runs again to reconcile them (the unresolved set). */
  resolving: number;
  errors: number;
}

const BATCH = 200;
/** The open-set entry is written just before its intent: a missing intent this young may be on its way. */
const MISSING_GRACE_MS = 60_000;

export function createSweep(deps: SweepDeps): { sweep(): Promise<SweepReport> } {
  const { store, runner, logger } = deps;

  async function stillOpen(intentId: string): Promise<boolean> {
    const v = await store.load(intentId);
    return v !== undefined && !isSettled(v.intent);
  }

  async function examine(intentId: string, lastWriteMs: number, report: SweepReport): Promise<boolean> {
    const loaded = await store.load(intentId);
    if (loaded === undefined || isSettled(loaded.intent)) {
      if (loaded === undefined && Date.now() - lastWriteMs < MISSING_GRACE_MS) return false;
      await store.closeOpen(intentId);
      report.cleared++;
      return true;
    }
    const it = loaded.intent;
    const result = await runner.recover(intentId, () => stillOpen(intentId), { requeueMissing: it.status !== 'pending' });
    if (result === 'missing') return expire(loaded, lastWriteMs, report);
    if (result === 'settled') {
      await store.closeOpen(intentId);
      report.cleared++;
      return true;
    }
    if (result === 'active') {
      report.active++;
      return false;
    }
    report[result]++;
    deps.metrics.recovered(result);
    const idleMs = Date.now() - lastWriteMs;
    logger.warn('stale payment intent recovered: its job runs again', {
      jobId: intentId,
      sessionId: it.sessionId,
      phone: maskPhone(it.phoneNumber),
      status: it.status,
      action: result,
      idleMs,
    });
    await store.audit(intentId, { at: deps.now().toISOString(), event: `sweep_${result}`, detail: `${it.status}, idle ${idleMs} ms` });
    return false;
  }

  /** A `pending` intent that was never queued: failed, nothing paid; its job only sends the SMS. */
  async function expire(loaded: Versioned, lastWriteMs: number, report: SweepReport): Promise<boolean> {
    const it = loaded.intent;
    const next = await store.update(loaded, { ...it, status: 'failed', failureMessage: 'never queued: nothing sent to REGIDESO', updatedAt: deps.now().toISOString() });
    if (next === undefined) return false; // someone else moved it meanwhile: the next sweep looks again
    deps.metrics.settled(next.intent);
    deps.metrics.recovered('expired');
    report.expired++;
    const idleMs = Date.now() - lastWriteMs;
    logger.warn('stale payment intent never queued: settled as failed, nothing paid', { jobId: it.intentId, sessionId: it.sessionId, phone: maskPhone(it.phoneNumber), idleMs });
    await store.audit(it.intentId, { at: deps.now().toISOString(), event: 'sweep_expired', detail: `pending, never queued, idle ${idleMs} ms` });
    await runner.enqueue(it.intentId);
    await store.closeOpen(it.intentId);
    return true;
  }

  async function stillUnresolved(intentId: string): Promise<boolean> {
    const v = await store.load(intentId);
    return v !== undefined && needsResolution(v.intent);
  }

  /** An intent given up as `uncertain`: its job runs again and reconciles it (the job never pays it again). */
  async function resolve(intentId: string, report: SweepReport): Promise<boolean> {
    const loaded = await store.load(intentId);
    if (loaded === undefined || !needsResolution(loaded.intent)) {
      await store.clearUnresolved(intentId);
      report.cleared++;
      return true;
    }
    const result = await runner.recover(intentId, () => stillUnresolved(intentId), { requeueMissing: true });
    if (result === 'settled') {
      await store.clearUnresolved(intentId);
      report.cleared++;
      return true;
    }
    if (result === 'active' || result === 'missing') {
      // Its job is still at work (the "under review" SMS, or the previous sweep's resolution).
      report.active++;
      return false;
    }
    report.resolving++;
    const it = loaded.intent;
    logger.info('uncertain payment: its job runs again to reconcile it', { jobId: intentId, sessionId: it.sessionId, phone: maskPhone(it.phoneNumber), action: result });
    await store.audit(intentId, { at: deps.now().toISOString(), event: 'sweep_resolve', detail: result });
    return false;
  }

  async function sweepUnresolved(report: SweepReport): Promise<void> {
    const cutoff = Date.now() - deps.staleAfterMs;
    let offset = 0;
    for (;;) {
      const batch = await store.unresolvedSince(cutoff, offset, BATCH);
      let removed = 0;
      for (const intentId of batch) {
        if (deps.stopped()) return;
        report.examined++;
        try {
          if (await resolve(intentId, report)) removed++;
        } catch (err) {
          report.errors++;
          logger.error('payment sweep could not resolve an uncertain intent', { jobId: intentId, err });
        }
      }
      if (batch.length < BATCH) return;
      offset += batch.length - removed;
    }
  }

  async function sweepOpen(report: SweepReport): Promise<void> {
    const cutoff = Date.now() - deps.staleAfterMs;
    let offset = 0;
    for (;;) {
      const batch = await store.openSince(cutoff, offset, BATCH);
      let removed = 0;
      for (const { intentId, lastWriteMs } of batch) {
        if (deps.stopped()) return;
        report.examined++;
        try {
          if (await examine(intentId, lastWriteMs, report)) removed++;
        } catch (err) {
          // One intent's trouble (Redis hiccup, a job BullMQ would not move) must not stop the rest.
          report.errors++;
          logger.error('payment sweep could not recover an intent', { jobId: intentId, err });
        }
      }
      if (batch.length < BATCH) return;
      // Cleared entries left the set, so the next page starts that much earlier.
      offset += batch.length - removed;
    }
  }

  return {
    async sweep() {
      const report: SweepReport = { examined: 0, requeued: 0, retried: 0, expired: 0, active: 0, cleared: 0, resolving: 0, errors: 0 };
      await sweepOpen(report);
      await sweepUnresolved(report);
      return report;
    },
  };
}
