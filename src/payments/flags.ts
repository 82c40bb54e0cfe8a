import type { Logger } from '../logging/logger';
import type { Metrics } from '../metrics';
import type { Ledger } from './ledger';
import { createPaymentMetrics } from './metrics';

/** Puts a payment on the operator's list for something outside its steps (its SMS cannot be sent); once per unresolved flag. */
export type FlagPayment = (intentId: string, reason: string, detail: string) => Promise<void>;

/**
 * The flag, counted and logged. It needs the ledger alone, not the payment service: the SMS queue
 * is given it (a payment's SMS still failing) before the payment service, which hands its SMS to
 * that queue, exists.
 */
export function createPaymentFlagger(deps: { ledger: Pick<Ledger, 'flag'>; metrics: Metrics | undefined; logger: Logger }): FlagPayment {
  const metrics = createPaymentMetrics(deps.metrics);
  return async (id, reason, detail) => {
    if (await deps.ledger.flag(id, reason, detail)) {
      metrics.flagged(reason);
      deps.logger.warn('payment flagged for the operator', { jobId: id, reason });
    }
  };
}
