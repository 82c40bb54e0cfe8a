import express from 'express';
import type { Metrics } from '../metrics';

/** Each dependency answers true when reachable. */
export type ReadinessCheck = () => Promise<Record<string, boolean>>;

export function createHealthRouter(deps: { metrics: Metrics; readiness: ReadinessCheck }): express.Router {
  const router = express.Router();
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/readyz', async (_req, res) => {
    const checks = await deps.readiness();
    const ready = Object.values(checks).every(Boolean);
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'not_ready', checks });
  });
  router.get('/metrics', async (_req, res) => {
    res.type(deps.metrics.registry.contentType).send(await deps.metrics.registry.metrics());
  });
  return router;
}
