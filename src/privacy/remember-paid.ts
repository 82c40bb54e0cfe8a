import type { Logger } from '../logging/logger';
import type { PaymentRecord } from '../payments/types';
import type { SubscriberPrefs } from '../sessions/types';
import { maskHolderName } from './masking';

/**
 * When a payment's money lands, its phone keeps the reference among those it has paid: from then on
 * it sees the holder's name whole. Not awaited by the payment, and a failure is only logged: the
 * ledger is the truth, and a lost entry only shows the name masked (the SMS side also asks the ledger).
 */
export function rememberPaidOn(prefs: Pick<SubscriberPrefs, 'rememberPaidRef'>, logger: Logger, now: () => Date = () => new Date()): (p: PaymentRecord) => void {
  return (p) => {
    prefs
      .rememberPaidRef(p.phoneNumber, { ref: p.refClient, province: p.province, maskedName: maskHolderName(p.subscriberName), at: now().getTime() })
      .catch((err: unknown) => logger.warn('paid reference not kept for the phone: its name shows masked until its next payment', { jobId: p.intentId, err }));
  };
}
