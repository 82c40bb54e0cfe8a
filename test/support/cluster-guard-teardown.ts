import { BASELINE, crossSlotRefusals } from './cluster-guard';

/** Jest's global teardown of the cluster run: fails it when any command of the run spanned slots. */
export default async function teardown(): Promise<void> {
  const before = Number((globalThis as Record<symbol, unknown>)[BASELINE] ?? 0);
  const after = await crossSlotRefusals();
  if (after > before) throw new Error(`the Redis Cluster refused ${after - before} command(s) over keys of different slots (CROSSSLOT) during this run`);
}
