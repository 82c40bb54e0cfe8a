import { Router } from 'express';
import type Redis from 'ioredis';
import type { Logger } from '../logging/logger';
import type { Metrics } from '../metrics';
import { createDeliveryReports, deliveryReportSchema } from '../sms/delivery-reports';
import type { TrackedSmsSender } from '../sms/sender';
import { createUssdEventRecorder, ussdEventSchema, type ScreenResolver } from '../ussd-events/recorder';
import { bodyOf, sendValidationError } from './bad-request';
import { createBackgroundTasks } from './background';

export interface CallbacksRouterDeps {
  sender: TrackedSmsSender;
  redis: Redis;
  prefix: string;
  logger: Logger;
  metrics: Metrics;
  /** How long session outcomes are kept (the records' retention). */
  retentionSeconds: number;
  /** How many times a receipt may be sent again after a transient failure; default 3. */
  maxResends?: number;
  /** A stable screen id for a session, when the USSD engine can tell; see `ScreenResolver`. */
  screenOf?: ScreenResolver;
}

export type CallbacksRouter = Router & {
  /** Resolves once every resend started so far is done (tests, clean shutdown). */
  drain(): Promise<void>;
};

/**
 * The gateway's reports: `POST /ussd/events` (end of a USSD session) and `POST /sms/delivery`
 * (what became of an SMS we sent). Both answer once the report is recorded; a resend runs after.
 */
export function createCallbacksRouter(deps: CallbacksRouterDeps): CallbacksRouter {
  const { logger } = deps;
  const recorder = createUssdEventRecorder({
    redis: deps.redis,
    prefix: deps.prefix,
    logger,
    metrics: deps.metrics,
    retentionSeconds: deps.retentionSeconds,
    screenOf: deps.screenOf,
  });
  const delivery = createDeliveryReports({ sender: deps.sender, logger, metrics: deps.metrics, maxResends: deps.maxResends ?? 3 });
  const background = createBackgroundTasks((err) => logger.error('receipt resend failed', { err }));
  const router = Router();

  router.post('/ussd/events', async (req, res) => {
    const parsed = ussdEventSchema.safeParse(bodyOf(req.body));
    if (!parsed.success) {
      sendValidationError(res, parsed.error);
      return;
    }
    try {
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
    let resend: (() => Promise<unknown>) | undefined;
    try {
      ({ resend } = await delivery.handle(parsed.data));
    } catch (err) {
      logger.error('sms delivery report not recorded', { err, messageId: parsed.data.id });
      res.status(503).json({ error: 'unavailable', message: 'try again later' });
      return;
    }
    res.status(200).type('text/plain').send('OK');
    if (resend !== undefined) {
      const run = resend;
      background.run(async () => {
        await run();
      });
    }
  });

  return Object.assign(router, { drain: () => background.drain() });
}
