import { hash, timingSafeEqual } from 'node:crypto';
import type { Request, RequestHandler, Response } from 'express';
import type { RedisClient } from '../redis';
import type { Logger } from '../logging/logger';
import type { Metrics } from '../metrics';
import { rateLimitedCounter, webhookAuthCounter } from '../channel-metrics';

/**
 * Callbacks are not signed by the gateway: a secret token in the registered URL, checked in
 * constant time, is what tells the gateway from anyone else. Rate limits by source address apply
 * only to requests that fail that check, because every legitimate callback comes from the
 * gateway's few addresses and must never be throttled by address.
 */

/** As `WEBHOOK_TOKEN` requires in src/config.ts. */
const MIN_TOKEN_LENGTH = 16;

/** One-shot SHA-256 (no Hash object per call: the token is checked on every hop). */
const digest = (s: string): Buffer => hash('sha256', s, 'buffer');

export interface FailedAuthLimiter {
  /** Counts one failed authentication from `address`; true once the address is over its limit. */
  recordFailure(address: string): Promise<boolean>;
}

/** Fixed window per source address: `limit` failures per `windowSeconds`, then 429. */
export function createFailedAuthLimiter(deps: { redis: RedisClient; prefix: string; limit: number; windowSeconds: number }): FailedAuthLimiter {
  return {
    async recordFailure(address) {
      const key = `${deps.prefix}authfail:${digest(address).toString('hex').slice(0, 32)}`;
      const count = await windowCount(deps.redis, key, deps.windowSeconds);
      return count > deps.limit;
    },
  };
}

/** INCR inside a fixed window that starts at the first hit (SET NX EX, then INCR). */
async function windowCount(redis: RedisClient, key: string, windowSeconds: number): Promise<number> {
  const res = await redis.multi().set(key, '0', 'EX', windowSeconds, 'NX').incr(key).exec();
  const incr = res?.[1];
  if (incr === undefined || incr[0] !== null || typeof incr[1] !== 'number') throw new Error('rate limit counter failed');
  return incr[1];
}

/**
 * The tokens a request presents: the `:token` path parameter (under the `/:token` mount) and every
 * `token` query parameter. Each one presented must be right: a wrong one is refused even when the
 * other place holds the right token.
 */
function presentedTokens(req: Request): string[] {
  const out: string[] = [];
  const params: unknown = req.params;
  if (params !== null && typeof params === 'object' && 'token' in params && typeof params.token === 'string') out.push(params.token);
  const query: unknown = req.query;
  if (query !== null && typeof query === 'object' && 'token' in query) {
    const q = query.token;
    const values = Array.isArray(q) ? q : [q];
    // Anything but a string (a nested query object) is a token presented, and not the right one.
    for (const v of values) out.push(typeof v === 'string' ? v : '');
  }
  return out;
}

/**
 * The first segment of the original path (`/<token>/ussd`). Under the root mount it is a route
 * (`ussd`) or a token: it counts only when it is the right token. A wrong token there is refused
 * by the `/:token` mount, where it is the path parameter.
 */
function firstPathSegment(req: Request): string | undefined {
  const first = (req.originalUrl ?? '').split('?')[0]?.split('/')[1];
  if (first === undefined || first === '') return undefined;
  try {
    return decodeURIComponent(first);
  } catch {
    return first;
  }
}

/**
 * The token check itself, in constant time: whether `candidate` (a path segment, decoded, or a
 * query value) is the webhook token. Every token check goes through it: the guard below and the
 * hop's front door (src/http/hop-front-door.ts). Always true when no token is configured.
 */
export function webhookTokenMatcher(token: string | undefined): (candidate: string) => boolean {
  if (token === undefined) return () => true;
  const expected = Buffer.from(token, 'utf8');
  // Compared byte for byte in constant time; only whether the length is right can be timed, and
  // the token's length (at least 16 random characters) is no secret worth a hash on every hop.
  return (candidate) => Buffer.byteLength(candidate, 'utf8') === expected.length && timingSafeEqual(Buffer.from(candidate, 'utf8'), expected);
}

/** The guard with its token check, for a front door that admits only what the guard would let through. */
export type WebhookTokenGuard = RequestHandler & { matches: (candidate: string) => boolean };

