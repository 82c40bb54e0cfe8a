import request from 'supertest';
import { startSandbox, type RunningSandbox } from '../../src/regideso/sandbox/server';
import { testPglite } from '../support/db';
import { startProduct, type RunningProduct } from './product-kit';

/**
 * /readyz and /metrics report REGIDESO's last background check and never call it themselves: an
 * outsider hammering them must not set the pace of our calls (with our key) to REGIDESO. Calls are
 * counted where they land, on the sandbox REGIDESO over HTTP. /metrics opens to METRICS_TOKEN only.
 */
const METRICS_TOKEN = 'metrics-token-0123456789abcdef';
let sandbox: RunningSandbox;
let p: RunningProduct;

beforeAll(async () => {
  sandbox = await startSandbox();
  p = await startProduct(
    { LOG_LEVEL: 'error', REGIDESO_BASE_URL: sandbox.baseUrl, REGIDESO_API_KEY: sandbox.apiKey, REGIDESO_OPERATOR: 'FINCA', COLLECTION: 'none', METRICS_TOKEN },
    // No background check falls inside the test's burst: any GetFact counted would be a request's.
    { db: await testPglite(), regidesoCheckMs: 3_600_000 },
  );
}, 60_000);
afterAll(async () => {
  await p.close();
  await p.product.parts.db.close();
  await sandbox.close();
});

const metrics = () => request(p.product.app).get('/metrics').set('Authorization', `Bearer ${METRICS_TOKEN}`);

test('50 /readyz and 50 /metrics make no GetFact, and report the check made at start', async () => {
  // The check at start, before the first request could be served.
  expect(sandbox.calls.getFact).toBe(1);
  for (let i = 0; i < 50; i++) {
    const [ready, scraped] = await Promise.all([request(p.product.app).get('/readyz'), metrics()]);
    expect(ready.status).toBe(200);
    expect(ready.body.info).toEqual({ regideso: true });
    expect(scraped.status).toBe(200);
    expect(scraped.text).toMatch(/^regideso_up 1$/m);
  }
  expect(sandbox.calls.getFact).toBe(1);
  const checkedAt = Number(/^regideso_last_check_timestamp_seconds (\S+)$/m.exec((await metrics()).text)?.[1]);
  expect(checkedAt).toBeGreaterThan(Date.now() / 1000 - 600);
  expect(checkedAt).toBeLessThanOrEqual(Date.now() / 1000);
});

test('with METRICS_TOKEN set, /metrics needs it as a Bearer token; /healthz and /readyz stay open', async () => {
  expect((await request(p.product.app).get('/metrics')).status).toBe(401);
  expect((await request(p.product.app).get('/metrics').set('Authorization', 'Bearer metrics-token-0123456789abcdeX')).status).toBe(401);
  expect((await request(p.product.app).get(`/metrics?token=${METRICS_TOKEN}`)).status).toBe(401);
  const ok = await metrics();
  expect(ok.status).toBe(200);
  expect(ok.text).toContain('http_request_duration_seconds');
  expect((await request(p.product.app).get('/healthz')).status).toBe(200);
  expect((await request(p.product.app).get('/readyz')).status).toBe(200);
});
