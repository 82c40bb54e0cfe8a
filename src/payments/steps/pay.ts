import { randomUUID } from 'node:crypto';
import { DONE, later } from '../../jobs/runner';
import type { PayOutcome } from '../../regideso/types';
import { ownReferenceFor } from '../ids';
import type { Balance, Intent } from '../intent';
import { AccountBusyError } from '../ledger';
import type { PayFactOutcome } from '../metrics';
import { reconcile, totalBalance } from '../reconcile';
import { checkBillsNow } from '../rules';
import type { RefusalReason } from '../types';
import { change, flagPatch, growingDelay, logFields, next, type Step, type StepDeps } from './change';

/**
 * The REGIDESO side of a payment: exactly one PayFact that lands, without an idempotency key.
 *
 * The rule: the intent is marked `submitted` (a compare-and-set) right BEFORE PayFact leaves, and
 * any run that finds it `submitted` or `uncertain` first re-reads the bills with GetFact and pays
 * again only when the money did not land, and not before the settle window has passed.
 *
 * One payment at a time per account: the intent takes its account (a unique index in the ledger)
 * when it is confirmed (an intent written before that rule takes it here, before the check that
 * precedes PayFact) and keeps it while a PayFact of it may land, so neither that check nor a
 * reconciliation ever sees another of our payments half done.
 */

function payFactOutcome(kind: PayOutcome['kind']): PayFactOutcome {
  switch (kind) {
    case 'paid':
    case 'unauthorized':
    case 'uncertain':
      return kind;
    default:
      return 'refused';
  }
}

/** Refused by REGIDESO, before or by PayFact: nothing reached REGIDESO, so collected money goes back. */
async function refuse(d: StepDeps, it: Intent, reason: RefusalReason, message: string): Promise<Step> {
  d.logger.info('payment refused', { ...logFields(it), reason });
  const common = { holdsAccount: false, refusalReason: reason, failureMessage: message };
  if (it.status === 'collected' || (it.collectedCentimes !== null && it.collectedCentimes > 0)) {
    const refunding = await change(d, it, { ...common, status: 'refunding', refundId: randomUUID() }, [{ event: 'refused', detail: `${reason}: ${message}` }]);
    return next(refunding);
  }
  await change(d, it, { ...common, status: 'failed' }, [{ event: 'refused', detail: `${reason}: ${message}` }]);
  return DONE;
}

/** Nothing was sent to REGIDESO and nothing can be sent now: failed, or refunded when collected. */
async function abandon(d: StepDeps, it: Intent, why: string): Promise<Step> {
  if (it.collectedCentimes !== null && it.collectedCentimes > 0) {
    const refunding = await change(d, it, { status: 'refunding', holdsAccount: false, refundId: randomUUID(), failureMessage: why }, [{ event: 'abandoned', detail: why }]);
    return next(refunding);
  }
  await change(d, it, { status: 'failed', holdsAccount: false, failureMessage: why }, [{ event: 'abandoned', detail: why }]);
  d.logger.warn('payment abandoned before PayFact', { ...logFields(it), why });
  return DONE;
}

/** Another of our payments holds the account: wait. Money not yet collected is not kept waiting for ever. */
async function accountBusy(d: StepDeps, it: Intent): Promise<Step> {
  const now = d.now();
  const age = now.getTime() - it.createdAt.getTime();
  if (it.status === 'pending' && age > d.timings.pendingGiveUpMs) {
    return abandon(d, it, 'another payment on this account took too long: nothing sent to REGIDESO');
  }
  if (it.status === 'collected' && age > d.timings.depositStuckMs && it.flagReason !== 'account_busy') {
    await change(d, it, flagPatch('account_busy', now), [{ event: 'account_busy', detail: 'collected, waiting for another payment on this account' }]);
  }
  return later(d.timings.lockWaitMs);
}

function regidesoRetry(d: StepDeps, it: Intent): number {
  return growingDelay(it.createdAt, d.now(), d.timings.regidesoRetryMs, d.timings.slowPollMs);
}

