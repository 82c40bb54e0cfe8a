import { withoutControlCharacters } from './control-characters';
import type { IncomingMessage } from 'node:http';
import { parse as parseQs } from 'qs';

/**
 * A small form body (`application/x-www-form-urlencoded`), read and parsed here instead of by
 * express's generic parser, with the same outcome: what Africa's Talking posts on every USSD hop
 * takes a few string operations instead of body-parser's reader, charset decoder and qs.
 *
 * Exactness: `plainForm` takes only the request shape every gateway sends (no content encoding,
 * UTF-8, a Content-Length within the limit); anything else is left to the generic parser. Inside
 * it, a body of plain `name=value` pairs is split here; one with what qs treats specially
 * (brackets, a repeated field we read) goes through qs with body-parser's own options, so either
 * way the fields are what `express.urlencoded({ extended: false })` would have given.
 */

/** As the generic parser is configured (src/http/app.ts): 16 kB and 50 parameters. */
export const FORM_LIMIT_BYTES = 16 * 1024;
export const FORM_PARAMETER_LIMIT = 50;

const FORM_TYPE = /^application\/x-www-form-urlencoded\s*(;\s*charset\s*=\s*"?utf-8"?\s*)?$/i;
const DIGITS = /^\d{1,9}$/;

/** The body's length when the request is one this reader takes; undefined: leave it to the generic parser. */
export function plainForm(req: IncomingMessage): number | undefined {
  const h = req.headers;
  const type = h['content-type'];
  const length = h['content-length'];
  if (type === undefined || length === undefined || !FORM_TYPE.test(type)) return undefined;
  if (h['transfer-encoding'] !== undefined) return undefined;
  const encoding = h['content-encoding'];
  if (encoding !== undefined && encoding.toLowerCase() !== 'identity') return undefined;
  if (!DIGITS.test(length)) return undefined;
  const n = Number(length);
  return n <= FORM_LIMIT_BYTES ? n : undefined;
}

/** A request the reader refused, shaped as body-parser's errors are (the app's error handler answers them). */
export class FormError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

/** The body as UTF-8 text (a byte-order mark dropped, as body-parser's decoder does). */
export function readFormBody(req: IncomingMessage, length: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let received = 0;
    const onData = (chunk: Buffer) => {
      received += chunk.length;
      chunks.push(chunk);
    };
    const cleanup = () => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('close', onClose);
    };
    const onEnd = () => {
      cleanup();
      // Node's parser stops at Content-Length; a shorter body is a client that lied.
      if (received !== length) {
        reject(formError(400, 'request.size.invalid', 'request size did not match content length'));
        return;
      }
      const buf = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, received);
      const text = buf.toString('utf8');
      resolve(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
    };
    const onError = () => {
      cleanup();
      reject(formError(400, 'request.aborted', 'request aborted'));
    };
    const onClose = () => {
      if (req.complete) return;
      onError();
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('close', onClose);
  });
}

function formError(status: number, type: string, message: string): FormError {
  return new FormError(status, type, message);
}

/**
 * The fields named in `wanted`, as `express.urlencoded({ extended: false, parameterLimit })` gives
 * them (a string, or for a repeated field an array), or a 413 error past the parameter limit.
 */
export function parseFormFields<K extends string>(body: string, wanted: readonly K[]): Partial<Record<K, unknown>> | FormError {
  if (body.length === 0) return {};
  let parameters = 1;
  for (let i = body.indexOf('&'); i !== -1; i = body.indexOf('&', i + 1)) {
    parameters += 1;
    if (parameters > FORM_PARAMETER_LIMIT) return formError(413, 'parameters.too.many', 'too many parameters');
  }
  const fields = plainFields(body, wanted) ?? pick(parseQs(body, qsOptions(parameters)) as Record<string, unknown>, wanted);
  // The hop skips the app's body parsers, so it skips their control-character cleaning too: the
  // same cleaning here, only for the rare body that has one (a literal byte or a %-escape below 0x20).
  return CONTROL_ANYWHERE.test(body) || /%[01][0-9a-f]|%7f|%c2%[89]/i.test(body) ? (withoutControlCharacters(fields) as Partial<Record<K, unknown>>) : fields;
}

// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL_ANYWHERE = /[\u0000-\u001F\u007F-\u009F]/;

/** body-parser 2's call for `extended: false` (lib/types/urlencoded.js). */
function qsOptions(parameters: number) {
  return { allowPrototypes: true, arrayLimit: parameters, depth: 0, charset: 'utf-8', parameterLimit: FORM_PARAMETER_LIMIT, strictDepth: true } as const;
}

function pick<K extends string>(all: Record<string, unknown>, wanted: readonly K[]): Partial<Record<K, unknown>> {
  const out: Partial<Record<K, unknown>> = {};
  for (const k of wanted) if (Object.hasOwn(all, k)) out[k] = all[k];
  return out;
}

/** What qs reads differently from plain pairs: brackets (also percent-encoded) anywhere. */
const QS_SPECIAL = /[[\]]|%5[bd]/i;
const PLAIN_NAME = /^[A-Za-z0-9_]+$/;

/** Plain `name=value` pairs split here; undefined when qs must decide (see QS_SPECIAL, repeats). */
function plainFields<K extends string>(body: string, wanted: readonly K[]): Partial<Record<K, string>> | undefined {
  if (QS_SPECIAL.test(body)) return undefined;
  const out: Partial<Record<K, string>> = {};
  let start = 0;
  while (start <= body.length) {
    let end = body.indexOf('&', start);
    if (end === -1) end = body.length;
    if (end > start) {
      const eq = body.indexOf('=', start);
      const nameEnd = eq === -1 || eq > end ? end : eq;
      const name = body.slice(start, nameEnd);
      // qs skips a pair without a name; a name with anything to decode is its to read.
      if (name !== '') {
        if (!PLAIN_NAME.test(name)) return undefined;
        if ((wanted as readonly string[]).includes(name)) {
          const key = name as K;
          if (out[key] !== undefined) return undefined;
          out[key] = nameEnd === end ? '' : decodeValue(body.slice(nameEnd + 1, end));
        }
      }
    }
    start = end + 1;
  }
  return out;
}

/** qs's UTF-8 decoder: `+` is a space, and a malformed escape leaves the value as it came. */
function decodeValue(raw: string): string {
  if (raw.indexOf('%') === -1) return raw.indexOf('+') === -1 ? raw : raw.replace(/\+/g, ' ');
  const spaced = raw.replace(/\+/g, ' ');
  try {
    return decodeURIComponent(spaced);
  } catch {
    return spaced;
  }
}
