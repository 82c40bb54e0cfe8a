import type { Logger } from '../logging/logger';
import { maskPhone } from '../logging/mask';
import type { PayOutcome, RegidesoClient } from '../regideso/types';
import {
  appliedWithoutReceiptText,
  paymentFailedText,
  paymentRefusedText,
  receiptText,
  underReviewText,
} from '../sms/receipt-texts';
import type { SmsSender } from '../sms/transport';
import { ownReferenceFor } from './ids';
import type { AccountLock } from './account-lock';
import { holdsAccount, isSettled, needsResolution, type Intent, type RefusalReason } from './intent';
import type { PayFactOutcome, PaymentMetrics } from './metrics';
import { reconcile, totalBalance } from './reconcile';
import type { IntentStore, Versioned } from './store';

/**
 * The payment job: one run per attempt, the same code under BullMQ and in-process.
 *
 * Exactly once, without an idempotency key at REGIDESO, rests on one rule: the intent is marked
 * `submitted` (a compare-and-set) BEFORE PayFact is sent, and any attempt that finds it
 * `submitted` or `uncertain` (a crash, a stalled job run again, a timeout, a reset, a 5xx) first
 * re-reads the bills with GetFact and pays again only when the money did not land.
 *
 * One payment at a time per account (account-lock.ts): the lock is taken before the precheck or
 * the reconciliation and kept while a PayFact of this intent may be in flight or may yet land, so
 * neither the precheck nor the reconciliation ever sees another of our payments half done.
 *
 * The receipt SMS is a separate step that runs once the payment is settled; a failed SMS makes
 * the job try again, and the next attempt finds the payment settled and retries the SMS only.
 *
 * An intent given up as `uncertain` (REGIDESO unreachable to the last attempt) is resolved later:
 * the recovery sweep runs its job again, which reconciles it with GetFact (never pays this late)
 * and tells the subscriber how it ended.
 */
export interface Attempt {
  number: number;
  isLast: boolean;
  /** How many times this job already waited for its account's lock (waits use no attempt). */
  lockWaits: number;
}

/**
 * `retry`: try again later (with backoff, one attempt used); `wait`: the account is busy with
 * another of our payments, run again after a short fixed delay without using an attempt;
 * `done`: nothing left to do.
 */
export type RunResult = 'done' | 'retry' | 'wait';

export interface PaymentJob {
  run(intentId: string, attempt: Attempt): Promise<RunResult>;
}

export interface PaymentJobDeps {
  store: IntentStore;
  regideso: RegidesoClient;
  sms: SmsSender;
  logger: Logger;
  now: () => Date;
  /**
   * How long after sending PayFact unchanged balances are taken to mean "did not land". A request
   * our side gave up on may still be applied by REGIDESO a moment later; paying again before then
   * would pay twice.
   */
  settleMs: number;
  metrics: PaymentMetrics;
  lock: AccountLock;
  /** The lock's lifetime from its last refresh (each attempt refreshes it): outlasts the job's whole retry span. */
  lockTtlMs: number;
  /** Waits for a busy account before giving up on it (a `pending` intent then fails, nothing sent). */
  maxLockWaits: number;
}

type Settled = { kind: 'settled'; cur: Versioned };
type Step = Settled | { kind: 'retry'; cur: Versioned; why: string } | { kind: 'wait' };

/** Another runner wrote the intent first (a stalled job that woke up): this run stops. */
class LostRace extends Error {}

function payFactOutcome(kind: PayOutcome['kind']): PayFactOutcome {
  switch (kind) {
    case 'paid':
    case 'unauthorized':
    case 'uncertain':
      return kind;
    case 'no_unpaid_bill':
    case 'bills_not_owned':
    case 'client_not_found':
    case 'rejected':
      return 'refused';
  }
}