/** `pending` (the operator collects upstream) or `collected`: take the account, check, pay. */
export async function payStep(d: StepDeps, start: Intent): Promise<Step> {
  let it = start;
  if (!it.holdsAccount) {
    try {
      it = await change(d, it, { holdsAccount: true });
    } catch (err) {
      if (err instanceof AccountBusyError) return accountBusy(d, it);
      throw err;
    }
  }
  const check = checkBillsNow(await d.regideso.getBills(it.refClient, it.province), it);
  switch (check.kind) {
    case 'refused':
      if (check.keyRefused) d.logger.error('REGIDESO refused our API key', { jobId: it.id });
      return refuse(d, it, check.reason, check.message);
    case 'unavailable': {
      // The account is kept while we wait: let go, a redial (the subscriber hears nothing meanwhile)
      // could start a second payment of the same bill, and collect it, while this one is collected.
      await d.ledger.audit(it.id, 'precheck_unavailable', check.message);
      if (it.status === 'pending' && d.now().getTime() - it.createdAt.getTime() > d.timings.pendingGiveUpMs) {
        return abandon(d, it, `REGIDESO unreachable: ${check.message}`);
      }
      return later(regidesoRetry(d, it));
    }
    case 'ok':
      return submit(d, it, check.baseline);
  }
}

/**
 * The compare-and-set to `submitted`, then PayFact at once: nothing (no audit, no log) sits between
 * them. A run whose compare-and-set took longer than a quarter of the settle window (a stalled
 * process, a slow database) does not send: another run may already have reconciled and paid.
 */
async function submit(d: StepDeps, start: Intent, baseline: Balance[]): Promise<Step> {
  const t0 = Date.now();
  const sentAt = d.now();
  const it = await change(d, start, {
    status: 'submitted',
    holdsAccount: true,
    baseline,
    payAttempts: start.payAttempts + 1,
    submittedAt: sentAt,
    nextCheckAt: new Date(sentAt.getTime() + d.timings.settleMs),
  });
  if (Date.now() - t0 > d.timings.settleMs / 4) {
    // Nothing left: the attempt is given back, so the next PayFact is not taken for a second one (flag, limit).
    await change(d, it, { payAttempts: start.payAttempts }, [
      { event: 'payfact_withheld', detail: `the compare-and-set took ${Date.now() - t0} ms: reconciled after the settle window instead` },
    ]);
    return later(d.timings.settleMs);
  }
  const out = await d.regideso.payBills({ refClient: it.refClient, province: it.province, billIds: it.bills.map((b) => b.faeId), amountCentimes: it.amountCentimes, paidAt: sentAt });
  d.metrics.payFact(payFactOutcome(out.kind));
  const sent = { event: 'payfact_sent', detail: `attempt ${it.payAttempts}` };
  switch (out.kind) {
    case 'paid': {
      const remaining = out.totalDebtCentimes ?? (out.bills.length > 0 ? out.bills.reduce((s, b) => s + b.balanceAfterCentimes, 0) : null);
      // Paid on a second PayFact: the first was not seen to land, but it may still be applied late.
      const repaid = it.payAttempts > 1;
      await change(
        d,
        it,
        { status: 'succeeded', holdsAccount: false, numAcquit: out.numAcquit, ownReference: false, remainingCentimes: remaining, ...(repaid ? flagPatch('repaid_after_uncertain', d.now()) : {}) },
        [sent, { event: 'paid', detail: out.numAcquit }],
      );
      d.logger.info('payment succeeded', { ...logFields(it), numAcquit: out.numAcquit });
      return DONE;
    }
    case 'no_unpaid_bill':
    case 'bills_not_owned':
    case 'client_not_found':
    case 'rejected':
      await d.ledger.audit(it.id, sent.event, sent.detail);
      return refuse(d, it, out.kind, out.message);
    case 'unauthorized':
      d.logger.error('REGIDESO refused our API key', { jobId: it.id });
      await d.ledger.audit(it.id, sent.event, sent.detail);
      return refuse(d, it, 'rejected', 'REGIDESO refused the API key');
    case 'uncertain': {
      const uncertain = await change(d, it, { status: 'uncertain' }, [sent, { event: 'payfact_uncertain', detail: `${out.reason}: ${out.message}` }]);
      d.logger.warn('PayFact outcome uncertain: reconciled after the settle window', { ...logFields(uncertain), reason: out.reason });
      // Reconciled when the window ends: a request our side gave up on may still be applied until then.
      return later(d.timings.settleMs);
    }
  }
}

