import express from 'express';
import type { Metrics } from '../metrics';

/**
 * Readiness is about this process and what it cannot serve without (Redis, the ledger): `required`
 * decides 200 or 503. REGIDESO's health is `info` only: when REGIDESO is down every instance is
 * equally affected, and taking them all out of the load balancer would replace our "REGIDESO does
 * not answer" screens with the telco's generic failure.
 */
export type ReadinessCheck = () => Promise<{ required: Record<string, boolean>; info?: Record<string, boolean> }>;

export function createHealthRouter(deps: { metrics: Metrics; readiness: ReadinessCheck }): express.Router {
  const router = express.Router();
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/readyz', async (_req, res) => {
    const { required, info } = await deps.readiness();
    const ready = Object.values(required).every(Boolean);
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'not_ready', checks: required, ...(info !== undefined ? { info } : {}) });
  });
  router.get('/metrics', async (_req, res) => {
    res.type(deps.metrics.registry.contentType).send(await deps.metrics.registry.metrics());
  });
  return router;
}
