import type { Registry } from 'prom-client';

/** The value of one series (`name{labels}` exactly as exposed), 0 when absent. */
export async function metricValue(registry: Registry, series: string): Promise<number> {
  const text = await registry.metrics();
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? 0 : Number(line.slice(series.length + 1));
}
