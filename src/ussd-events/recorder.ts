import type { RedisClient } from '../redis';
import { z } from 'zod';
import { ussdSessionCounter, ussdSessionDuration, ussdStopScreenCounter } from '../channel-metrics';
import type { Logger } from '../logging/logger';
import type { Metrics } from '../metrics';
import { fallbackScreenLabel, isScreenId } from './screen-label';

/** Numbers arrive as form text; a garbled one is dropped rather than failing the whole notice. */
const looseNumber = z
  .union([z.string(), z.number()])
  .optional()
  .transform((v) => {
    if (v === undefined || v === '') return undefined;
    const n = Number(v);
    return Number.isFinite(n) && n >= 0 ? n : undefined;
  });

/** Africa's Talking end-of-session notice; only these fields are read, any other is ignored. */
export const ussdEventSchema = z.object({
  sessionId: z.string().trim().min(1, 'required').max(128),
  status: z.string().trim().min(1, 'required').max(40),
  serviceCode: z.string().max(32).optional(),
  networkCode: z.string().max(16).optional(),
  phoneNumber: z.string().max(32).optional(),
  date: z.string().max(40).optional(),
  cost: z.string().max(40).optional(),
  durationInMillis: looseNumber,
  hopsCount: looseNumber,
  input: z.string().max(2000).optional(),
  lastAppResponse: z.string().max(2000).optional(),
  errorMessage: z.string().max(2000).optional(),
});
export type UssdEvent = z.infer<typeof ussdEventSchema>;

export type SessionOutcome = 'success' | 'incomplete' | 'failed' | 'other';

/**
 * Turns a session into a stable screen id when something knows one (the USSD engine's session
 * store, by sessionId). Undefined, or anything that is not shaped like a menu screen id, falls back
 * to `unknown` (`none` when no screen was shown): `lastAppResponse` may start with the
 * subscriber's name and is never made into a label.
 */
export type ScreenResolver = (event: UssdEvent) => Promise<string | undefined> | string | undefined;

export interface UssdEventRecorderDeps {
  redis: RedisClient;
  prefix: string;
  logger: Logger;
  metrics: Metrics;
  /** How long a session outcome is kept. */
  retentionSeconds: number;
  screenOf?: ScreenResolver;
  /** Distinct screen labels this recorder will create before folding the rest into `other`. */
  maxScreenLabels?: number;
  /** Once per session, after its notice is recorded: the console's funnel (src/ussd-events/funnel.ts). Its failure is logged, never the notice's. */
  onEnded?: (event: UssdEvent) => Promise<void>;
}

export type RecordResult = { kind: 'recorded'; outcome: SessionOutcome; screen: string | undefined } | { kind: 'duplicate' };

function outcomeOf(status: string): SessionOutcome {
  const s = status.toLowerCase();
  return s === 'success' || s === 'incomplete' || s === 'failed' ? s : 'other';
}

/**
 * Records how each USSD session ended: kept in Redis (once per sessionId, since the gateway may
 * notify twice) and counted in the metrics, with the screen where sessions that did not succeed
 * stopped, so the operator sees where subscribers give up.
 */
export function createUssdEventRecorder(deps: UssdEventRecorderDeps) {
  const sessions = ussdSessionCounter(deps.metrics);
  const stops = ussdStopScreenCounter(deps.metrics);
  const duration = ussdSessionDuration(deps.metrics);
  const maxLabels = deps.maxScreenLabels ?? 60;
  // Per recorder (one per app): caps the metric's cardinality whatever texts the menus hold.
  const seenLabels = new Set<string>();

  function bounded(label: string): string {
    if (seenLabels.has(label)) return label;
    if (seenLabels.size >= maxLabels) return 'other';
    seenLabels.add(label);
    return label;
  }

  async function screenOf(event: UssdEvent): Promise<string> {
    if (deps.screenOf !== undefined) {
      try {
        const id = await deps.screenOf(event);
        if (id !== undefined && isScreenId(id)) return id;
      } catch (err) {
        deps.logger.warn('ussd event: screen resolver failed', { err, sessionId: event.sessionId });
      }
    }
    return fallbackScreenLabel(event.lastAppResponse);
  }

  return {
    async record(event: UssdEvent): Promise<RecordResult> {
      const outcome = outcomeOf(event.status);
      const screen = outcome === 'success' ? undefined : bounded(await screenOf(event));
      const stored = JSON.stringify({
        status: event.status,
        outcome,
        screen,
        hops: event.hopsCount,
        durationMs: event.durationInMillis,
        date: event.date,
        errorMessage: event.errorMessage?.slice(0, 200),
      });
      const key = `${deps.prefix}ussd:event:${event.sessionId}`;
      const first = await deps.redis.set(key, stored, 'EX', deps.retentionSeconds, 'NX');
      if (first !== 'OK') return { kind: 'duplicate' };
      sessions.inc({ outcome });
      if (screen !== undefined) stops.inc({ outcome, screen });
      if (event.durationInMillis !== undefined) duration.observe({ outcome }, event.durationInMillis / 1000);
      await deps.onEnded?.(event).catch((err: unknown) => deps.logger.warn('ussd event: session end not counted in the funnel', { err, sessionId: event.sessionId }));
      // Never `input` nor `lastAppResponse`: they hold references, amounts and names.
      deps.logger.info('ussd session ended', {
        sessionId: event.sessionId,
        outcome,
        screen,
        hops: event.hopsCount,
        phoneNumber: event.phoneNumber,
        errorMessage: event.errorMessage?.slice(0, 200),
      });
      return { kind: 'recorded', outcome, screen };
    },
  };
}

export type UssdEventRecorder = ReturnType<typeof createUssdEventRecorder>;
