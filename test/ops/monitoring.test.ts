import { readFileSync } from 'node:fs';
import path from 'node:path';
import request from 'supertest';
import { z } from 'zod';
import { parse } from 'yaml';
import { startProduct, REDIS_ENV, type RunningProduct } from '../e2e/product-kit';

/**
 * The Grafana dashboard and the Prometheus alert rules under ops/ name only metrics the product
 * really exposes: every name in their expressions is in the composed product's /metrics. (promtool
 * checks the rules' syntax and runs their unit tests in CI: .ci/run.)
 */
const ROOT = path.resolve(__dirname, '..', '..');
let p: RunningProduct;
let exposed: Set<string>;

beforeAll(async () => {
  p = await startProduct({ ...REDIS_ENV, LOG_LEVEL: 'error', COLLECTION: 'none' }, { reconciliationSchedule: false });
  const text = (await request(p.product.app).get('/metrics').expect(200)).text;
  exposed = new Set<string>();
  for (const m of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    const [, name = '', type] = m;
    exposed.add(name);
    if (type === 'histogram') for (const s of ['_bucket', '_count', '_sum']) exposed.add(`${name}${s}`);
  }
});

afterAll(async () => {
  await p?.close();
});

/** Metric names in a PromQL expression: identifiers with an underscore, outside quotes, that are not functions. */
function metricNames(expr: string): string[] {
  const unquoted = expr.replace(/"[^"]*"/g, '""');
  const ids = unquoted.match(/[a-zA-Z_:][a-zA-Z0-9_:]*/g) ?? [];
  return ids.filter((id) => id.includes('_') && !/^\s*\(/.test(unquoted.slice(unquoted.indexOf(id) + id.length)));
}

const dashboard = z
  .object({ panels: z.array(z.object({ title: z.string(), targets: z.array(z.object({ expr: z.string() })).optional() })) })
  .parse(JSON.parse(readFileSync(path.join(ROOT, 'ops/grafana/regideso-dashboard.json'), 'utf8')));
const rules = z
  .object({ groups: z.array(z.object({ rules: z.array(z.object({ alert: z.string(), expr: z.string() })) })) })
  .parse(parse(readFileSync(path.join(ROOT, 'ops/prometheus/alerts.yaml'), 'utf8')));

const dashboardExprs = dashboard.panels.flatMap((panel) => (panel.targets ?? []).map((t) => [panel.title, t.expr] as const));
const ruleExprs = rules.groups.flatMap((g) => g.rules.map((r) => [r.alert, r.expr] as const));

it('the dashboard and the alerts have what the operator asked to watch', () => {
  const all = [...dashboardExprs, ...ruleExprs].map(([, e]) => e).join('\n');
  for (const name of ['http_request_duration_seconds', 'payments_settled_total', 'payfact_calls_total', 'wallet_deposits_total', 'wallet_refunds_total', 'payments_open_flags', 'jobs_waiting', 'sms_sent_total', 'sms_messages_failing', 'regideso_up', 'ussd_sessions_total']) {
    expect(all).toContain(name);
  }
  expect(ruleExprs.map(([a]) => a)).toEqual(expect.arrayContaining(['PaymentsFlaggedForMoney', 'RegidesoDown', 'SmsFailing', 'WalletDepositStuck', 'JobsBackingUp']));
});

it.each([...dashboardExprs, ...ruleExprs])('%s: every metric it names is exposed', (_what, expr) => {
  const names = metricNames(expr);
  expect(names.length).toBeGreaterThan(0);
  expect(names.filter((n) => !exposed.has(n))).toEqual([]);
});
