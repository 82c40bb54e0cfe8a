import axios, { type AxiosInstance } from 'axios';

/** What one HTTP exchange with REGIDESO gave: an answer (any status), or no answer at all. */
export type HttpResult =
  | { kind: 'answer'; status: number; body: unknown; durationMs: number }
  | { kind: 'no_answer'; reason: 'timeout' | 'network'; message: string; durationMs: number };

export interface HttpRequest {
  method: 'GET' | 'POST';
  path: string;
  params?: Record<string, string>;
  body?: unknown;
}

export interface RegidesoHttp {
  send(req: HttpRequest): Promise<HttpResult>;
}

/** Answers bigger than this are not REGIDESO's (a proxy error page, a misrouted download). */
const MAX_BODY_BYTES = 1_000_000;

export function createRegidesoHttp(opts: { baseUrl: string; apiKey: string; timeoutMs: number }): RegidesoHttp {
  const http: AxiosInstance = axios.create({
    baseURL: opts.baseUrl.replace(/\/+$/, ''),
    timeout: opts.timeoutMs,
    headers: { 'x-api-key': opts.apiKey, accept: 'application/json' },
    // Every status is an answer to interpret; only the absence of an answer is an error.
    validateStatus: () => true,
    responseType: 'text',
    transformResponse: [(data: unknown) => data],
    maxContentLength: MAX_BODY_BYTES,
    maxRedirects: 0,
  });

  return {
    async send(req) {
      const started = performance.now();
      // axios' `timeout` is a socket idle timer; the abort bounds the whole exchange, so a server
      // that trickles bytes or never answers still releases the socket on time.
      const abort = new AbortController();
      const timer = setTimeout(() => abort.abort(), opts.timeoutMs);
      try {
        const res = await http.request<string>({
          method: req.method,
          url: req.path,
          params: req.params,
          data: req.body,
          signal: abort.signal,
        });
        return { kind: 'answer', status: res.status, body: parseJson(res.data), durationMs: elapsed(started) };
      } catch (err) {
        if (!axios.isAxiosError(err)) throw err;
        const timedOut = err.code === 'ECONNABORTED' || err.code === 'ETIMEDOUT' || err.code === 'ERR_CANCELED';
        return {
          kind: 'no_answer',
          reason: timedOut ? 'timeout' : 'network',
          message: timedOut ? `no answer within ${opts.timeoutMs} ms` : `${err.code ?? 'network error'}: ${err.message}`,
          durationMs: elapsed(started),
        };
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

/** The parsed JSON, or undefined when the body is not JSON (an HTML error page, nothing). */
function parseJson(data: unknown): unknown {
  if (typeof data !== 'string') return data;
  try {
    // Some PHP stacks prefix a byte-order mark.
    return JSON.parse(data.replace(/^\uFEFF/, '')) as unknown;
  } catch {
    return undefined;
  }
}

function elapsed(started: number): number {
  return Math.round(performance.now() - started);
}
