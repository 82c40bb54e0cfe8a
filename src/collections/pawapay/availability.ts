import { z } from 'zod';
import { isProvider, type Provider } from '../types';
import { DRC_COUNTRY } from './rules';

/**
 * GET /v2/availability: pawaPay's operations team's word on each provider now, per operation type
 * (OPERATIONAL, DELAYED, CLOSED). Read for deposits in the DRC; the operation types come keyed by
 * type (`{"DEPOSIT": "OPERATIONAL"}`) or as a list (`[{"operationType": "DEPOSIT", "status": …}]`).
 */
export type DepositAvailability = 'OPERATIONAL' | 'DELAYED' | 'CLOSED';

const statusSchema = z.enum(['OPERATIONAL', 'DELAYED', 'CLOSED']);
const availabilitySchema = z.array(
  z.object({
    country: z.string(),
    providers: z.array(z.object({ provider: z.string(), operationTypes: z.unknown() })),
  }),
);

function depositStatus(operationTypes: unknown): DepositAvailability | undefined {
  if (Array.isArray(operationTypes)) {
    for (const item of operationTypes) {
      if (typeof item !== 'object' || item === null) continue;
      const entry = item as Record<string, unknown>;
      if (entry.operationType === 'DEPOSIT') return statusSchema.safeParse(entry.status).data;
    }
    return undefined;
  }
  if (typeof operationTypes === 'object' && operationTypes !== null) {
    const v = (operationTypes as Record<string, unknown>).DEPOSIT;
    return statusSchema.safeParse(typeof v === 'object' && v !== null ? (v as Record<string, unknown>).status : v).data;
  }
  return undefined;
}

/** The deposit status of each of our DRC providers; undefined when the body is not an availability answer. */
export function availabilityFrom(body: unknown): Map<Provider, DepositAvailability> | undefined {
  const parsed = availabilitySchema.safeParse(body);
  if (!parsed.success) return undefined;
  const out = new Map<Provider, DepositAvailability>();
  for (const country of parsed.data) {
    if (country.country !== DRC_COUNTRY) continue;
    for (const p of country.providers) {
      const status = depositStatus(p.operationTypes);
      if (isProvider(p.provider) && status !== undefined) out.set(p.provider, status);
    }
  }
  return out;
}
