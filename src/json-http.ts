import axios, { type AxiosInstance } from 'axios';

/**
 * A JSON API over HTTP as our clients of REGIDESO and pawaPay use one: every status is an answer to
 * interpret (only the absence of an answer is an error), the body is parsed as JSON when it is
 * JSON, and one timeout bounds the whole exchange. axios' own `timeout` is a socket idle timer: the
 * abort is what releases the caller on time from a server that trickles bytes or never answers.
 */
export type HttpResult =
  | { kind: 'answer'; status: number; body: unknown; durationMs: number }
  | { kind: 'no_answer'; reason: 'timeout' | 'network'; message: string; durationMs: number };

export interface HttpRequest {
  method: 'GET' | 'POST';
  path: string;
  params?: Record<string, string>;
  body?: unknown;
  /** Overrides the client's whole-call timeout for this request. */
  timeoutMs?: number;
}

export interface JsonHttp {
  send(req: HttpRequest): Promise<HttpResult>;
}

export function createJsonHttp(opts: { baseUrl: string; headers: Record<string, string>; timeoutMs: number; maxBodyBytes: number }): JsonHttp {
  const http: AxiosInstance = axios.create({
    baseURL: opts.baseUrl.replace(/\/+$/, ''),
    headers: { accept: 'application/json', ...opts.headers },
    validateStatus: () => true,
    responseType: 'text',
    transformResponse: [(data: unknown) => data],
    maxContentLength: opts.maxBodyBytes,
    maxRedirects: 0,
  });

  return {
    async send(req) {
      const started = performance.now();
      const timeoutMs = req.timeoutMs ?? opts.timeoutMs;
      const abort = new AbortController();
      const timer = setTimeout(() => abort.abort(), timeoutMs);
      try {
        const res = await http.request<string>({ method: req.method, url: req.path, params: req.params, data: req.body, timeout: timeoutMs, signal: abort.signal });
        return { kind: 'answer', status: res.status, body: parseJson(res.data), durationMs: elapsed(started) };
      } catch (err) {
        if (!axios.isAxiosError(err)) throw err;
        const timedOut = err.code === 'ECONNABORTED' || err.code === 'ETIMEDOUT' || err.code === 'ERR_CANCELED';
        return {
          kind: 'no_answer',
          reason: timedOut ? 'timeout' : 'network',
          // err.message names the code, never the request headers: keys and tokens stay out of logs.
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
  if (typeof data !== 'string') return data;
  if (data.length === 0) return undefined;
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
