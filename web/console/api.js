// @ts-check
/**
 * The console's one way to the server: the session cookie goes by itself (same origin); every
 * state-changing request carries the session's CSRF token; a 401 anywhere sends the page back to
 * its sign-in form.
 */

/** @typedef {{ name: string; role: 'viewer' | 'resolver' | 'admin'; anonymous: boolean; csrf: string | null }} Me */

/** @type {{ csrf: string | null; onSignedOut: () => void }} */
const state = { csrf: null, onSignedOut: () => undefined };

/** @param {string | null} csrf @param {() => void} onSignedOut */
export function configure(csrf, onSignedOut) {
  state.csrf = csrf;
  state.onSignedOut = onSignedOut;
}

export class ApiError extends Error {
  /** @param {number} status @param {string} code @param {string} message */
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

/**
 * @param {string} method
 * @param {string} url
 * @param {{ body?: unknown; accept?: string; quietOn401?: boolean }} [opts]
 * @returns {Promise<Response>}
 */
export async function request(method, url, opts = {}) {
  /** @type {Record<string, string>} */
  const headers = { accept: opts.accept ?? 'application/json' };
  if (opts.body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET' && state.csrf !== null) headers['x-csrf-token'] = state.csrf;
  const res = await fetch(url, { method, headers, credentials: 'same-origin', ...(opts.body !== undefined ? { body: JSON.stringify(opts.body) } : {}) });
  if (res.ok) return res;
  /** @type {{ error?: string; message?: string }} */
  let payload = {};
  try {
    payload = await res.json();
  } catch {
    // not JSON: the status says enough
  }
  if (res.status === 401 && opts.quietOn401 !== true) state.onSignedOut();
  throw new ApiError(res.status, payload.error ?? String(res.status), payload.message ?? res.statusText);
}

/**
 * @param {string} url
 * @returns {Promise<any>}
 */
export async function getJson(url) {
  return (await request('GET', url)).json();
}

/**
 * @param {string} method
 * @param {string} url
 * @param {unknown} [body]
 * @returns {Promise<any>}
 */
export async function send(method, url, body) {
  const res = await request(method, url, { body });
  return res.status === 204 ? null : res.json();
}
