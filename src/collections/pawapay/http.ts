import axios, { type AxiosInstance } from 'axios';

/** What one HTTP exchange with pawaPay gave: an answer (any status), or no answer at all. */
export type PawapayHttpResult =
  | { kind: 'answer'; status: number; body: unknown; durationMs: number }
  | { kind: 'no_answer'; reason: 'timeout' | 'network'; message: string; durationMs: number };

export interface PawapayHttpRequest {
  method: 'GET' | 'POST';
  path: string;
  params?: Record<string, string>;
  body?: unknown;
  /** Overrides the default whole-call timeout (the look-ups run inside a USSD hop). */
  timeoutMs?: number;
}

export interface PawapayHttp {
  send(req: PawapayHttpRequest): Promise<PawapayHttpResult>;
}

/** Answers bigger than this are not pawaPay's (the active configuration is the largest, ~100 kB). */
const MAX_BODY_BYTES = 2_000_000;

export function createPawapayHttp(opts: { baseUrl: string; apiToken: string; timeoutMs: number }): PawapayHttp {
  const http: AxiosInstance = axios.create({
    baseURL: opts.baseUrl.replace(/\/+$/, ''),
    headers: { authorization: `Bearer ${opts.apiToken}`, accept: 'application/json' },
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
      const timeoutMs = req.timeoutMs ?? opts.timeoutMs;
      // axios' `timeout` is a socket idle timer; the abort bounds the whole exchange, so a server
      // that trickles bytes or never answers still releases the caller on time.
      const abort = new AbortController();
      const timer = setTimeout(() => abort.abort(), timeoutMs);
      try {
        const res = await http.request<string>({
          method: req.method,
          url: req.path,
          params: req.params,
          data: req.body,
          timeout: timeoutMs,
          signal: abort.signal,
        });
        return { kind: 'answer', status: res.status, body: parseJson(res.data), durationMs: elapsed(started) };
      } catch (err) {
        if (!axios.isAxiosError(err)) throw err;
        const timedOut = err.code === 'ECONNABORTED' || err.code === 'ETIMEDOUT' || err.code === 'ERR_CANCELED';
        return {
          kind: 'no_answer',
          reason: timedOut ? 'timeout' : 'network',
          // err.message names the code, never the request headers: the token stays out of logs.
          message: timedOut ? `no answer within ${timeoutMs} ms` : `${err.code ?? 'network error'}: ${err.message}`,
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
  if (typeof data !== 'string' || data.length === 0) return undefined;
  try {
    return JSON.parse(data.replace(/^\uFEFF/, '')) as unknown;
  } catch {
    return undefined;
  }
}

function elapsed(started: number): number {
  return Math.round(performance.now() - started);
}