/**
 * Requires the webhook token on every callback. A no-op when no token is configured (development;
 * production refuses to start without one). 401 JSON without it, or with any wrong token presented;
 * 429 once an address has failed too often.
 */
export function requireWebhookToken(
  token: string | undefined,
  deps: { logger: Logger; metrics: Metrics; failedAuthLimiter: FailedAuthLimiter },
): WebhookTokenGuard {
  const matches = webhookTokenMatcher(token);
  if (token === undefined) return Object.assign((_req: Request, _res: Response, next: () => void) => next(), { matches });
  const failures = webhookAuthCounter(deps.metrics);

  const guard: RequestHandler = async (req, res, next) => {
    const presented = presentedTokens(req);
    // Read only when no token was presented elsewhere (not under the `/:token` mount, the hops' URL).
    const first = presented.length > 0 ? undefined : firstPathSegment(req);
    const allowed = presented.length > 0 ? presented.every(matches) : first !== undefined && matches(first);
    if (allowed) {
      next();
      return;
    }
    // Tokens are at least 16 characters (config), so a shorter first path segment (`ussd`, `sms`)
    // is a route, not an attempt: that request carried no token at all.
    const attempted = presented.length > 0 || (first !== undefined && first.length >= MIN_TOKEN_LENGTH);
    const reason = attempted ? 'wrong' : 'missing';
    failures.inc({ reason });
    let limited = false;
    try {
      limited = await deps.failedAuthLimiter.recordFailure(req.ip ?? 'unknown');
    } catch (err) {
      deps.logger.warn('failed-auth limiter unavailable', { err });
    }
    // Never log the URL: it may hold a (wrong, or nearly right) token.
    deps.logger.warn('callback refused', { reason, ip: req.ip, method: req.method, limited });
    if (limited) {
      res.status(429).json({ error: 'too_many_requests', message: 'too many failed authentications from this address' });
      return;
    }
    res.status(401).json({ error: 'unauthorized', message: 'missing or wrong webhook token' });
  };
  return Object.assign(guard, { matches });
}

export interface RateLimitByPhoneDeps {
  redis: RedisClient;
  prefix: string;
  limit: number;
  windowSeconds: number;
  phoneField: 'phoneNumber' | 'from';
  onLimited: (req: Request, res: Response) => void;
  /** Counts refusals in `rate_limited_total{limit=name}` when given. */
  metrics?: Metrics;
  logger?: Logger;
  /** The metric label; defaults to the phone field. */
  name?: string;
}

/**
 * At most `limit` requests per phone number per window (a subscriber, or a script, hammering the
 * code). A request without the field passes through so validation can answer 400; when Redis
 * fails the request is served: a limiter must not take the service down with it.
 */
export function rateLimitByPhone(deps: RateLimitByPhoneDeps): RequestHandler {
  const limited = deps.metrics === undefined ? undefined : rateLimitedCounter(deps.metrics);
  const label = deps.name ?? deps.phoneField;
  return async (req, res, next) => {
    const body: unknown = req.body;
    const raw = body !== null && typeof body === 'object' && deps.phoneField in body ? (body as Record<string, unknown>)[deps.phoneField] : undefined;
    const phone = typeof raw === 'string' ? raw.replace(/[^\d+]/g, '') : '';
    if (phone === '') {
      next();
      return;
    }
    let count: number;
    try {
      // Hashed: the limiter's keys need not hold phone numbers.
      count = await windowCount(deps.redis, `${deps.prefix}rl:${label}:${digest(phone).toString('hex').slice(0, 32)}`, deps.windowSeconds);
    } catch (err) {
      deps.logger?.warn('rate limiter unavailable, request served', { err });
      next();
      return;
    }
    if (count > deps.limit) {
      limited?.inc({ limit: label });
      if (count === deps.limit + 1) deps.logger?.warn('rate limit reached', { limit: label, phoneNumber: phone });
      deps.onLimited(req, res);
      return;
    }
    next();
  };
}

/** SMS over the limit: 200 so the gateway stops retrying, and no reply (no reply storm). */
export function smsLimitedReply(_req: Request, res: Response): void {
  res.status(200).end();
}
