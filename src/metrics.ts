import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/**
 * One registry per app instance (no global prom-client state), so tests can build several apps
 * side by side. Components add their own counters with `registers: [metrics.registry]`.
 */
export interface Metrics {
  registry: Registry;
  httpDuration: Histogram<'method' | 'route' | 'status'>;
}

export function createMetrics(opts: { defaults: boolean }): Metrics {
  const registry = new Registry();
  if (opts.defaults) collectDefaultMetrics({ register: registry });
  const httpDuration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request latency by route',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  return { registry, httpDuration };
}

/*
 * Get-or-create: a metric already in the registry is reused. Several factories may share one
 * registry (two rate limiters, a router built twice in tests, a crashed payment worker and its
 * successor), and prom-client refuses to register a name twice.
 */
export function counter<L extends string>(m: Metrics, name: string, help: string, labelNames: readonly L[]): Counter<L> {
  const existing = m.registry.getSingleMetric(name);
  if (existing instanceof Counter) return existing as Counter<L>;
  return new Counter({ name, help, labelNames, registers: [m.registry] });
}

export function histogram<L extends string>(m: Metrics, name: string, help: string, labelNames: readonly L[], buckets: number[]): Histogram<L> {
  const existing = m.registry.getSingleMetric(name);
  if (existing instanceof Histogram) return existing as Histogram<L>;
  return new Histogram({ name, help, labelNames, buckets, registers: [m.registry] });
}

export function gauge<L extends string>(m: Metrics, name: string, help: string, labelNames: readonly L[]): Gauge<L> {
  const existing = m.registry.getSingleMetric(name);
  if (existing instanceof Gauge) return existing as Gauge<L>;
  return new Gauge({ name, help, labelNames, registers: [m.registry] });
}
