import { createJsonHttp, type HttpRequest, type HttpResult, type JsonHttp } from '../json-http';

export type { HttpRequest, HttpResult };

/** Answers bigger than this are not REGIDESO's (a proxy error page, a misrouted download). */
const MAX_BODY_BYTES = 1_000_000;

/** REGIDESO's API: its key in `x-api-key` on every call. */
export function createRegidesoHttp(opts: { baseUrl: string; apiKey: string; timeoutMs: number }): JsonHttp {
  return createJsonHttp({ baseUrl: opts.baseUrl, headers: { 'x-api-key': opts.apiKey }, timeoutMs: opts.timeoutMs, maxBodyBytes: MAX_BODY_BYTES });
}
