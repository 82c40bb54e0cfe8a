import { parseApiAmount } from '../amounts';
import { isProvider, type ProviderRules } from '../types';
import { pinPromptOf } from './pin-prompt';
import { activeConfSchema, operationConfSchema, type OperationConf } from './wire';

/** pawaPay's ISO 3166-1 alpha-3 code for the DRC, and the currency we collect. */
export const DRC_COUNTRY = 'COD';
export const CDF = 'CDF';

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * The settings of one operation type inside `operationTypes`, which the live API sends keyed by
 * type (`{"DEPOSIT": {…}}`) and pawaPay's reference shows as a list (`[{"DEPOSIT": {…}}]` or
 * `[{"operationType": "DEPOSIT", …}]`).
 */
export function operationConf(operationTypes: unknown, type: string): OperationConf | undefined {
  const candidates: unknown[] = [];
  if (Array.isArray(operationTypes)) {
    for (const item of operationTypes) {
      if (!isRecord(item)) continue;
      if (item.operationType === type) candidates.push(item);
      else if (type in item) candidates.push(item[type]);
    }
  } else if (isRecord(operationTypes) && type in operationTypes) {
    candidates.push(operationTypes[type]);
  }
  for (const c of candidates) {
    const parsed = operationConfSchema.safeParse(c);
    if (parsed.success) return parsed.data;
  }
  return undefined;
}

function decimalsOf(value: string | undefined): 0 | 2 | undefined {
  if (value === 'NONE') return 0;
  if (value === 'TWO_PLACES') return 2;
  return undefined;
}

export interface RulesReading {
  rules: ProviderRules[];
  /** Providers present in the configuration but left out, and why (for a warning in the logs). */
  skipped: Array<{ provider: string; why: string }>;
}

/**
 * GET /v2/active-conf → the CDF deposit rules of our DRC providers. undefined when the body is not
 * an active configuration at all. A provider whose deposits are CLOSED is left out (pawaPay rejects
 * every deposit to it); one whose settings cannot be read is left out too, and reported.
 */
export function rulesFromActiveConf(body: unknown): RulesReading | undefined {
  const parsed = activeConfSchema.safeParse(body);
  if (!parsed.success) return undefined;
  const rules: ProviderRules[] = [];
  const skipped: RulesReading['skipped'] = [];
  for (const country of parsed.data.countries) {
    if (country.country !== DRC_COUNTRY) continue;
    for (const p of country.providers) {
      if (!isProvider(p.provider)) continue;
      const cdf = p.currencies.find((c) => c.currency === CDF);
      const conf = cdf ? operationConf(cdf.operationTypes, 'DEPOSIT') : undefined;
      if (!conf) {
        skipped.push({ provider: p.provider, why: 'no CDF deposit configuration' });
        continue;
      }
      if (conf.status === 'CLOSED') {
        skipped.push({ provider: p.provider, why: 'deposits CLOSED' });
        continue;
      }
      const decimals = decimalsOf(conf.decimalsInAmount);
      const min = parseApiAmount(conf.minAmount ?? conf.minTransactionLimit ?? '');
      const max = parseApiAmount(conf.maxAmount ?? conf.maxTransactionLimit ?? '');
      if (decimals === undefined || min === undefined || max === undefined || min > max) {
        skipped.push({ provider: p.provider, why: 'unreadable decimals or limits' });
        continue;
      }
      if (rules.some((r) => r.provider === p.provider)) continue;
      const pinPrompt = pinPromptOf(conf);
      rules.push({ provider: p.provider, decimals, minCentimes: min, maxCentimes: max, ...(conf.status === 'DELAYED' ? { delayed: true as const } : {}), ...(pinPrompt ? { pinPrompt } : {}) });
    }
  }
  return { rules, skipped };
}
