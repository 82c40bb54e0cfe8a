import express from 'express';
import type { Logger } from '../logging/logger';
import { ussdHopSchema, type UssdHop } from '../ussd/hop';

export interface UssdRouterDeps {
  engine: { handle(hop: UssdHop): Promise<string> };
  logger: Logger;
  /** A last guard over the engine's own budget: the gateway gives up around 10 s. */
  deadlineMs?: number;
}

const BAD_REQUEST = 'END Requête invalide. Recomposez le code.';
const UNAVAILABLE = 'END Service momentanément indisponible. Réessayez plus tard.';

/** `POST /ussd`: a hop, form-encoded as Africa's Talking posts it; always answers `CON …` or `END …` in text/plain. */
export function createUssdRouter(deps: UssdRouterDeps): express.Router {
  const router = express.Router();
  const deadlineMs = deps.deadlineMs ?? 9500;
  router.post('/ussd', express.urlencoded({ extended: false, limit: '16kb', parameterLimit: 50 }), async (req, res) => {
    const parsed = ussdHopSchema.safeParse(req.body ?? {});
    if (!parsed.success) {
      deps.logger.warn('malformed ussd hop', { issues: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`) });
      res.status(400).type('text/plain').send(BAD_REQUEST);
      return;
    }
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<string>((resolve) => {
      timer = setTimeout(() => {
        deps.logger.error('ussd hop over the deadline', { sessionId: parsed.data.sessionId });
        resolve(UNAVAILABLE);
      }, deadlineMs);
    });
    try {
      const handled = deps.engine.handle(parsed.data).catch((err: unknown) => {
        // A bug or an infrastructure fault: the subscriber still gets a sentence, the operator the error.
        deps.logger.error('ussd hop failed', { sessionId: parsed.data.sessionId, err });
        return UNAVAILABLE;
      });
      const answer = await Promise.race([handled, late]);
      res.status(200).type('text/plain').send(answer);
    } finally {
      clearTimeout(timer);
    }
  });
  return router;
}
