import express from 'express';
import type { Logger } from '../logging/logger';
import type { Messages } from '../texts/catalogue';
import { ussdHopSchema, type UssdHop } from '../ussd/hop';
import { ussdFallbacks } from './ussd-fallbacks';

export interface UssdRouterDeps {
  engine: { handle(hop: UssdHop): Promise<string> };
  logger: Logger;
  /** A last guard over the engine's own budget: the gateway gives up around 10 s. */
  deadlineMs?: number;
  /** The catalogue: the answers to a hop that cannot be read or finished. */
  messages: Messages;
}

/** `POST /ussd`: a hop, form-encoded as Africa's Talking posts it; always answers `CON …` or `END …` in text/plain. */
export function createUssdRouter(deps: UssdRouterDeps): express.Router {
  const router = express.Router();
  const deadlineMs = deps.deadlineMs ?? 9500;
  const fallbacks = ussdFallbacks(deps.messages);
  router.post('/ussd', express.urlencoded({ extended: false, limit: '16kb', parameterLimit: 50 }), async (req, res) => {
    const parsed = ussdHopSchema.safeParse(req.body ?? {});
    if (!parsed.success) {
      deps.logger.warn('malformed ussd hop', { issues: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`) });
      res.status(400).type('text/plain').send(fallbacks.badRequest);
      return;
    }
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<string>((resolve) => {
      timer = setTimeout(() => {
        deps.logger.error('ussd hop over the deadline', { sessionId: parsed.data.sessionId });
        resolve(fallbacks.unavailable);
      }, deadlineMs);
    });
    try {
      const handled = deps.engine.handle(parsed.data).catch((err: unknown) => {
        // A bug or an infrastructure fault: the subscriber still gets a sentence, the operator the error.
        deps.logger.error('ussd hop failed', { sessionId: parsed.data.sessionId, err });
        return fallbacks.unavailable;
      });
      const answer = await Promise.race([handled, late]);
      res.status(200).type('text/plain').send(answer);
    } finally {
      clearTimeout(timer);
    }
  });
  return router;
}
