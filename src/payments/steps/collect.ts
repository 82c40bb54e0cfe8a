import { randomUUID } from 'node:crypto';
import { DONE, later } from '../../jobs/runner';
import { customerMessageFor } from '../../collections/customer-message';
import { PUBLIC_NAMES } from '../../collections/public-names';
import type { CollectionPort } from '../../collections/types';
import { hasDeposit, type CollectingIntent, type Intent } from '../intent';
import type { QueuedSms } from '../ledger';
import { checkBillsNow } from '../rules';
import { change, flagPatch, growingDelay, logFields, next, type Step, type StepDeps } from './change';

/**
 * The wallet side: the subscriber's money is collected (a pawaPay deposit, approved with the PIN on
 * the phone after the USSD session ended) before PayFact. The deposit id was drawn and stored with
 * the intent, so an initiation whose answer was lost is simply sent again: pawaPay ignores a
 * duplicate id. The deposit's status as pawaPay reports it is the truth; callbacks only hurry the
 * next read (src/http/wallet-callbacks-router.ts).
 */
function walletOf(d: StepDeps): CollectionPort {
  if (d.wallet === undefined) throw new Error('a wallet payment without a wallet configured');
  return d.wallet;
}

/**
 * A wallet whose PIN prompt the subscriber raises by dialling a code (or brings back that way): an
 * SMS says how, in their language, once the deposit waits for it. Its id is the intent's, so a
 * deposit initiated again queues it once.
 */
async function approveNotice(d: StepDeps, wallet: CollectionPort, it: CollectingIntent): Promise<QueuedSms[]> {
  const provider = it.provider;
  const rules = await wallet.providerRules().catch(() => []);
  const prompt = rules.find((r) => r.provider === provider)?.pinPrompt;
  if (prompt?.dialCode === undefined) return [];
  const body = d.receiptTexts.approveText(it.language, prompt.mode === 'manual' ? 'manual' : 'revive', {
    amountCentimes: it.amountCentimes,
    refClient: it.refClient,
    wallet: PUBLIC_NAMES[provider],
    dialCode: prompt.dialCode,
  });
  return [{ id: `${it.id}-approve`, kind: 'notice', recipient: it.phone, body }];
}

/** `pending`, collected first: a last look at the bills (nothing is locked yet), then ask the wallet. */
export async function startCollection(d: StepDeps, it: Intent): Promise<Step> {
  if (!hasDeposit(it)) {
    await change(d, it, { status: 'failed', failureMessage: 'no wallet chosen' }, [{ event: 'refused', detail: 'no wallet provider on the intent' }]);
    return DONE;
  }
  const check = checkBillsNow(await d.regideso.getBills(it.refClient, it.province), it);
  if (check.kind === 'refused') {
    if (check.keyRefused) d.logger.error('REGIDESO refused our API key', { jobId: it.id });
    await change(d, it, { status: 'failed', refusalReason: check.reason, failureMessage: check.message }, [{ event: 'refused', detail: `${check.reason}: ${check.message}` }]);
    return DONE;
  }
  if (check.kind === 'unavailable') {
    if (d.now().getTime() - it.createdAt.getTime() > d.timings.pendingGiveUpMs) {
      await change(d, it, { status: 'failed', failureMessage: `REGIDESO unreachable: ${check.message}` }, [{ event: 'abandoned', detail: check.message }]);
      return DONE;
    }
    await d.ledger.audit(it.id, 'precheck_unavailable', check.message);
    return later(growingDelay(it.createdAt, d.now(), d.timings.regidesoRetryMs, d.timings.slowPollMs));
  }
  return next(await change(d, it, { status: 'collecting', collectingSince: d.now() }, [{ event: 'collection_started', detail: it.provider }]));
}

