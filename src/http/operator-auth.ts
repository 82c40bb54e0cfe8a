import type { Request, RequestHandler } from 'express';
import type { Logger } from '../logging/logger';
import { hasRole, type Operator, type Role } from '../operators/store';
import type { FailedAuthLimiter } from './security';

/**
 * Who an operator request comes from. Each kind of credential has a reader: the `Authorization:
 * Bearer <key>` header first (curl, scripts), and the console's session cookie can be added as a
 * second reader later. The first reader that finds a credential decides; a credential presented
 * and wrong is refused, never passed over to the next.
 */
export type CredentialCheck = { kind: 'absent' } | { kind: 'operator'; operator: Operator } | { kind: 'refused' };
export type CredentialReader = (req: Request) => Promise<CredentialCheck>;

declare module 'express-serve-static-core' {
  interface Request {
    /** Set by requireOperator: the operator this request acts for (its name goes into the audit trail). */
    operator?: Operator;
  }
}

/** Outside production, while no operator key exists, the demo acts as this one. */
export const ANONYMOUS_OPERATOR: Operator = { name: 'anonymous (no operator keys yet)', role: 'admin' };

/** `Authorization: Bearer <key>`, checked against the operators in the ledger on every request. */
export function bearerKeyReader(authenticate: (key: string) => Promise<Operator | undefined>): CredentialReader {
  return async (req) => {
    const header = req.get('authorization');
    // `Bearer ` with nothing after it (a script's `$KEY` left unset) presents no key: absent, so the
    // demo's open routes stay open before the first key, and a 401 follows once keys exist.
    if (header === undefined || /^\s*(Bearer\s*)?$/i.test(header)) return { kind: 'absent' };
    const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (m?.[1] === undefined) return { kind: 'refused' };
    const operator = await authenticate(m[1]);
    return operator === undefined ? { kind: 'refused' } : { kind: 'operator', operator };
  };
}

export interface OperatorGuardDeps {
  readers: CredentialReader[];
  /**
   * Outside production: true while no operator was ever made, so the demo (`npm ci && npm start`)
   * works without a key. Production passes nothing: keys only.
   */
  openWithoutKeys?: () => Promise<boolean>;
  logger: Logger;
  /** Failed attempts count toward the same per-address limit as wrong webhook tokens. */
  failedAuthLimiter?: FailedAuthLimiter;
}

/** The first reader that finds a credential decides (the guard's rule), for a route that only asks who is there. */
export function operatorIdentifier(readers: CredentialReader[]): (req: Request) => Promise<CredentialCheck> {
  return async (req) => {
    for (const read of readers) {
      const c = await read(req);
      if (c.kind !== 'absent') return c;
    }
    return { kind: 'absent' };
  };
}

/**
 * `requireOperator(minRole)`: 401 without a working credential (429 once an address failed too
 * often), 403 when the operator's role is below `minRole`; otherwise `req.operator` is set.
 */
export function createOperatorGuard(deps: OperatorGuardDeps): (minRole: Role) => RequestHandler {
  const identify = operatorIdentifier(deps.readers);

  return (minRole) => async (req, res, next) => {
    let found: CredentialCheck;
    try {
      found = await identify(req);
      if (found.kind === 'absent' && deps.openWithoutKeys !== undefined && (await deps.openWithoutKeys())) {
        found = { kind: 'operator', operator: ANONYMOUS_OPERATOR };
      }
    } catch (err) {
      deps.logger.error('operator keys unreadable', { err });
      res.status(503).json({ error: 'unavailable', message: 'Operator keys cannot be checked right now' });
      return;
    }
    if (found.kind === 'operator') {
      if (!hasRole(found.operator, minRole)) {
        res.status(403).json({ error: 'forbidden', message: `this needs the ${minRole} role; the key of ${found.operator.name} has the ${found.operator.role} role` });
        return;
      }
      req.operator = found.operator;
      next();
      return;
    }
    let limited = false;
    try {
      limited = (await deps.failedAuthLimiter?.recordFailure(req.ip ?? 'unknown')) ?? false;
    } catch (err) {
      deps.logger.warn('failed-auth limiter unavailable', { err });
    }
    // Never the header: it may hold a (wrong, or nearly right) key.
    deps.logger.warn('operator request refused', { reason: found.kind === 'absent' ? 'missing' : 'wrong', ip: req.ip, method: req.method, limited });
    if (limited) {
      res.status(429).json({ error: 'too_many_requests', message: 'too many failed authentications from this address' });
      return;
    }
    res.set('WWW-Authenticate', 'Bearer realm="operators"');
    res.status(401).json({
      error: 'unauthorized',
      message: found.kind === 'absent' ? 'an operator key is required: Authorization: Bearer <key> (npm run operator -- add)' : 'this operator key is not valid (wrong, or revoked)',
    });
  };
}

/**
 * For `openWithoutKeys`: true until the first operator exists. Operators are never deleted (a
 * revoked key stays as a row), so once one is seen the ledger is not asked again.
 */
export function openUntilFirstKey(anyOperator: () => Promise<boolean>): () => Promise<boolean> {
  let closed = false;
  return async () => {
    if (!closed) closed = await anyOperator();
    return !closed;
  };
}

/** Says at start-up who can open the operator routes, so an open demo never goes unnoticed. */
export async function warnAboutOperatorAccess(anyOperator: () => Promise<boolean>, production: boolean, logger: Logger): Promise<void> {
  if (await anyOperator()) return;
  if (production) {
    logger.warn('No operator key exists yet: /payments and the other operator routes answer 401 until one is made (npm run operator -- add --name NAME --role viewer|resolver|admin)');
  } else {
    logger.warn('No operator key exists yet: /payments and the other operator routes are OPEN to anyone who reaches this port, as an admin (development only); make a key to close them: npm run operator -- add --name NAME --role admin');
  }
}
