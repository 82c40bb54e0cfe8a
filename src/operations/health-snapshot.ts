import type { Db } from '../db/types';
import type { QueueDepth } from '../jobs/queue-depth';
import type { RegidesoWatch } from '../regideso/health-watch';
import { openFlagsByReason, smsFailingCount } from './readings';

/**
 * The console's health at a glance, read when a person opens it: REGIDESO as the background
 * check last saw it (never a call to REGIDESO from here), jobs waiting per queue, SMS failing, open
 * flags by reason. A part that cannot be read (Redis down: no queue counts) is left empty rather
 * than hide the rest.
 */
export interface HealthSnapshot {
  regideso: { up: boolean; checkedAt: string | null };
  jobsWaiting: Record<string, number>;
  smsFailing: number;
  openFlags: Record<string, number>;
}

export function createHealthSnapshot(deps: { db: Db; regidesoWatch: Pick<RegidesoWatch, 'last'>; queueDepth: Pick<QueueDepth, 'read'> }): () => Promise<HealthSnapshot> {
  return async () => {
    const last = deps.regidesoWatch.last();
    const [jobsWaiting, smsFailing, openFlags] = await Promise.all([deps.queueDepth.read().catch(() => ({})), smsFailingCount(deps.db), openFlagsByReason(deps.db)]);
    return { regideso: { up: last?.up ?? false, checkedAt: last?.checkedAt.toISOString() ?? null }, jobsWaiting, smsFailing, openFlags };
  };
}
