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
import { isSettled, type Intent, type RefusalReason } from './intent';
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
 * The receipt SMS is a separate step that runs once the payment is settled; a failed SMS makes
 * the job try again, and the next attempt finds the payment settled and retries the SMS only.
 */
export interface Attempt {
  number: number;
  isLast: boolean;
}

/** `retry`: try again later (with backoff); `done`: nothing left to do. */
export type RunResult = 'done' | 'retry';

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
}

type Step = { kind: 'settled'; cur: Versioned } | { kind: 'retry'; cur: Versioned; why: string };

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
  async function flagForOperator(cur: Versioned, patch: Partial<Intent>, event: string, detail: string): Promise<Step> {
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

  async function payStep(start: Versioned): Promise<Step> {
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
        const next = await write(cur, { status: 'succeeded', numAcquit: out.numAcquit, ownReference: false, ...(remaining !== undefined ? { remainingCentimes: remaining } : {}) });
        await audit(next.intent, 'paid', out.numAcquit);
        logger.info('payment succeeded', { ...logFields(next.intent), numAcquit: out.numAcquit });
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
    const step = await flagForOperator(cur, { status: 'uncertain', failureMessage: `outcome unknown: ${why}` }, 'gave_up_uncertain', why);
    return step.cur;
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
        if (!isSettled(cur.intent)) {
          const step = await payStep(cur);
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
