import type { Db } from '../db/types';

/**
 * What the operator's gauges and health view read from the ledger: small aggregate queries, run in
 * the background or when a person opens the console, never per metrics scrape.
 */

/** Unresolved flags by reason. */
export async function openFlagsByReason(db: Db): Promise<Record<string, number>> {
  const r = await db.query<{ reason: string | null; n: number }>(
    `SELECT flag_reason AS reason, count(*)::int AS n FROM payment_intents WHERE flagged_at IS NOT NULL AND resolved_at IS NULL GROUP BY flag_reason`,
  );
  return Object.fromEntries(r.rows.map((row) => [row.reason ?? 'unknown', Number(row.n)]));
}

/** SMS we keep failing to hand to the gateway for reasons of ours (key, credit, gateway down), not yet sent. */
export async function smsFailingCount(db: Db): Promise<number> {
  const r = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM sms_messages WHERE status = 'queued' AND failing_since IS NOT NULL`);
  return Number(r.rows[0]?.n ?? 0);
}

/** Age of the oldest wallet deposit not final yet (confirmed, the wallet not yet said), 0 when none. */
export async function oldestOpenDepositSeconds(db: Db, now: Date): Promise<number> {
  const r = await db.query<{ since: Date | null }>(
    `SELECT min(COALESCE(collecting_since, created_at)) AS since FROM payment_intents WHERE collection = 'wallet' AND status IN ('pending', 'collecting')`,
  );
  const since = r.rows[0]?.since;
  return since === null || since === undefined ? 0 : Math.max(0, (now.getTime() - new Date(since).getTime()) / 1000);
}