export function createPaymentJob(deps: PaymentJobDeps): PaymentJob {
  const { store, regideso, logger } = deps;

  const logFields = (it: Intent) => ({ jobId: it.intentId, sessionId: it.sessionId, phone: maskPhone(it.phoneNumber), status: it.status });

  async function write(cur: Versioned, patch: Partial<Intent>): Promise<Versioned> {
    const next: Intent = { ...cur.intent, ...patch, updatedAt: deps.now().toISOString() };
    const written = await store.update(cur, next);
    if (written === undefined) throw new LostRace(`intent ${cur.intent.intentId} changed under this run`);
    // The compare-and-set let only this write move the intent from open to settled: counted once.
    if (!isSettled(cur.intent) && isSettled(next)) deps.metrics.settled(next);
    return written;
  }

  async function audit(it: Intent, event: string, detail?: string): Promise<void> {
    await store.audit(it.intentId, { at: deps.now().toISOString(), event, ...(detail !== undefined ? { detail } : {}) });
  }

  async function refuse(cur: Versioned, reason: RefusalReason, message: string): Promise<Step> {
    const next = await write(cur, { status: 'failed', refusalReason: reason, failureMessage: message });
    await audit(next.intent, 'refused', `${reason}: ${message}`);
    logger.info('payment refused', { ...logFields(next.intent), reason });
    return { kind: 'settled', cur: next };
  }

  /** Money landed but its receipt number is lost, or nobody can tell yet: a person must look. */
  async function flagForOperator(cur: Versioned, patch: Partial<Intent>, event: string, detail: string): Promise<Settled> {
    const reference = ownReferenceFor(cur.intent.intentId);
    // Indexes first: once the status says settled, a lookup by reference must already work.
    await store.indexNumAcquit(reference, cur.intent.intentId);
    await store.flag(cur.intent.intentId, deps.now().getTime());
    const next = await write(cur, { ...patch, numAcquit: reference, ownReference: true, flagged: true });
    deps.metrics.flagged();
    await audit(next.intent, event, detail);
    logger.warn('payment flagged for the operator', { ...logFields(next.intent), reference, event });
    return { kind: 'settled', cur: next };
  }

  /**
   * REGIDESO took the money on a second or later PayFact: the earlier one was not seen to land, but
   * PayFact has no idempotency key, so it may still be applied late (a request REGIDESO held past
   * the settle window) and take the money twice. REGIDESO's receipt number stands; a person checks.
   */
  async function repaidAfterUncertain(it: Intent): Promise<void> {
    deps.metrics.flagged();
    await audit(it, 'repaid_after_uncertain', `paid on PayFact ${it.payAttempts}: check REGIDESO for a late application of an earlier one`);
    logger.warn('payment flagged for the operator', { ...logFields(it), numAcquit: it.numAcquit, event: 'repaid_after_uncertain' });
  }

  /** GetFact before paying again: the witness of whether an earlier PayFact landed. */
  async function reconcileStep(cur: Versioned): Promise<Step | 'pay_again'> {
    const it = cur.intent;
    const read = await regideso.getBills(it.refClient, it.province);
    if (read.kind !== 'ok') {
      await audit(it, 'reconcile_unavailable', read.message);
      return { kind: 'retry', cur, why: `GetFact: ${read.kind}` };
    }
    const baseline = it.baseline ?? it.bills.map((b) => ({ faeId: b.faeId, balanceCentimes: b.balanceCentimes }));
    const r = reconcile(baseline, read.bills, it.amountCentimes);
    if (r.kind === 'landed') {
      return flagForOperator(cur, { status: 'reconciled', remainingCentimes: totalBalance(read.bills) }, 'reconciled_landed', `balances fell by ${r.decreaseCentimes} centimes; the receipt number was lost`);
    }
    if (r.kind === 'partial') {
      return flagForOperator(cur, { status: 'uncertain', failureMessage: 'balances fell by less than the amount' }, 'reconciled_partial', `balances fell by ${r.decreaseCentimes} of ${it.amountCentimes} centimes`);
    }
    // Durations use the real clock even when `now` is pinned (tests): it is a wait, not a record.
    const sinceSubmit = it.submittedAt === undefined ? Infinity : Date.now() - Date.parse(it.submittedAt);
    if (sinceSubmit < deps.settleMs) {
      await audit(it, 'reconcile_too_early', `balances unchanged ${sinceSubmit} ms after PayFact: checking again later`);
      return { kind: 'retry', cur, why: 'balances unchanged, too early to pay again' };
    }
    await audit(it, 'reconciled_not_landed', 'balances unchanged: paying again');
    return 'pay_again';
  }

  /** Before the first PayFact: fresh balances (the baseline), and a last check against them. */
  async function precheck(cur: Versioned): Promise<Step | Array<{ faeId: string; balanceCentimes: number }>> {
    const it = cur.intent;
    const read = await regideso.getBills(it.refClient, it.province);
    switch (read.kind) {
      case 'client_not_found':
        return refuse(cur, 'client_not_found', read.message);
      case 'unauthorized':
        logger.error('REGIDESO refused our API key', { jobId: it.intentId });
        return refuse(cur, 'rejected', 'REGIDESO refused the API key');
      case 'unavailable':
        await audit(it, 'precheck_unavailable', read.message);
        return { kind: 'retry', cur, why: `GetFact: ${read.reason}` };
      case 'ok':
        break;
    }
    // GetFact lists the subscriber's bills, paid ones included: a selected bill it does not list is not theirs.
    const missing = it.bills.filter((b) => !read.bills.some((x) => x.faeId === b.faeId));
    if (missing.length > 0) return refuse(cur, 'bills_not_owned', `bills not listed by GetFact: ${missing.map((b) => b.faeId).join(', ')}`);
    const baseline = it.bills.map((b) => ({ faeId: b.faeId, balanceCentimes: read.bills.find((x) => x.faeId === b.faeId)?.balanceCentimes ?? 0 }));
    const balance = baseline.reduce((sum, b) => sum + Math.max(b.balanceCentimes, 0), 0);
    if (balance <= 0) return refuse(cur, 'bills_already_paid', 'the selected bills have nothing left to pay');
    if (it.amountCentimes > balance) return refuse(cur, 'amount_above_balance', `the balance is now ${balance} centimes`);
    return baseline;
  }

  /** The payment step under the account's lock; the lock is kept only while the intent holds money in doubt. */
  async function payStep(start: Versioned, attempt: Attempt): Promise<Step> {
    const it = start.intent;
    const lock = await deps.lock.acquire(it, it.intentId, deps.lockTtlMs);
    if (lock.kind === 'busy') return accountBusy(start, attempt, lock.holder);
    const step = await payLocked(start);
    if (step.kind === 'wait' || !holdsAccount(step.cur.intent)) await deps.lock.release(it, it.intentId);
    return step;
  }

  async function accountBusy(cur: Versioned, attempt: Attempt, holder: string): Promise<Step> {
    const it = cur.intent;
    if (attempt.lockWaits < deps.maxLockWaits) {
      // Once per job, not per wait: the audit is for people.
      if (attempt.lockWaits === 0) {
        await audit(it, 'account_busy', `another payment on this account (${holder}) goes first`);
        logger.info('payment waits for another payment on the same account', { ...logFields(it), holder });
      }
      return { kind: 'wait' };
    }
    if (it.status === 'pending') {
      // Nothing was sent: the subscriber is told nothing was taken and may try again.
      const next = await write(cur, { status: 'failed', failureMessage: 'another payment on this account took too long: nothing sent to REGIDESO' });
      await audit(next.intent, 'gave_up_account_busy', `account held by ${holder}`);
      logger.warn('payment abandoned before PayFact: its account stayed busy', { ...logFields(next.intent), holder });
      return { kind: 'settled', cur: next };
    }
    // A PayFact of ours is in doubt but the account is someone else's now (our lock expired):
    // reconciling now could see their money. Attempts run out into `uncertain`, resolved later.
    return { kind: 'retry', cur, why: `account held by ${holder}` };
  }

  async function payLocked(start: Versioned): Promise<Step> {
    let cur = start;
    if (cur.intent.status === 'submitted' || cur.intent.status === 'uncertain') {
      const r = await reconcileStep(cur);
      if (r !== 'pay_again') return r;
      cur = await write(cur, { status: 'submitted', payAttempts: cur.intent.payAttempts + 1, submittedAt: new Date().toISOString() });
    } else {
      const r = await precheck(cur);
      if (!Array.isArray(r)) return r;
      // The rule that makes every later attempt reconcile first: recorded before PayFact leaves.
      cur = await write(cur, { status: 'submitted', baseline: r, payAttempts: cur.intent.payAttempts + 1, submittedAt: new Date().toISOString() });
    }
    const it = cur.intent;
    await audit(it, 'payfact_sent', `attempt ${it.payAttempts}`);
    const out = await regideso.payBills({
      refClient: it.refClient,
      province: it.province,
      billIds: it.bills.map((b) => b.faeId),
      amountCentimes: it.amountCentimes,
      paidAt: deps.now(),
    });
    deps.metrics.payFact(payFactOutcome(out.kind));
    switch (out.kind) {
      case 'paid': {
        const remaining = out.totalDebtCentimes ?? (out.bills.length > 0 ? out.bills.reduce((s, b) => s + b.balanceAfterCentimes, 0) : undefined);
        // Indexed first: the hop may show the receipt number the moment the status says succeeded.
        await store.indexNumAcquit(out.numAcquit, it.intentId);
        const repaid = it.payAttempts > 1;
        // Like every flag: in the flagged set before the record says so.
        if (repaid) await store.flag(it.intentId, deps.now().getTime());
        const next = await write(cur, {
          status: 'succeeded',
          numAcquit: out.numAcquit,
          ownReference: false,
          ...(remaining !== undefined ? { remainingCentimes: remaining } : {}),
          ...(repaid ? { flagged: true } : {}),
        });
        await audit(next.intent, 'paid', out.numAcquit);
        logger.info('payment succeeded', { ...logFields(next.intent), numAcquit: out.numAcquit });
        if (repaid) await repaidAfterUncertain(next.intent);
        return { kind: 'settled', cur: next };
      }
      case 'no_unpaid_bill':
      case 'bills_not_owned':
      case 'client_not_found':
      case 'rejected':
        return refuse(cur, out.kind, out.message);
      case 'unauthorized':
        logger.error('REGIDESO refused our API key', { jobId: it.intentId });
        return refuse(cur, 'rejected', 'REGIDESO refused the API key');
      case 'uncertain': {
        const next = await write(cur, { status: 'uncertain' });
        await audit(next.intent, 'payfact_uncertain', `${out.reason}: ${out.message}`);
        logger.warn('PayFact outcome uncertain: will reconcile', { ...logFields(next.intent), reason: out.reason });
        // Reconcile on the next attempt, after a backoff: a request that timed out on our side
        // may still be applied by REGIDESO in the next moments.
        return { kind: 'retry', cur: next, why: `PayFact ${out.reason}` };
      }
    }
  }

  /** The last attempt could not settle: no money moved (pending), or nobody can tell (submitted). */
  async function giveUp(cur: Versioned, why: string): Promise<Versioned> {
    if (cur.intent.status === 'pending') {
      const next = await write(cur, { status: 'failed', failureMessage: `REGIDESO unreachable: ${why}` });
      await audit(next.intent, 'gave_up', why);
      logger.warn('payment abandoned before PayFact', { ...logFields(next.intent), why });
      return next;
    }
    // In the unresolved set before the intent says so: the sweep must find every unresolved intent.
    await store.markUnresolved(cur.intent.intentId, Date.now());
    const step = await flagForOperator(cur, { status: 'uncertain', unresolved: true, failureMessage: `outcome unknown: ${why}` }, 'gave_up_uncertain', why);
    return step.cur;
  }

  /**
   * The sweep's second look at an intent given up as `uncertain`, once REGIDESO answers again:
   * GetFact against the baseline, under the account's lock (kept since the job gave up, so none of
   * our other payments has touched the balances). Landed: `reconciled` under our reference.
   * Unchanged: `failed`, nothing taken; never paid again this late. Partial: left to the operator.
   * REGIDESO still unavailable (or too early to believe unchanged balances): undefined, the next
   * sweep looks again. It stays flagged whatever happens: the operator keeps the record.
   */
  async function resolveStep(cur: Versioned): Promise<Versioned | undefined> {
    const it = cur.intent;
    const lock = await deps.lock.acquire(it, it.intentId, deps.lockTtlMs);
    if (lock.kind === 'busy') {
      await audit(it, 'resolve_busy', `account held by ${lock.holder}: resolved by a later sweep`);
      return undefined;
    }
    const read = await regideso.getBills(it.refClient, it.province);
    if (read.kind !== 'ok') {
      await audit(it, 'resolve_unavailable', read.message);
      return undefined;
    }
    const baseline = it.baseline ?? it.bills.map((b) => ({ faeId: b.faeId, balanceCentimes: b.balanceCentimes }));
    const r = reconcile(baseline, read.bills, it.amountCentimes);
    let next: Versioned;
    if (r.kind === 'landed') {
      // A fresh notice replaces the "under review" one: the money arrived, under our reference.
      next = await write(cur, {
        status: 'reconciled',
        unresolved: false,
        remainingCentimes: totalBalance(read.bills),
        failureMessage: undefined,
        receipt: { status: 'none', attempts: 0 },
      });
      await audit(next.intent, 'resolved_landed', `balances fell by ${r.decreaseCentimes} centimes; the receipt number was lost`);
    } else if (r.kind === 'partial') {
      next = await write(cur, { unresolved: false, failureMessage: 'balances fell by less than the amount' });
      await audit(next.intent, 'resolved_partial', `balances fell by ${r.decreaseCentimes} of ${it.amountCentimes} centimes: for the operator`);
    } else {
      const sinceSubmit = it.submittedAt === undefined ? Infinity : Date.now() - Date.parse(it.submittedAt);
      if (sinceSubmit < deps.settleMs) {
        await audit(it, 'resolve_too_early', `balances unchanged ${sinceSubmit} ms after PayFact`);
        return undefined;
      }
      next = await write(cur, {
        status: 'failed',
        unresolved: false,
        failureMessage: 'REGIDESO shows nothing taken: the payment did not go through',
        receipt: { status: 'none', attempts: 0 },
      });
      await audit(next.intent, 'resolved_not_landed', 'balances unchanged: nothing taken, not paid again');
    }
    logger.warn('uncertain payment resolved', { ...logFields(next.intent), outcome: r.kind });
    await store.clearUnresolved(it.intentId);
    await deps.lock.release(it, it.intentId);
    return next;
  }

  function noticeFor(it: Intent): string {
    const facts = { amountCentimes: it.amountCentimes, refClient: it.refClient };
    if (it.status === 'succeeded') {
      return receiptText(it.language, { ...facts, billNumbers: it.bills.map((b) => b.billNumber), numAcquit: it.numAcquit ?? '', remainingCentimes: it.remainingCentimes });
    }
    if (it.status === 'reconciled') return appliedWithoutReceiptText(it.language, { ...facts, reference: it.numAcquit ?? '' });
    if (it.status === 'failed' && it.refusalReason !== undefined) return paymentRefusedText(it.language, it.refusalReason, facts);
    if (it.status === 'failed') return paymentFailedText(it.language, facts);
    return underReviewText(it.language, { ...facts, reference: it.numAcquit ?? ownReferenceFor(it.intentId) });
  }

  async function notifyStep(cur: Versioned, attempt: Attempt): Promise<RunResult> {
    const it = cur.intent;
    if (!isSettled(it) || it.receipt.status !== 'none') return 'done';
    const out = await deps.sms.send({ to: it.phoneNumber, message: noticeFor(it), kind: 'receipt' });
    const attempts = it.receipt.attempts + 1;
    if (out.kind === 'sent') {
      const next = await write(cur, { receipt: { status: 'sent', attempts, ...(out.messageId !== undefined ? { messageId: out.messageId } : {}) } });
      await audit(next.intent, 'sms_sent', out.messageId);
      return 'done';
    }
    if (out.kind === 'transient_failure' && !attempt.isLast) {
      const next = await write(cur, { receipt: { status: 'none', attempts } });
      await audit(next.intent, 'sms_transient_failure', out.message);
      return 'retry';
    }
    const next = await write(cur, { receipt: { status: 'failed', attempts } });
    await audit(next.intent, 'sms_failed', out.message);
    logger.warn('receipt SMS not delivered', { ...logFields(next.intent), reason: out.message });
    return 'done';
  }

  return {
    async run(intentId, attempt) {
      const loaded = await store.load(intentId);
      if (loaded === undefined) {
        logger.warn('payment job without intent (expired?)', { jobId: intentId });
        return 'done';
      }
      try {
        let cur = loaded;
        if (needsResolution(cur.intent) && cur.intent.receipt.status !== 'none') {
          // Run again by the sweep (the "under review" notice is done with): resolve, never pay.
          const resolved = await resolveStep(cur);
          if (resolved === undefined) return 'done';
          cur = resolved;
        } else if (!isSettled(cur.intent)) {
          const step = await payStep(cur, attempt);
          if (step.kind === 'wait') return 'wait';
          if (step.kind === 'retry') {
            if (!attempt.isLast) return 'retry';
            cur = await giveUp(step.cur, step.why);
          } else {
            cur = step.cur;
          }
        }
        return await notifyStep(cur, attempt);
      } catch (err) {
        if (err instanceof LostRace) {
          logger.warn('payment job lost a race: another run owns the intent', { jobId: intentId });
          return 'done';
        }
        throw err;
      }
    },
  };
}
