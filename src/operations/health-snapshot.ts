import type { Db } from '../db/types';
import { OPEN_STATUSES } from '../payments/intent';

/**
 * Health at a glance for the console (`GET /console/api/health`): REGIDESO as its background check
 * last saw it (never a call per request), the work waiting, receipt SMS our gateway keeps refusing,
 * and the open flags by reason. Read from the ledger: what waits there is what the queues must do
 * (a job lost with Redis is found again from it), so the counts hold on either runner.
 *
 * MINIMAL VERSION from the console's branch (h-console): h-recon's branch brings the one to keep,
 * with this same result type.
 */
export interface HealthSnapshot {
  regideso: { up: boolean; checkedAt: string | null };
  jobsWaiting: Record<string, number>;
  smsFailing: number;
  openFlags: Record<string, number>;
}

export async function createHealthSnapshot(deps: { db: Db; regideso: () => { up: boolean; checkedAt: Date } | undefined }): Promise<HealthSnapshot> {
  const open = OPEN_STATUSES.map((s) => `'${s}'`).join(', ');
  const [waiting, flags] = await Promise.all([
    deps.db.query<{ payments: number; sms: number; inbound: number; failing: number }>(
      `SELECT (SELECT count(*)::int FROM payment_intents WHERE status IN (${open})) AS payments,
              (SELECT count(*)::int FROM sms_messages WHERE status = 'queued') AS sms,
              (SELECT count(*)::int FROM sms_inbound WHERE answered_at IS NULL) AS inbound,
              (SELECT count(*)::int FROM sms_messages WHERE status = 'queued' AND failing_since IS NOT NULL) AS failing`,
    ),
    deps.db.query<{ reason: string; n: number }>('SELECT flag_reason AS reason, count(*)::int AS n FROM payment_intents WHERE flagged_at IS NOT NULL AND resolved_at IS NULL GROUP BY flag_reason'),
  ]);
  const w = waiting.rows[0] ?? { payments: 0, sms: 0, inbound: 0, failing: 0 };
  const last = deps.regideso();
  return {
    regideso: { up: last?.up ?? false, checkedAt: last?.checkedAt.toISOString() ?? null },
    jobsWaiting: { payments: w.payments, sms: w.sms, inbound: w.inbound },
    smsFailing: w.failing,
    openFlags: Object.fromEntries(flags.rows.map((r) => [r.reason, r.n])),
  };
}
