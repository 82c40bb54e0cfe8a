import { z } from 'zod';
import { smsDeliveryCounter, smsResendCounter } from '../channel-metrics';
import type { Logger } from '../logging/logger';
import type { Metrics } from '../metrics';
import { samePhone } from './phone';
import type { TrackedSmsSender } from './sender';
import type { SmsSendOutcome } from './transport';

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

export interface DeliveryHandled {
  action: DeliveryAction;
  /** The resend to run after the gateway got its answer; only for `resend`. */
  resend: (() => Promise<SmsSendOutcome>) | undefined;
}

export interface DeliveryReportsDeps {
  sender: TrackedSmsSender;
  logger: Logger;
  metrics: Metrics;
  /** How many times one receipt may be sent again after its first send. */
  maxResends: number;
}

export function createDeliveryReports(deps: DeliveryReportsDeps) {
  const { sender, logger } = deps;
  const reports = smsDeliveryCounter(deps.metrics);
  const resends = smsResendCounter(deps.metrics);

  async function classify(report: DeliveryReport): Promise<DeliveryHandled> {
    const none = (action: DeliveryAction): DeliveryHandled => ({ action, resend: undefined });
    const sent = await sender.find(report.id);
    if (sent === undefined) return none('unknown_message');
    if (report.phoneNumber !== undefined && report.phoneNumber !== '' && !samePhone(report.phoneNumber, sent.to)) {
      // A report about our message id but another number: forged or garbled; never act on it.
      logger.warn('sms delivery report for another number', { messageId: report.id, phoneNumber: report.phoneNumber, to: sent.to });
      return none('phone_mismatch');
    }
    const recorded = await sender.recordStatus(report.id, report.status, report.failureReason, isFinalStatus(report.status, report.failureReason));
    // Expired between the two reads: as unknown as a message never sent.
    if (recorded === 'unknown_message') return none('unknown_message');
    if (recorded === 'after_final') return none('after_final');
    if (report.status === 'Success') return none('delivered');
    if (!FINAL_FAILURE.has(report.status)) return none('in_progress');
    if (sent.kind !== 'receipt') return none('failed_not_receipt');
    if (!isTransientFailure(report.status, report.failureReason)) return none('failed_permanent');
    if (sent.attempt > deps.maxResends) return none('resend_limit');
    if (!(await sender.claimResend(report.id))) return none('already_resent');
    return {
      action: 'resend',
      resend: async () => {
        const outcome = await sender.resend(sent);
        resends.inc({ outcome: outcome.kind });
        // The attempt the new send was recorded with: 2 for the first resend, 3 for the next…
        logger.info('receipt sent again', {
          messageId: report.id,
          firstId: sent.firstId,
          attempt: outcome.attempt,
          to: sent.to,
          outcome: outcome.kind,
          newMessageId: outcome.kind === 'sent' ? outcome.messageId : undefined,
        });
        return outcome;
      },
    };
  }

  return {
    /** Records the report and decides; the caller runs `resend` once it has answered the gateway. */
    async handle(report: DeliveryReport): Promise<DeliveryHandled> {
      const handled = await classify(report);
      reports.inc({ status: report.status, action: handled.action });
      logger.info('sms delivery report', {
        messageId: report.id,
        status: report.status,
        failureReason: report.failureReason,
        action: handled.action,
      });
      return handled;
    },
  };
}

export type DeliveryReports = ReturnType<typeof createDeliveryReports>;
