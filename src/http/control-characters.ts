import type { RequestHandler } from 'express';

/**
 * Control characters (C0 but tab, line feed and carriage return; DEL; C1) mean nothing in any
 * field a gateway or pawaPay sends us, and PostgreSQL refuses one of them (NUL) in text: kept, an
 * SMS holding one could never be recorded and its gateway would retry it for ever. They are
 * removed once, where bodies are parsed, so every route sees clean fields.
 */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/g;

/** `value` (a parsed form or JSON body) with every control character removed from every string in it. */
export function withoutControlCharacters(value: unknown): unknown {
  if (typeof value === 'string') return value.replace(CONTROL, '');
  if (Array.isArray(value)) return value.map(withoutControlCharacters);
  if (value !== null && typeof value === 'object') {
    // fromEntries defines own properties: a "__proto__" key stays a key, never a prototype.
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k.replace(CONTROL, ''), withoutControlCharacters(v)]));
  }
  return value;
}

/** After the body parsers: `req.body` without control characters. */
export const dropControlCharacters: RequestHandler = (req, _res, next) => {
  if (req.body !== undefined) req.body = withoutControlCharacters(req.body);
  next();
};
