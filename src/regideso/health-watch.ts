import { Gauge } from 'prom-client';
import type { Logger } from '../logging/logger';
import type { Metrics } from '../metrics';
import { createPeriodic } from '../periodic';

/**
 * REGIDESO's health, checked in the background (once at start, then on an interval) and read by
 * /readyz and /metrics. Never per request: each check is a call with our API key, and whoever can
 * reach /readyz or /metrics must not set the pace of our traffic to REGIDESO.
 */
export interface RegidesoWatch {
  /** The first check, awaited (so the first /readyz already knows), then one every interval. */
  start(): Promise<void>;
  /** The last check's answer; undefined before the first one. */
  last(): { up: boolean; checkedAt: Date } | undefined;
  close(): void;
}

export function createRegidesoWatch(deps: { ping: () => Promise<boolean>; intervalMs: number; metrics: Metrics; logger: Logger }): RegidesoWatch {
  const up = new Gauge({ name: 'regideso_up', help: 'Whether REGIDESO answered the last background check (1) or not (0)', registers: [deps.metrics.registry] });
  const checkedAt = new Gauge({ name: 'regideso_last_check_timestamp_seconds', help: 'When REGIDESO was last checked (Unix time)', registers: [deps.metrics.registry] });
  let last: { up: boolean; checkedAt: Date } | undefined;

  const check = async () => {
    const ok = await deps.ping().catch(() => false);
    const at = new Date();
    if ((last?.up ?? true) !== ok) deps.logger.warn(ok ? 'REGIDESO answers again' : 'REGIDESO does not answer its health check');
    last = { up: ok, checkedAt: at };
    up.set(ok ? 1 : 0);
    checkedAt.set(at.getTime() / 1000);
  };
  const periodic = createPeriodic(check, deps.intervalMs);

  return {
    start: () => periodic.start(),
    last: () => last,
    close: () => periodic.stop(),
  };
}
