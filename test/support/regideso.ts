import { silentLogger } from '../../src/logging/logger';
import { createRegidesoClient, type RegidesoClientOptions } from '../../src/regideso/client';
import type { RunningSandbox } from '../../src/regideso/sandbox/server';
import type { RegidesoClient } from '../../src/regideso/types';

/** The real client, pointed at a sandbox REGIDESO over HTTP, with fast retries for tests. */
export function sandboxClient(sandbox: Pick<RunningSandbox, 'baseUrl' | 'apiKey'>, overrides: Partial<RegidesoClientOptions> = {}): RegidesoClient {
  return createRegidesoClient({
    baseUrl: sandbox.baseUrl,
    apiKey: sandbox.apiKey,
    operator: 'FINCA',
    timeoutMs: 2000,
    logger: silentLogger(),
    retryBaseDelayMs: 1,
    ...overrides,
  });
}
