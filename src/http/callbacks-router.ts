import { Router } from 'express';
import type { RedisClient } from '../redis';
import type { Logger } from '../logging/logger';
import type { Metrics } from '../metrics';
import { createDeliveryReports, deliveryReportSchema } from '../sms/delivery-reports';
import type { SmsQueue } from '../sms/queue';
import type { SmsStore } from '../sms/store';
import { createUssdEventRecorder, ussdEventSchema, type ScreenResolver, type UssdEvent } from '../ussd-events/recorder';
import { bodyOf, sendValidationError } from './bad-request';

export interface CallbacksRouterDeps {
  smsStore: SmsStore;
  smsQueue: Pick<SmsQueue, 'sendNow'>;
  redis: RedisClient;
  prefix: string;
  logger: Logger;
  metrics: Metrics;
  /** How long session outcomes are kept (the records' retention). */
  retentionSeconds: number;
  /** How many times a payment SMS may be sent again after a failed delivery; default 3. */
  maxResends?: number;
  /** A stable screen id for a session, when the USSD engine can tell; see `ScreenResolver`. */
  screenOf?: ScreenResolver;
  /** Told of every notice before it is recorded (a dropped payment's SMS, src/resume): a failure is a 503, and the gateway's retry gets here again. */
  onSessionEnd?: (event: UssdEvent) => Promise<void>;
  /** Once per ended session (the console's funnel). */
  onSessionEnded?: (event: UssdEvent) => Promise<void>;
}

/**
 * The gateway's reports: `POST /ussd/events` (end of a USSD session) and `POST /sms/delivery`
 * (what became of an SMS we sent). Both answer once the report is recorded, 503 when it cannot be
 * (the gateway tries again); a resend is queued durably, not run here.
 */
export function createCallbacksRouter(deps: CallbacksRouterDeps): Router {
  const { logger } = deps;
  const recorder = createUssdEventRecorder({
    redis: deps.redis,
    prefix: deps.prefix,
    logger,
    metrics: deps.metrics,
    retentionSeconds: deps.retentionSeconds,
    screenOf: deps.screenOf,
    onEnded: deps.onSessionEnded,
  });
  const delivery = createDeliveryReports({ store: deps.smsStore, queue: deps.smsQueue, logger, metrics: deps.metrics, maxResends: deps.maxResends ?? 3 });
  const router = Router();

  router.post('/ussd/events', async (req, res) => {
    const parsed = ussdEventSchema.safeParse(bodyOf(req.body));
    if (!parsed.success) {
      sendValidationError(res, parsed.error);
      return;
    }
    try {
      await deps.onSessionEnd?.(parsed.data);
      await recorder.record(parsed.data);
    } catch (err) {
      logger.error('ussd event not recorded', { err, sessionId: parsed.data.sessionId });
      res.status(503).json({ error: 'unavailable', message: 'try again later' });
      return;
    }
    res.status(200).type('text/plain').send('OK');
  });

  router.post('/sms/delivery', async (req, res) => {
    const parsed = deliveryReportSchema.safeParse(bodyOf(req.body));
    if (!parsed.success) {
      sendValidationError(res, parsed.error);
      return;
    }
    try {
      await delivery.handle(parsed.data);
    } catch (err) {
      logger.error('sms delivery report not recorded', { err, messageId: parsed.data.id });
      res.status(503).json({ error: 'unavailable', message: 'try again later' });
      return;
    }
    res.status(200).type('text/plain').send('OK');
  });

  return router;
}
