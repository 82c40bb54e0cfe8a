import { Router } from 'express';
import type { RedisClient } from '../redis';
import { z } from 'zod';
import type { Logger } from '../logging/logger';
import type { Metrics } from '../metrics';
import { phoneSchema } from '../phone';
import type { InboundAnswerer } from '../sms/inbound';
import { bodyOf, sendValidationError } from './bad-request';
import { rateLimitByPhone, smsLimitedReply } from './security';

/** Africa's Talking inbound SMS (form fields); extra fields are ignored. */
export const inboundSmsSchema = z.object({
  from: phoneSchema,
  to: z.string().trim().max(32).optional(),
  text: z.string().max(1600, 'too long'),
  date: z.string().max(40).optional(),
  id: z.string().trim().min(1, 'required').max(128),
  linkId: z.string().max(128).optional(),
  networkCode: z.string().max(16).optional(),
});

export interface SmsRouterDeps {
  inbound: InboundAnswerer;
  redis: RedisClient;
  prefix: string;
  logger: Logger;
  metrics: Metrics;
  /** Per phone number; defaults: 10 messages per 10 minutes. */
  rateLimit?: { limit: number; windowSeconds: number };
}

/**
 * `POST /sms/inbound`: 200 once the message is recorded (by its id, so the gateway's repeats are
 * recognised); the reply is worked out and sent by a durable job, only to `from`. 503 when the
 * message cannot be recorded: the gateway tries again a minute later.
 */
export function createSmsRouter(deps: SmsRouterDeps): Router {
  const { logger } = deps;
  const router = Router();
  router.post(
    '/sms/inbound',
    rateLimitByPhone({
      redis: deps.redis,
      prefix: deps.prefix,
      limit: deps.rateLimit?.limit ?? 10,
      windowSeconds: deps.rateLimit?.windowSeconds ?? 600,
      phoneField: 'from',
      onLimited: smsLimitedReply,
      metrics: deps.metrics,
      logger,
      name: 'sms_inbound',
    }),
    async (req, res) => {
      const parsed = inboundSmsSchema.safeParse(bodyOf(req.body));
      if (!parsed.success) {
        sendValidationError(res, parsed.error);
        return;
      }
      const msg = parsed.data;
      try {
        await deps.inbound.receive({ id: msg.id, from: msg.from, text: msg.text });
      } catch (err) {
        logger.error('sms inbound not recorded', { err, smsId: msg.id });
        res.status(503).json({ error: 'unavailable', message: 'try again later' });
        return;
      }
      res.status(200).end();
    },
  );
  return router;
}
