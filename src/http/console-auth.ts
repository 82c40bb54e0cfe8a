import { createHash } from 'node:crypto';
import type { Request, RequestHandler, Response } from 'express';
import type { ConsoleSessions } from '../operators/console-sessions';
import { CONSOLE_MAX_SECONDS } from '../operators/console-sessions';
import type { Operator } from '../operators/store';
import type { CredentialReader } from './operator-auth';

/**
 * The console's credential: a session cookie (HttpOnly, SameSite=Strict, Secure when the request
 * came over HTTPS), the second reader of requireOperator after `Authorization: Bearer`. So the
 * same roles apply to every operator route, whichever way the operator came in.
 *
 * Forgery: a cookie goes with every request the browser makes, whoever's page asks. SameSite=Strict
 * keeps it off cross-site requests in current browsers; on top of it, every state-changing request
 * that rides on the cookie must carry `X-CSRF-Token` (derived from the session id, which a page of
 * another site cannot read), and any state-changing operator request the browser marks as coming
 * from another origin (`Origin`, `Sec-Fetch-Site`) is refused, cookie or not: that also covers the
 * open demo (no keys yet), where no cookie is needed at all.
 */
export const CONSOLE_COOKIE = 'rgd_console';
export const CSRF_HEADER = 'x-csrf-token';

/** The value of one cookie of the request; undefined when absent (no cookie-parser for one cookie). */
export function cookieOf(req: Request, name: string): string | undefined {
  const header = req.get('cookie');
  if (header === undefined) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/** The token a session's page sends back: a hash of the session id, so nothing more is stored and no other site can know it. */
export function csrfTokenFor(sessionId: string): string {
  return createHash('sha256').update(`csrf\0${sessionId}`, 'utf8').digest('base64url');
}

/** The session cookie's reader: the session's key is checked in the ledger on every request (a revoked key ends it now). */
export function sessionCookieReader(deps: { sessions: ConsoleSessions; authenticateHash: (hash: string) => Promise<Operator | undefined> }): CredentialReader {
  return async (req) => {
    const id = cookieOf(req, CONSOLE_COOKIE);
    if (id === undefined || id === '') return { kind: 'absent' };
    const session = await deps.sessions.touch(id);
    // Expired or signed out: no credential any more (the console shows its sign-in form).
    if (session === undefined) return { kind: 'absent' };
    const operator = await deps.authenticateHash(session.keyHash);
    if (operator === undefined) {
      await deps.sessions.close(id);
      return { kind: 'refused' };
    }
    return { kind: 'operator', operator };
  };
}

export function setSessionCookie(req: Request, res: Response, id: string): void {
  res.cookie(CONSOLE_COOKIE, id, { httpOnly: true, sameSite: 'strict', secure: req.secure, path: '/', maxAge: CONSOLE_MAX_SECONDS * 1000 });
}

export function clearSessionCookie(req: Request, res: Response): void {
  res.clearCookie(CONSOLE_COOKIE, { httpOnly: true, sameSite: 'strict', secure: req.secure, path: '/' });
}

const SAFE = new Set(['GET', 'HEAD', 'OPTIONS']);
/** Sign-in: a stale cookie (its session gone) must not stop a new one; the origin check still applies, and its body must be JSON. */
const SIGN_IN = /^\/(?:[^/]+\/)?console\/api\/session$/;
/** The operator routes (under `/` or `/<token>/`): callbacks from the gateway and pawaPay are never judged here. */
const OPERATOR_PATH = /^\/(?:[^/]+\/)?(?:payments|reconciliation|console)(?:\/|$)/;

function crossOrigin(req: Request): boolean {
  const site = req.get('sec-fetch-site');
  if (site !== undefined && site !== 'same-origin' && site !== 'none') return true;
  const origin = req.get('origin');
  if (origin === undefined) return false;
  try {
    // The host alone: behind a proxy that ends TLS without TRUST_PROXY the scheme seen here is http.
    return new URL(origin).host !== req.get('host');
  } catch {
    return true;
  }
}

/** Refuses (403) state-changing operator requests from another origin, and those riding on the session cookie without its token. */
export function consoleForgeryGuard(): RequestHandler {
  return (req, res, next) => {
    if (SAFE.has(req.method) || !OPERATOR_PATH.test(req.path)) {
      next();
      return;
    }
    if (crossOrigin(req)) {
      res.status(403).json({ error: 'forbidden', message: 'a request from another site is refused' });
      return;
    }
    const session = cookieOf(req, CONSOLE_COOKIE);
    // A bearer key is presented on purpose, never sent by the browser on its own: no token needed.
    const signIn = req.method === 'POST' && SIGN_IN.test(req.path);
    if (!signIn && session !== undefined && session !== '' && req.get('authorization') === undefined && req.get(CSRF_HEADER) !== csrfTokenFor(session)) {
      res.status(403).json({ error: 'csrf', message: 'this request needs the console page\'s X-CSRF-Token header' });
      return;
    }
    next();
  };
}
