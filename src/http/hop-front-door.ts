import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Metrics } from '../metrics';
import { plainForm } from './form-body';
import type { HopTaker } from './ussd-router';

export interface HopFrontDoorDeps {
  take: HopTaker;
  /** The webhook guard's own token check (src/http/security.ts): the door admits only what the guard lets through. */
  matches: (candidate: string) => boolean;
  metrics: Metrics;
}

/** The routes a hop is counted under in `http_request_duration_seconds`, as the express route would name them. */
const ROOT = '/ussd';
const UNDER_TOKEN = '/:token/ussd';

/**
 * Most requests are USSD hops, and each of them paid express's app and router (prototype swaps,
 * a walk over the middleware stack, path matching, a lazy query parse for the token guard) before
 * its own work: about a tenth of a hop's CPU. The door takes the hop that is plainly one, before
 * express sees it: `POST /ussd` or `POST /<token>/ussd`, no query string, the right token in the
 * path (the guard's own check), a plain form body. It counts it in the same histogram the app's
 * middleware fills. Everything else returns false and goes to express untouched, where the guard
 * refuses a wrong token (and throttles its sender), the generic route reads other bodies, and so on:
 * the door is a shortcut to the same answers, never a second set of rules.
 */
export function createHopFrontDoor(deps: HopFrontDoorDeps): (req: IncomingMessage, res: ServerResponse) => boolean {
  // One labelled child per route and status: no label hashing on every hop.
  const children = new Map<string, { observe(seconds: number): void }>();
  const observe = (route: string, status: number, seconds: number) => {
    const key = `${route} ${status}`;
    let child = children.get(key);
    if (child === undefined) {
      child = deps.metrics.httpDuration.labels({ method: 'POST', route, status: String(status) });
      children.set(key, child);
    }
    child.observe(seconds);
  };

  return (req, res) => {
    if (req.method !== 'POST') return false;
    const url = req.url ?? '';
    const route = admitted(url, deps.matches);
    if (route === undefined) return false;
    const length = plainForm(req);
    if (length === undefined) return false;
    const started = performance.now();
    res.once('finish', () => observe(route, res.statusCode, (performance.now() - started) / 1000));
    deps.take(req, res, length);
    return true;
  };
}

/** The route pattern of a hop URL the guard would let through, or undefined: leave it to express. */
function admitted(url: string, matches: (candidate: string) => boolean): string | undefined {
  // `/ussd` itself: the guard takes a first path segment as a presented token too, so the door asks
  // it the same question (no token configured: admitted; any token: refused unless it is "ussd").
  if (url === ROOT) return matches(ROOT.slice(1)) ? ROOT : undefined;
  // `/<token>/ussd`: one segment, nothing to decode (a %-escaped token is express's to decode).
  if (!url.endsWith(ROOT) || url.charCodeAt(0) !== 47 /* / */) return undefined;
  const token = url.slice(1, url.length - ROOT.length);
  if (token === '' || token.includes('/') || token.includes('%') || token.includes('?')) return undefined;
  return matches(token) ? UNDER_TOKEN : undefined;
}