/** `collecting`: initiate the deposit (again, after a lost answer), then read its status until it is final. */
export async function collectStep(d: StepDeps, start: CollectingIntent): Promise<Step> {
  const wallet = walletOf(d);
  let it: Intent = start;
  const { depositId, provider } = start;
  if (it.depositStatus === null) {
    const out = await wallet.initiateDeposit({
      depositId,
      amountCentimes: it.amountCentimes,
      provider,
      phoneE164: it.phone,
      customerMessage: customerMessageFor(it.refClient),
      clientReferenceId: it.id,
    });
    switch (out.kind) {
      case 'accepted':
      case 'duplicate_ignored':
        it = await change(d, it, { depositStatus: 'ACCEPTED' }, [{ event: 'deposit_initiated', detail: out.kind }], await approveNotice(d, wallet, start));
        return later(d.timings.pollMinMs);
      case 'rejected':
        d.metrics.deposit('rejected');
        await change(d, it, { status: 'failed', depositStatus: 'REJECTED', depositFailureCode: out.code, failureMessage: out.message }, [{ event: 'deposit_rejected', detail: `${out.code}: ${out.message}` }]);
        return DONE;
      case 'unknown':
        // Received or not: the status read below tells, and NOT_FOUND means send it again.
        await d.ledger.audit(it.id, 'deposit_initiate_unknown', `${out.reason}: ${out.message}`);
        break;
    }
  }
  const state = await wallet.depositStatus(depositId);
  const now = d.now();
  const pollDelay = () => growingDelay(it.collectingSince ?? it.createdAt, now, d.timings.pollMinMs, d.timings.pollMaxMs);
  switch (state.kind) {
    case 'completed': {
      d.metrics.deposit('completed');
      const collected = await change(d, it, { status: 'collected', depositStatus: 'COMPLETED', collectedCentimes: state.amountCentimes, providerTxnId: state.providerTransactionId ?? null }, [
        { event: 'deposit_completed', detail: `${state.amountCentimes} centimes, provider transaction ${state.providerTransactionId ?? '?'}` },
      ]);
      d.metrics.collected(collected);
      d.logger.info('wallet debited', logFields(collected));
      if (state.amountCentimes !== it.amountCentimes) {
        // Never pay REGIDESO an amount other than the one collected: give the money back, and tell a person.
        return next(
          await change(d, collected, { status: 'refunding', refundId: randomUUID(), failureMessage: 'collected amount differs from the confirmed one', ...flagPatch('collected_amount_mismatch', now) }, [
            { event: 'collected_amount_mismatch', detail: `confirmed ${it.amountCentimes}, collected ${state.amountCentimes}` },
          ]),
        );
      }
      return next(collected);
    }
    case 'failed':
      d.metrics.deposit('failed');
      await change(d, it, { status: 'failed', depositStatus: 'FAILED', depositFailureCode: state.code, failureMessage: state.message }, [{ event: 'deposit_failed', detail: `${state.code}: ${state.message}` }]);
      return DONE;
    case 'not_found':
      if (it.depositStatus !== null) {
        // pawaPay does not know it although it accepted it once: ask again under the same id.
        await change(d, it, { depositStatus: null }, [{ event: 'deposit_not_found', detail: 'initiating again under the same id' }]);
      }
      return later(d.timings.pollMinMs);
    case 'in_progress': {
      const open = now.getTime() - (it.collectingSince ?? it.createdAt).getTime();
      if (open > d.timings.depositStuckMs && it.flagReason !== 'deposit_stuck') {
        await change(d, it, flagPatch('deposit_stuck', now), [{ event: 'deposit_stuck', detail: `still ${state.status} after ${Math.round(open / 1000)} s` }]);
        return later(d.timings.slowPollMs);
      }
      return later(it.flagReason === 'deposit_stuck' ? d.timings.slowPollMs : pollDelay());
    }
    case 'unavailable':
      await d.ledger.audit(it.id, 'deposit_status_unavailable', state.message);
      return later(pollDelay());
  }
}
