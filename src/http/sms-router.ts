import { Router } from 'express';
import type Redis from 'ioredis';
import { z } from 'zod';
import type { Logger } from '../logging/logger';
import type { Metrics } from '../metrics';
import type { PaymentRecords } from '../payments/types';
import type { RegidesoClient } from '../regideso/types';
import { runCommand } from '../sms/commands/dispatch';
import { createInboundDedup } from '../sms/inbound-dedup';
import { unavailable } from '../sms/keyword-texts';
import { parseSms } from '../sms/keywords';
import type { SmsSender } from '../sms/transport';
import { bodyOf, sendValidationError } from './bad-request';
import { createBackgroundTasks } from './background';
import { smsInboundCounter } from '../channel-metrics';
import { rateLimitByPhone, smsLimitedReply } from './security';

/** Africa's Talking inbound SMS (form fields); extra fields are ignored. */
export const inboundSmsSchema = z.object({
  from: z.string().trim().regex(/^\+?\d{6,15}$/, 'must be a phone number in international format'),
  to: z.string().trim().max(32).optional(),
  text: z.string().max(1600, 'too long'),
  date: z.string().max(40).optional(),
  id: z.string().trim().min(1, 'required').max(128),
  linkId: z.string().max(128).optional(),
  networkCode: z.string().max(16).optional(),
});
export type InboundSms = z.infer<typeof inboundSmsSchema>;

export interface SmsRouterDeps {
  regideso: RegidesoClient;
  records: PaymentRecords;
  sender: SmsSender;
  redis: Redis;
  prefix: string;
  logger: Logger;
  metrics: Metrics;
  /** Per phone number; defaults: 10 messages per 10 minutes. */
  rateLimit?: { limit: number; windowSeconds: number };
  /** How long an inbound id is remembered; default one day (the gateway retries every minute). */
  dedupTtlSeconds?: number;
}

export type SmsRouter = Router & {
  /** Resolves once every reply started so far has been sent (tests, clean shutdown). */
  drain(): Promise<void>;
};

/** `POST /sms/inbound`: answered 200 at once; the reply goes out afterwards, only to `from`. */
export function createSmsRouter(deps: SmsRouterDeps): SmsRouter {
  const { logger } = deps;
  const inbound = smsInboundCounter(deps.metrics);
  const dedup = createInboundDedup({ redis: deps.redis, prefix: deps.prefix, ttlSeconds: deps.dedupTtlSeconds ?? 86_400 });
  const background = createBackgroundTasks((err) => logger.error('sms reply failed', { err }));
  const router = Router();

  async function answer(msg: InboundSms): Promise<void> {
    const parsed = parseSms(msg.text);
    let reply: string;
    try {
      const result = await runCommand({ from: msg.from, regideso: deps.regideso, records: deps.records, logger }, parsed);
      inbound.inc({ command: result.command, outcome: result.outcome });
      reply = result.reply;
    } catch (err) {
      // A fault (records store down, a bug): the subscriber still hears something.
      logger.error('sms command failed', { err, smsId: msg.id, command: parsed.command });
      inbound.inc({ command: parsed.command, outcome: 'error' });
      reply = unavailable(parsed.language);
    }
    const sent = await deps.sender.send({ to: msg.from, message: reply, kind: 'reply' });
    logger.info('sms answered', { smsId: msg.id, from: msg.from, command: parsed.command, sent: sent.kind });
  }

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
      let first: boolean;
      try {
        first = await dedup.firstDelivery(msg.id);
      } catch (err) {
        // Without the de-duplication we cannot promise one reply: let the gateway retry later.
        logger.error('sms inbound: dedup store unavailable', { err, smsId: msg.id });
        res.status(503).json({ error: 'unavailable', message: 'try again later' });
        return;
      }
      res.status(200).end();
      if (!first) {
        inbound.inc({ command: 'duplicate', outcome: 'ignored' });
        return;
      }
      background.run(() => answer(msg));
    },
  );

  return Object.assign(router, { drain: () => background.drain() });
}
