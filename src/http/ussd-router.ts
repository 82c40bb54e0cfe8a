import type { ServerResponse } from 'node:http';
import express from 'express';
import type { Logger } from '../logging/logger';
import type { Messages } from '../texts/catalogue';
import { readHop, ussdHopSchema, type HopFields, type UssdHop } from '../ussd/hop';
import { FormError, parseFormFields, plainForm, readFormBody } from './form-body';
import { ussdFallbacks } from './ussd-fallbacks';

export interface UssdRouterDeps {
  engine: { handle(hop: UssdHop): Promise<string> };
  logger: Logger;
  /** A last guard over the engine's own budget: the gateway gives up around 10 s. */
  deadlineMs?: number;
  /** The catalogue: the answers to a hop that cannot be read or finished. */
  messages: Messages;
}

const HOP_FIELDS = ['sessionId', 'serviceCode', 'phoneNumber', 'networkCode', 'text'] as const;

/**
 * `POST /ussd`: a hop, form-encoded as Africa's Talking posts it; always answers `CON …` or `END …`
 * in text/plain. The hop handler first (see `createUssdHopHandler`); a body it does not take goes
 * through express's form parser and the hop's zod schema, with the same answers.
 */
export function createUssdRouter(deps: UssdRouterDeps): express.Router {
  const router = express.Router();
  const hop = createHopAnswers(deps);
  router.post('/ussd', hop.handler, express.urlencoded({ extended: false, limit: '16kb', parameterLimit: 50 }), (req, res) => {
    hop.fromFields(req.body ?? {}, res);
  });
  return router;
}

/**
 * The hot path of `POST /ussd`, for the app to mount ahead of its generic routers and body parsers
 * (behind the same guard and metrics): a plain form body (what every gateway sends) is read and
 * checked here without body-parser or zod; any other request is passed on (`next()`) to the
 * generic route, which answers it as before.
 */
export function createUssdHopHandler(deps: UssdRouterDeps): express.RequestHandler {
  return createHopAnswers(deps).handler;
}

function createHopAnswers(deps: UssdRouterDeps) {
  const deadlineMs = deps.deadlineMs ?? 9500;
  const fallbacks = ussdFallbacks(deps.messages);

  const answer = (hop: UssdHop, res: ServerResponse): void => {
    let done = false;
    const timer = setTimeout(() => {
      done = true;
      deps.logger.error('ussd hop over the deadline', { sessionId: hop.sessionId });
      sendText(res, 200, fallbacks.unavailable);
    }, deadlineMs);
    const finish = (text: string) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      sendText(res, 200, text);
    };
    deps.engine.handle(hop).then(finish, (err: unknown) => {
      // A bug or an infrastructure fault: the subscriber still gets a sentence, the operator the error.
      deps.logger.error('ussd hop failed', { sessionId: hop.sessionId, err });
      finish(fallbacks.unavailable);
    });
  };

  /** The schema decides, and says what was wrong: any body the fast check did not accept. */
  const fromFields = (body: unknown, res: ServerResponse): void => {
    const parsed = ussdHopSchema.safeParse(body);
    if (parsed.success) {
      answer(parsed.data, res);
      return;
    }
    deps.logger.warn('malformed ussd hop', { issues: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`) });
    sendText(res, 400, fallbacks.badRequest);
  };

  const handler: express.RequestHandler = (req, res, next) => {
    // A body some parser already read (req.body set, the stream ended) is the generic route's.
    const length = req.body === undefined && !req.readableEnded ? plainForm(req) : undefined;
    if (length === undefined) {
      next();
      return;
    }
    readFormBody(req, length).then((body) => {
      const fields = parseFormFields(body, HOP_FIELDS);
      if (fields instanceof FormError) {
        next(fields);
        return;
      }
      const hop = onlyStrings(fields) ? readHop(fields) : undefined;
      if (hop !== undefined) answer(hop, res);
      else fromFields(fields, res);
    }, next);
  };

  return { handler, fromFields };
}

function onlyStrings(fields: Partial<Record<(typeof HOP_FIELDS)[number], unknown>>): fields is HopFields {
  for (const k of HOP_FIELDS) {
    const v = fields[k];
    if (v !== undefined && typeof v !== 'string') return false;
  }
  return true;
}

/** The answer as it is, without express's send (no ETag hash of a body no gateway caches). */
function sendText(res: ServerResponse, status: number, text: string): void {
  if (res.headersSent) return;
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}
