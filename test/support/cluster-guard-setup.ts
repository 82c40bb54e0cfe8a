import { BASELINE, crossSlotRefusals } from './cluster-guard';

/** Jest's global setup of the cluster run: the cluster answers, and its CROSSSLOT count so far. */
export default async function setup(): Promise<void> {
  (globalThis as Record<symbol, unknown>)[BASELINE] = await crossSlotRefusals();
}
