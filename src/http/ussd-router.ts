import type { IncomingMessage, ServerResponse } from 'node:http';
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

/** A hop read and answered from a plain form body of `length` bytes (see `plainForm`): never throws, always answers. */
export type HopTaker = (req: IncomingMessage, res: ServerResponse, length: number) => void;

/**
 * The hot path of `POST /ussd`: a plain form body (what every gateway sends) read and checked
 * without body-parser or zod. The front door (src/http/hop-front-door.ts) hands it the hops it
 * admits; the express route below it, any other request it passes on (`next()`) to the generic route.
 */
export function createUssdHopHandler(deps: UssdRouterDeps): { take: HopTaker; handler: express.RequestHandler } {
  const { take, handler } = createHopAnswers(deps);
  return { take, handler };
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

  /** A body that cannot be read as a form (cut short, too many fields): the app's error handler answers /ussd so too. */
  const unreadable = (res: ServerResponse) => sendText(res, 400, fallbacks.badRequest);

  const take: HopTaker = (req, res, length) => {
    readFormBody(req, length)
      .then((body) => {
        const fields = parseFormFields(body, HOP_FIELDS);
        if (fields instanceof FormError) {
          unreadable(res);
          return;
        }
        const hop = onlyStrings(fields) ? readHop(fields) : undefined;
        if (hop !== undefined) answer(hop, res);
        else fromFields(fields, res);
      })
      // Nothing here may reject unhandled (that would stop the process): whatever broke, a sentence.
      .catch(() => unreadable(res));
  };

  const handler: express.RequestHandler = (req, res, next) => {
    // A body some parser already read (req.body set, the stream ended) is the generic route's.
    const length = req.body === undefined && !req.readableEnded ? plainForm(req) : undefined;
    if (length === undefined) next();
    else take(req, res, length);
  };

  return { take, handler, fromFields };
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
