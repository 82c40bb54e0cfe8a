import { createJsonHttp, type HttpRequest, type HttpResult, type JsonHttp } from '../../json-http';

export type PawapayHttpResult = HttpResult;
export type PawapayHttpRequest = HttpRequest;

/** Answers bigger than this are not pawaPay's (the active configuration is the largest, ~100 kB). */
const MAX_BODY_BYTES = 2_000_000;

/** pawaPay's Merchant API: Bearer token on every call. */
export function createPawapayHttp(opts: { baseUrl: string; apiToken: string; timeoutMs: number }): JsonHttp {
  return createJsonHttp({ baseUrl: opts.baseUrl, headers: { authorization: `Bearer ${opts.apiToken}` }, timeoutMs: opts.timeoutMs, maxBodyBytes: MAX_BODY_BYTES });
}
