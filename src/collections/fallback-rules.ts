import { PROVIDERS, type ProviderRules } from './types';

/**
 * The rules used when pawaPay's active configuration has never been read (pawaPay unreachable
 * since start-up). Deliberately strict: whole francs only (an amount with centimes would be
 * refused by a provider taking none), and limits inside every DRC provider's range, so the amount
 * screen never promises what a provider would then refuse after the session ended. Once the
 * configuration has been read, its last good copy is used instead, however old.
 */
export const FALLBACK_MIN_CENTIMES = 100 * 100;
export const FALLBACK_MAX_CENTIMES = 1_000_000 * 100;

export const FALLBACK_PROVIDER_RULES: readonly ProviderRules[] = PROVIDERS.map((provider) => ({
  provider,
  decimals: 0,
  minCentimes: FALLBACK_MIN_CENTIMES,
  maxCentimes: FALLBACK_MAX_CENTIMES,
}));
