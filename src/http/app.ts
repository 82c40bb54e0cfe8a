import type { IncomingMessage, ServerResponse } from 'node:http';
import express from 'express';
import type { Logger } from '../logging/logger';
import type { Metrics } from '../metrics';
import type { Messages } from '../texts/catalogue';
import { createHopFrontDoor } from './hop-front-door';
import type { WebhookTokenGuard } from './security';
import type { HopTaker } from './ussd-router';
import { createHealthRouter, type ReadinessCheck } from './health-router';
import { dropControlCharacters } from './control-characters';
import { keepRawBody } from './raw-body';
import { ussdFallbacks } from './ussd-fallbacks';

export interface AppDeps {
  logger: Logger;
  metrics: Metrics;
  readiness: ReadinessCheck;
  /** TRUST_PROXY (express's 'trust proxy'): whose X-Forwarded-For gives the client address; default false, the socket's own. */
  trustProxy?: boolean | number | string[];
  /** METRICS_TOKEN: /metrics asks for it as a Bearer token when set. */
  metricsToken?: string | undefined;
  /** Telco callbacks (/ussd, /ussd/events, /sms/*) and the outbox: behind `guard`, reachable under `/:token/` too. */
  callbacks: express.Router[];
  /** Runs before every callback: the webhook token check (none: every callback open, as in some tests). */
  tokenGuard?: WebhookTokenGuard | undefined;
  /**
   * The operators' routes: each guards itself with an operator key (requireOperator), never the
   * webhook token. Under `/:token/` too, where a token alone opens nothing (401).
   */
  operators?: express.Router[];
  /** The catalogue: what a USSD subscriber sees when something unexpected breaks. */
  messages: Messages;
  /** The USSD hop's hot path (src/http/ussd-router.ts): at the front door, then ahead of the generic routers and parsers. */
  ussdHop?: { take: HopTaker; handler: express.RequestHandler };
}

export function createApp(deps: AppDeps): express.Express {
  const fallbacks = ussdFallbacks(deps.messages);
  // `handle` is what the app function calls for every request (express's own, not in its types).
  const app = express() as express.Express & { handle: (req: IncomingMessage, res: ServerResponse, next?: unknown) => void };
  const guard = deps.tokenGuard === undefined ? [] : [deps.tokenGuard];
  app.disable('x-powered-by');
  // Believed only from the proxies TRUST_PROXY names: otherwise anyone could pick the address the
  // failed-token throttle counts by, with a new X-Forwarded-For per request.
  app.set('trust proxy', deps.trustProxy ?? false);

  app.use((req, res, next) => {
    const end = deps.metrics.httpDuration.startTimer({ method: req.method });
    res.on('finish', () => {
      // The matched route pattern, never the raw path: the token in a path must not become a label.
      const route = req.route ? `${req.baseUrl === '' ? '' : '/:token'}${String(req.route.path)}` : 'unmatched';
      end({ route, status: String(res.statusCode) });
    });
    next();
  });

  if (deps.ussdHop !== undefined) {
    // Most requests are hops. The plain ones are answered before express (src/http/hop-front-door.ts);
    // the rest are matched first here, behind the same guard, without the generic routers and body
    // parsers. A request the hop handler does not take falls through to the routes below.
    const door = createHopFrontDoor({ take: deps.ussdHop.take, matches: deps.tokenGuard?.matches ?? (() => true), metrics: deps.metrics });
    const handle = app.handle.bind(app);
    app.handle = (req, res, next) => {
      if (!door(req, res)) handle(req, res, next);
    };
    app.post('/ussd', ...guard, deps.ussdHop.handler);
    app.post('/:token/ussd', ...guard, deps.ussdHop.handler);
  }

  app.use(createHealthRouter({ metrics: deps.metrics, readiness: deps.readiness, metricsToken: deps.metricsToken }));

  app.use(express.urlencoded({ extended: false, limit: '16kb', parameterLimit: 50 }));
  app.use(express.json({ limit: '16kb', verify: keepRawBody }));
  // Once for every callback: a NUL in an SMS must not make it unrecordable (and retried for ever).
  app.use(dropControlCharacters);

  for (const r of deps.operators ?? []) {
    app.use(r);
    app.use('/:token', r);
  }

  const guarded = express.Router({ mergeParams: true });
  for (const g of guard) guarded.use(g);
  for (const r of deps.callbacks) guarded.use(r);
  app.use(guarded);
  app.use('/:token', guarded);

  app.use((_req, res) => {
    res.status(404).json({ error: 'not_found' });
  });

  // Last line of defence: JSON with no stack for HTTP clients, and a well-formed END for USSD.
  app.use((err: unknown, req: express.Request, res: express.Response, _next: express.NextFunction) => {
    const status = httpStatusOf(err);
    if (status >= 500) deps.logger.error('unhandled error', { path: req.path, err });
    if (res.headersSent) return;
    if (req.path.endsWith('/ussd')) {
      // The gateway shows a USSD answer to the subscriber: a sentence, whatever broke.
      if (status >= 500) res.status(200).type('text/plain').send(fallbacks.unavailable);
      else res.status(400).type('text/plain').send(fallbacks.badRequest);
      return;
    }
    res.status(status).json({ error: status >= 500 ? 'internal_error' : 'bad_request', message: status >= 500 ? 'Internal error' : messageOf(err) });
  });
  return app;
}

function httpStatusOf(err: unknown): number {
  if (typeof err === 'object' && err !== null && 'status' in err && typeof err.status === 'number' && err.status >= 400 && err.status < 600) return err.status;
  return 500;
}

function messageOf(err: unknown): string {
  if (typeof err === 'object' && err !== null && 'type' in err && err.type === 'entity.too.large') return 'Request body too large';
  if (typeof err === 'object' && err !== null && 'type' in err && err.type === 'entity.parse.failed') return 'Malformed request body';
  return 'Bad request';
}
