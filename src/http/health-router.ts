import express from 'express';
import type { Metrics } from '../metrics';
import { bearerOf, sameSecret } from './bearer';

/**
 * Readiness is about this process and what it cannot serve without (Redis, the ledger): `required`
 * decides 200 or 503. REGIDESO's health is `info` only: when REGIDESO is down every instance is
 * equally affected, and taking them all out of the load balancer would replace our "REGIDESO does
 * not answer" screens with the telco's generic failure.
 */
export type ReadinessCheck = () => Promise<{ required: Record<string, boolean>; info?: Record<string, boolean> }>;

/**
 * `/metrics` shows business volumes: with `metricsToken` set (required in production) it opens only
 * to `Authorization: Bearer <metricsToken>`. Neither route calls REGIDESO: they report its last
 * background check.
 */
export function createHealthRouter(deps: { metrics: Metrics; readiness: ReadinessCheck; metricsToken?: string | undefined }): express.Router {
  const router = express.Router();
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/readyz', async (_req, res) => {
    const { required, info } = await deps.readiness();
    const ready = Object.values(required).every(Boolean);
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'not_ready', checks: required, ...(info !== undefined ? { info } : {}) });
  });
  router.get('/metrics', async (req, res) => {
    const token = deps.metricsToken;
    const presented = bearerOf(req);
    if (token !== undefined && (presented === undefined || !sameSecret(presented, token))) {
      res.status(401).set('WWW-Authenticate', 'Bearer').json({ error: 'unauthorized', message: 'GET /metrics needs Authorization: Bearer <METRICS_TOKEN>' });
      return;
    }
    res.type(deps.metrics.registry.contentType).send(await deps.metrics.registry.metrics());
  });
  return router;
}
