import { counter, histogram, type Metrics } from './metrics';

/** The counters of the SMS and callback side, fetched from the registry when they already exist (see src/metrics.ts). */
export function smsInboundCounter(m: Metrics) {
  return counter(m, 'sms_inbound_total', 'Inbound SMS by keyword command and outcome', ['command', 'outcome'] as const);
}

export function smsSentCounter(m: Metrics) {
  return counter(m, 'sms_sent_total', 'SMS handed to the transport, by kind and outcome', ['kind', 'outcome'] as const);
}

export function smsDeliveryCounter(m: Metrics) {
  return counter(m, 'sms_delivery_reports_total', 'SMS delivery reports by status and what we did', ['status', 'action'] as const);
}

export function smsResendCounter(m: Metrics) {
  return counter(m, 'sms_resends_total', 'Receipts sent again after a transient delivery failure', ['outcome'] as const);
}

export function ussdSessionCounter(m: Metrics) {
  return counter(m, 'ussd_sessions_total', 'Ended USSD sessions by outcome (end-of-session notices)', ['outcome'] as const);
}

export function ussdStopScreenCounter(m: Metrics) {
  return counter(
    m,
    'ussd_session_stop_screen_total',
    'Sessions that did not end well, by outcome and the screen they stopped on',
    ['outcome', 'screen'] as const,
  );
}

export function ussdSessionDuration(m: Metrics) {
  return histogram(m, 'ussd_session_duration_seconds', 'USSD session length by outcome', ['outcome'] as const, [
    5, 10, 20, 30, 45, 60, 90, 120, 180,
  ]);
}

export function webhookAuthCounter(m: Metrics) {
  return counter(m, 'webhook_auth_failures_total', 'Callbacks refused for a missing or wrong token', ['reason'] as const);
}

export function rateLimitedCounter(m: Metrics) {
  return counter(m, 'rate_limited_total', 'Requests refused by a rate limit', ['limit'] as const);
}

export function smsSendFailureCounter(m: Metrics) {
  return counter(m, 'sms_send_failures_total', 'SMS sends that failed for a reason of ours (kept and retried), by reason', ['reason'] as const);
}

export function jobsRecoveredCounter(m: Metrics) {
  return counter(m, 'jobs_recovered_total', 'Work the sweep found in the ledger without a job, or with a job delayed well past its own time, and queued again or woken, by queue', ['queue'] as const);
}

export function resumeKeptCounter(m: Metrics) {
  return counter(
    m,
    'ussd_payments_kept_total',
    'Payments kept after the network dropped their session, by signal (notice, expiry) and result (sms, quiet: SMS already sent to the phone, paid: paid since)',
    ['signal', 'result'] as const,
  );
}

export function referenceLookupCounter(m: Metrics) {
  return counter(
    m,
    'reference_lookups_total',
    'Customer references looked up by a phone that has not paid them, by channel and outcome (found, not_found, limited: refused by LOOKUPS_PER_PHONE_DAY)',
    ['channel', 'outcome'] as const,
  );
}
