import type { Db } from '../db/types';
import type { Logger } from '../logging/logger';
import type { Metrics } from '../metrics';
import { createPaymentFlagger, type FlagPayment } from '../payments/flags';
import { createLedger } from '../payments/ledger';
import { createPaymentService, type PaymentServiceDeps, type PaymentServiceHandle } from '../payments/service';
import type { SmsQueue } from '../sms/queue';
import { queueSmsIn } from '../sms/store';

/**
 * The payments area as compose.ts wires it, and the test kits with it (test/payments/harness.ts):
 * a wiring change is made here once.
 */

/**
 * What flags a payment from outside payments (its SMS still failing): the ledger alone, so the SMS
 * queue is given it before the payment service, which hands its SMS to that queue, exists.
 */
export function composePaymentFlagger(db: Db, metrics: Metrics, logger: Logger): FlagPayment {
  return createPaymentFlagger({ ledger: createLedger(db, { queueSms: queueSmsIn }), metrics, logger });
}

export type PaymentsDeps = Omit<PaymentServiceDeps, 'collection' | 'queueSms' | 'onSms'> & {
  /** The SMS queue, told of the SMS a payment's change queued once the change is committed. */
  sms: Pick<SmsQueue, 'sendNow'>;
};

/**
 * The payment service: it collects from the wallet when there is one (else the operator collects
 * upstream), and queues its SMS inside its own ledger transactions (the SMS store's one way to do
 * so), handing them to the SMS queue once committed.
 */
export function composePayments({ sms, ...deps }: PaymentsDeps): PaymentServiceHandle {
  return createPaymentService({
    ...deps,
    collection: deps.wallet === undefined ? 'none' : 'wallet',
    queueSms: queueSmsIn,
    onSms: (queued) => sms.sendNow(queued.map((m) => m.id)),
  });
}