/** What REGIDESO's bills say of an earlier PayFact (`submitted` found by a later run, or `uncertain`). */
export async function reconcileStep(d: StepDeps, it: Intent): Promise<Step> {
  const now = d.now();
  const read = await d.regideso.getBills(it.refClient, it.province);
  if (read.kind !== 'ok') {
    await d.ledger.audit(it.id, 'reconcile_unavailable', read.message);
    const since = it.submittedAt ?? it.createdAt;
    if (!it.unresolved && now.getTime() - since.getTime() > d.timings.unresolvedAfterMs) {
      // The subscriber is told "under review, do not pay again"; we keep reading, and never pay this late.
      await change(d, it, { unresolved: true, failureMessage: `outcome unknown: ${read.kind}`, ...flagPatch('outcome_unknown', now) }, [{ event: 'gave_up_uncertain', detail: read.kind }]);
      return later(d.timings.slowPollMs);
    }
    return later(it.unresolved ? d.timings.slowPollMs : regidesoRetry(d, it));
  }
  const baseline = it.baseline ?? it.bills.map((b) => ({ faeId: b.faeId, balanceCentimes: b.balanceCentimes }));
  const r = reconcile(baseline, read.bills, it.amountCentimes);
  const remaining = totalBalance(read.bills);
  const reference = ownReferenceFor(it.id);
  const landed = { status: 'reconciled' as const, holdsAccount: false, unresolved: false, numAcquit: reference, ownReference: true, remainingCentimes: remaining, failureMessage: null };
  switch (r.kind) {
    case 'landed_twice':
      await change(d, it, { ...landed, ...flagPatch('double_payment', now) }, [
        { event: 'reconciled_landed_twice', detail: `balances fell by ${r.decreaseCentimes} centimes for a payment of ${it.amountCentimes}: paid twice, ${it.payAttempts} PayFacts sent` },
      ]);
      return DONE;
    case 'landed':
      await change(d, it, { ...landed, ...flagPatch('landed_without_receipt', now) }, [
        { event: 'reconciled_landed', detail: `balances fell by ${r.decreaseCentimes} centimes; the receipt number was lost` },
      ]);
      return DONE;
    case 'partial':
      await change(d, it, { status: 'partial', holdsAccount: false, failureMessage: 'balances fell by less than the amount', ...flagPatch('partial', now) }, [
        { event: 'reconciled_partial', detail: `balances fell by ${r.decreaseCentimes} of ${it.amountCentimes} centimes` },
      ]);
      return DONE;
    case 'not_landed':
      break;
  }
  const sinceSubmit = it.submittedAt === null ? Infinity : now.getTime() - it.submittedAt.getTime();
  if (sinceSubmit < d.timings.settleMs) return later(d.timings.settleMs - sinceSubmit);
  if (it.unresolved || it.payAttempts >= d.timings.maxPayAttempts) {
    // Too late, or too many tries, to pay now: the subscriber was told, and may have paid since.
    await d.ledger.audit(it.id, 'resolved_not_landed', `balances unchanged after ${it.payAttempts} PayFact(s): not paid again`);
    return abandon(d, it, 'REGIDESO shows nothing taken: the payment did not go through');
  }
  await d.ledger.audit(it.id, 'reconciled_not_landed', 'balances unchanged: paying again');
  return submit(d, it, baseline);
}

