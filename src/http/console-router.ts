import { readdirSync } from 'node:fs';
import path from 'node:path';
import express from 'express';
import { z } from 'zod';
import type { Logger } from '../logging/logger';
import type { HealthSnapshot } from '../operations/health-snapshot';
import type { ConsoleSessions } from '../operators/console-sessions';
import { operatorKeyHash, type Operator, type Role } from '../operators/store';
import type { FunnelDay } from '../ussd-events/funnel';
import { clearSessionCookie, CONSOLE_COOKIE, consoleForgeryGuard, cookieOf, csrfTokenFor, setSessionCookie } from './console-auth';
import { ANONYMOUS_OPERATOR, type CredentialCheck } from './operator-auth';
import type { FailedAuthLimiter } from './security';

/**
 * The operators' console at `/console/`: static pages under `web/console/` (served in production
 * too: every piece of data they show comes from routes behind requireOperator) and the few routes
 * only the console needs, under `/console/api/`:
 * - `POST /console/api/session` `{"key": "rgdop_..."}`: sign-in; sets the session cookie.
 * - `DELETE /console/api/session`: sign-out.
 * - `GET /console/api/me` (viewer): who is signed in, with the page's CSRF token; 401 signed out.
 * - `GET /console/api/health` (viewer): REGIDESO, wallets, jobs, SMS, open flags.
 * - `GET /console/api/funnel?day=YYYY-MM-DD` (viewer): where sessions drop that day.
 * The payments, flags and reconciliation pages use the operator routes themselves (`/payments…`,
 * `/reconciliation/…`) with the same cookie.
 */
export interface WalletAvailability {
  provider: string;
  deposits: string;
  refunds?: string;
}

export interface ConsoleRouterDeps {
  /** The folder holding the console's index.html and assets. */
  webDir: string;
  sessions: ConsoleSessions;
  authenticate: (key: string) => Promise<Operator | undefined>;
  /** Who the request is from, by the same readers as requireOperator (no failure counted: the page asks on load). */
  identify: (req: express.Request) => Promise<CredentialCheck>;
  /** Outside production, while no key exists: the console is open, with a banner. */
  openWithoutKeys?: () => Promise<boolean>;
  requireOperator: (minRole: Role) => express.RequestHandler;
  failedAuthLimiter: FailedAuthLimiter;
  health: () => Promise<HealthSnapshot>;
  /** Each wallet provider's availability (pawaPay `GET /v2/availability`, cached); absent until wired. */
  availability?: () => Promise<WalletAvailability[]>;
  funnel: (day: string) => Promise<FunnelDay>;
  logger: Logger;
}

const CONTENT_TYPES: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.svg': 'image/svg+xml' };
/** Nothing from elsewhere, no inline script, no framing (clickjacking the resolve button). */
const CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

