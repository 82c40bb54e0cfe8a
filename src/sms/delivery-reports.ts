import { z } from 'zod';
import { smsDeliveryCounter, smsResendCounter } from '../channel-metrics';
import type { Logger } from '../logging/logger';
import type { Metrics } from '../metrics';
import { samePhone } from './phone';
import type { SmsQueue } from './queue';
import type { SmsStore } from './store';

/**
 * Africa's Talking's delivery statuses. Sent, Submitted and Buffered are on the way; Success,
 * Rejected and Failed are final; AbsentSubscriber and Expired mean the phone could not be reached.
 */
export const DELIVERY_STATUSES = ['Sent', 'Submitted', 'Buffered', 'Rejected', 'Success', 'Failed', 'AbsentSubscriber', 'Expired'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

/** Africa's Talking delivery report (form fields); extra fields are ignored. */
export const deliveryReportSchema = z.object({
  id: z.string().trim().min(1).max(128),
  // An unknown status is refused rather than taken for "in progress": it may be a failure.
  status: z.string().trim().pipe(z.enum(DELIVERY_STATUSES, { error: `must be one of ${DELIVERY_STATUSES.join(', ')}` })),
  phoneNumber: z.string().trim().max(32).optional(),
  networkCode: z.string().trim().max(16).optional(),
  failureReason: z
    .string()
    .trim()
    .max(80)
    .optional()
    .transform((v) => (v === '' ? undefined : v)),
  retryCount: z.string().trim().max(8).optional(),
});
export type DeliveryReport = z.infer<typeof deliveryReportSchema>;

/** Statuses after which the gateway will not try again. */
const FINAL_FAILURE = new Set<DeliveryStatus>(['Failed', 'Rejected', 'AbsentSubscriber', 'Expired']);

/**
 * Failure reasons where the same text may well arrive later: the phone was off or out of coverage,
 * or the network failed. Everything else (`InvalidPhoneNumber`, `UserInBlackList`,
 * `InsufficientCredit`, `UserDoesNotExist`, `DoNotDisturbRejection`, …) or an unknown reason is
 * treated as permanent: a resend would fail the same way, and a storm costs credit.
 */
const TRANSIENT_REASONS = new Set(['DeliveryFailure', 'AbsentSubscriber', 'NetworkFailure', 'NetworkError', 'Timeout', 'SystemError']);

export function isTransientFailure(status: DeliveryStatus, failureReason: string | undefined): boolean {
  if (status === 'AbsentSubscriber' || status === 'Expired') return true;
  if (status !== 'Failed' && status !== 'Rejected') return false;
  return failureReason !== undefined && TRANSIENT_REASONS.has(failureReason);
}

/**
 * Delivered, or failed for good: nothing a later report for the same message says can change
 * that (a late `Failed` must not resend a delivered receipt, nor a transient one resend to a
 * number that blacklisted us).
 */
export function isFinalStatus(status: DeliveryStatus, failureReason: string | undefined): boolean {
  if (status === 'Success') return true;
  return FINAL_FAILURE.has(status) && !isTransientFailure(status, failureReason);
}

export type DeliveryAction =
  | 'unknown_message'
  | 'phone_mismatch'
  | 'in_progress'
  /** A report for a message whose final status was already recorded: kept, never acted on. */
  | 'after_final'
  | 'delivered'
  | 'failed_permanent'
  | 'failed_not_receipt'
  | 'resend_limit'
  | 'already_resent'
  | 'resend';

export interface DeliveryReportsDeps {
  store: SmsStore;
  queue: Pick<SmsQueue, 'sendNow'>;
  logger: Logger;
  metrics: Metrics;
  /** How many times one message may be sent again after its delivery failed. */
  maxResends: number;
  now?: () => Date;
}

/**
 * A delivery report is recorded, then acted on: a payment SMS (receipt or notice) whose delivery
 * failed for a reason that may pass is queued again, through the same durable, retried path as a
 * first send, at most `maxResends` times, once per failed send (a repeated report finds it queued
 * already). The resend goes to the number the message was first sent to, never another.
 */
export function createDeliveryReports(deps: DeliveryReportsDeps) {
  const { store, logger } = deps;
  const now = deps.now ?? (() => new Date());
  const reports = smsDeliveryCounter(deps.metrics);
  const resends = smsResendCounter(deps.metrics);

  async function classify(report: DeliveryReport): Promise<DeliveryAction> {
    const sent = await store.findSend(report.id);
    if (sent === undefined) return 'unknown_message';
    if (report.phoneNumber !== undefined && report.phoneNumber !== '' && !samePhone(report.phoneNumber, sent.recipient)) {
      // A report about our message id but another number: forged or garbled; never act on it.
      logger.warn('sms delivery report for another number', { messageId: report.id });
      return 'phone_mismatch';
    }
    const recorded = await store.recordDelivery(report.id, report.status, report.failureReason, isFinalStatus(report.status, report.failureReason));
    if (recorded === 'unknown_message') return 'unknown_message';
    if (recorded === 'after_final') return 'after_final';
    if (report.status === 'Success') return 'delivered';
    if (!FINAL_FAILURE.has(report.status)) return 'in_progress';
    if (sent.kind === 'reply') return 'failed_not_receipt';
    if (!isTransientFailure(report.status, report.failureReason)) return 'failed_permanent';
    const requeued = await store.requeueAfterDeliveryFailure(sent.sms_id, report.id, deps.maxResends, now());
    if (requeued === 'limit') return 'resend_limit';
    if (requeued === 'already') return 'already_resent';
    resends.inc({ outcome: 'queued' });
    deps.queue.sendNow([sent.sms_id]);
    logger.info('sms queued again after a failed delivery', { messageId: report.id, smsId: sent.sms_id, resend: sent.resends + 1 });
    return 'resend';
  }

  return {
    /** Records the report and acts on it; throws when the store cannot be reached (the gateway retries). */
    async handle(report: DeliveryReport): Promise<DeliveryAction> {
      const action = await classify(report);
      reports.inc({ status: report.status, action });
      logger.info('sms delivery report', { messageId: report.id, status: report.status, failureReason: report.failureReason, action });
      return action;
    },
  };
}

export type DeliveryReports = ReturnType<typeof createDeliveryReports>;
