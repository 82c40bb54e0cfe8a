import { DONE, later, type RunResult } from '../jobs/runner';
import { isOpen, phaseOf, type Intent } from './intent';
import { startCollection, collectStep } from './steps/collect';
import { LostRace, type Step, type StepDeps } from './steps/change';
import { payStep, reconcileStep } from './steps/pay';
import { refundStep } from './steps/refund';

/**
 * The payment job: one run moves an intent as far as it can go now, then says when to look again.
 * The same code runs under BullMQ and in-process; every change is a compare-and-set in the ledger,
 * so two runs of one intent at once (a stalled worker woken up, a sweep, a callback) cannot both
 * move it. A run that loses such a race stops; the winner goes on.
 */
const MAX_STEPS = 12;

export function createPaymentJob(d: StepDeps): (intentId: string) => Promise<RunResult> {
  async function step(it: Intent): Promise<Step> {
    const phase = phaseOf(it);
    switch (phase.step) {
      case 'start_collection':
        return startCollection(d, phase.it);
      case 'collect':
        return collectStep(d, phase.it);
      case 'pay':
        return payStep(d, phase.it);
      case 'reconcile':
        return reconcileStep(d, phase.it);
      case 'refund':
        return refundStep(d, phase.it);
      case 'inconsistent':
        throw new Error(`intent ${it.id}: ${it.status} without ${phase.missing}`);
      case 'settled':
        return DONE;
    }
  }

  return async function run(intentId) {
    let it = await d.ledger.load(intentId);
    if (it === undefined) {
      d.logger.warn('payment job without an intent', { jobId: intentId });
      return DONE;
    }
    try {
      for (let i = 0; i < MAX_STEPS && isOpen(it); i++) {
        const s = await step(it);
        if (s.kind === 'next') {
          it = s.it;
          continue;
        }
        if (s.kind === 'later') await d.ledger.postpone(intentId, new Date(d.now().getTime() + s.delayMs));
        return s;
      }
      // A chain this long is a bug: look again later rather than spin.
      return isOpen(it) ? later(d.timings.lockWaitMs) : DONE;
    } catch (err) {
      if (err instanceof LostRace) {
        d.logger.warn('payment job lost a race: another run owns the intent', { jobId: intentId });
        return DONE;
      }
      throw err;
    }
  };
}