const signInBody = z.object({ key: z.string().trim().min(1, 'the key is required').max(200) });
const dayQuery = z.object({ day: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a day such as 2026-12-01').refine((d) => new Date(`${d}T00:00:00Z`).toISOString().slice(0, 10) === d, 'not a day of the calendar') });

export function createConsoleRouter(deps: ConsoleRouterDeps): express.Router {
  const { logger } = deps;
  // Read once: a missing web/console folder stops the start, not an operator.
  const assets = new Set(readdirSync(deps.webDir).filter((f) => path.extname(f) in CONTENT_TYPES));
  if (!assets.has('index.html')) throw new Error(`the console's index.html is missing from ${deps.webDir}`);

  // Strict: `/console` (redirected) and `/console/` (the page) are two routes.
  const router = express.Router({ strict: true });
  // First of the operator routers (compose.ts): every state-changing operator request passes here.
  router.use(consoleForgeryGuard());
  // Served at the root only: under `/<token>/` the token opens nothing for operators, and the page's URLs are absolute.
  router.use('/console', (req, _res, next) => next(req.baseUrl !== '/console' ? 'router' : undefined));

  const sendAsset = (name: string, res: express.Response) => {
    const ext = path.extname(name);
    res.set('cache-control', 'no-cache').set('x-content-type-options', 'nosniff').type(CONTENT_TYPES[ext] ?? 'application/octet-stream');
    if (ext === '.html') res.set('content-security-policy', CSP).set('x-frame-options', 'DENY').set('referrer-policy', 'same-origin');
    res.sendFile(name, { root: deps.webDir, dotfiles: 'deny' });
  };
  const unavailable = (res: express.Response, what: string, err: unknown) => {
    logger.error(`console: ${what} unreadable`, { err });
    res.status(503).json({ error: 'unavailable', message: `${what} cannot be read right now` });
  };

  router.get('/console', (_req, res) => res.redirect(308, '/console/'));
  // The one page: signed out it shows the sign-in form (it learns which from /console/api/me).
  router.get('/console/', (_req, res) => sendAsset('index.html', res));
  router.get('/console/:asset', (req, res, next) => {
    if (assets.has(req.params.asset) && req.params.asset !== 'index.html') sendAsset(req.params.asset, res);
    else next();
  });

  router.post('/console/api/session', async (req, res) => {
    if (!req.is('application/json')) {
      res.status(415).json({ error: 'unsupported_media_type', message: 'send the key as JSON: {"key": "rgdop_..."}' });
      return;
    }
    const body = signInBody.safeParse(req.body ?? {});
    const hash = body.success ? operatorKeyHash(body.data.key) : undefined;
    let operator: Operator | undefined;
    try {
      operator = hash === undefined || !body.success ? undefined : await deps.authenticate(body.data.key);
    } catch (err) {
      unavailable(res, 'Operator keys', err);
      return;
    }
    if (operator === undefined || hash === undefined) {
      let limited = false;
      try {
        limited = await deps.failedAuthLimiter.recordFailure(req.ip ?? 'unknown');
      } catch (err) {
        logger.warn('failed-auth limiter unavailable', { err });
      }
      // Never the key, not even a wrong one.
      logger.warn('console sign-in refused', { ip: req.ip, limited });
      if (limited) res.status(429).json({ error: 'too_many_requests', message: 'too many failed sign-ins from this address: wait a minute' });
      else res.status(401).json({ error: 'unauthorized', message: 'this operator key is not valid (wrong, or revoked)' });
      return;
    }
    let id: string;
    try {
      id = await deps.sessions.open(hash);
    } catch (err) {
      unavailable(res, 'Sessions', err);
      return;
    }
    setSessionCookie(req, res, id);
    logger.info('console sign-in', { operator: operator.name, role: operator.role });
    res.json({ name: operator.name, role: operator.role, anonymous: false, csrf: csrfTokenFor(id) });
  });

  router.delete('/console/api/session', async (req, res) => {
    const id = cookieOf(req, CONSOLE_COOKIE);
    try {
      if (id !== undefined) await deps.sessions.close(id);
    } catch (err) {
      unavailable(res, 'Sessions', err);
      return;
    }
    clearSessionCookie(req, res);
    res.status(204).end();
  });

  router.get('/console/api/me', async (req, res) => {
    let found: CredentialCheck;
    try {
      found = await deps.identify(req);
      if (found.kind === 'absent' && deps.openWithoutKeys !== undefined && (await deps.openWithoutKeys())) found = { kind: 'operator', operator: ANONYMOUS_OPERATOR };
    } catch (err) {
      unavailable(res, 'Operator keys', err);
      return;
    }
    if (found.kind !== 'operator') {
      res.status(401).json({ error: 'unauthorized', message: 'sign in with your operator key' });
      return;
    }
    const id = cookieOf(req, CONSOLE_COOKIE);
    const anonymous = found.operator === ANONYMOUS_OPERATOR;
    res.json({ name: found.operator.name, role: found.operator.role, anonymous, csrf: id === undefined || anonymous ? null : csrfTokenFor(id) });
  });

  router.get('/console/api/health', deps.requireOperator('viewer'), async (_req, res) => {
    let snapshot: HealthSnapshot;
    try {
      snapshot = await deps.health();
    } catch (err) {
      unavailable(res, 'Health', err);
      return;
    }
    let wallets: WalletAvailability[] | null = null;
    let walletsError: string | null = null;
    if (deps.availability !== undefined) {
      try {
        wallets = await deps.availability();
      } catch (err) {
        logger.warn('console: wallet availability unreadable', { err });
        walletsError = 'unavailable';
      }
    }
    res.json({ ...snapshot, wallets, walletsError });
  });

  router.get('/console/api/funnel', deps.requireOperator('viewer'), async (req, res) => {
    const q = dayQuery.safeParse(req.query);
    if (!q.success) {
      res.status(400).json({ error: 'bad_request', message: q.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ') });
      return;
    }
    try {
      res.json(await deps.funnel(q.data.day));
    } catch (err) {
      unavailable(res, 'Session records', err);
    }
  });

  // Nothing else under /console/: an unknown URL is not the page.
  router.all('/console/{*rest}', (_req, res) => {
    res.status(404).json({ error: 'not_found' });
  });
  return router;
}
