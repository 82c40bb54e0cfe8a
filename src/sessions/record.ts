import type { Json, Vars } from '../json';
import { isLanguage } from '../language';
import type { Session, TextShape } from './types';

/**
 * A session is one Redis string: a header the Lua scripts read without a JSON parser (Redis Lua
 * has cjson, the embedded in-memory Redis does not), then the texts and answers a retry needs, then
 * the rest as JSON. `1` is the schema version: a record of another version is not read at all.
 *
 *   1<shape><lang><has prev 0/1>:<bytes of text>:<bytes of answer>:<bytes of prev text>:<phone>\n
 *   <text><answer><prev text><body JSON>
 *
 * Lengths are in UTF-8 bytes, as Lua counts. Written only by us: read back by a version check, not
 * parsed field by field.
 */
export const RECORD_VERSION = '1';

const SHAPE_CODE: Record<TextShape, string> = { unknown: 'a', cumulative: 'c', last: 'l' };
const SHAPE_OF: Record<string, TextShape> = { a: 'unknown', c: 'cumulative', l: 'last' };

/** The body: short names, since every byte is kept for each live session. */
interface Body {
  n: string;
  m: string;
  s: string;
  p: number;
  h: Array<[string, number]>;
  v: Vars;
  e: 0 | 1;
  t: number;
  k: number;
  /** The service code, when the gateway gave one. */
  c?: string;
}

export function encodeRecord(s: Session): string {
  const prevText = s.prevText ?? '';
  const bytes = (x: string) => Buffer.byteLength(x, 'utf8');
  const header = `${RECORD_VERSION}${SHAPE_CODE[s.shape]}${s.language}${s.prevText === undefined ? 0 : 1}:${bytes(s.text)}:${bytes(s.answer)}:${bytes(prevText)}:${s.phone}\n`;
  const body: Body = { n: s.nonce, m: s.menuVersion, s: s.screen, p: s.page, h: s.history, v: packVars(s.vars), e: s.ended ? 1 : 0, t: s.startedAt, k: s.hops };
  if (s.serviceCode !== undefined && s.serviceCode !== '') body.c = s.serviceCode;
  return header + s.text + s.answer + prevText + JSON.stringify(body);
}

/** The parts a script returns, already split by the header's lengths. */
export interface RecordParts {
  shape: string;
  language: string;
  phone: string;
  text: string;
  answer: string;
  hasPrev: string;
  prevText: string;
  body: string;
}

export function decodeRecord(id: string, r: RecordParts): Session | undefined {
  let body: Body;
  try {
    body = JSON.parse(r.body) as Body;
  } catch {
    return undefined;
  }
  const shape = SHAPE_OF[r.shape];
  if (shape === undefined || !isLanguage(r.language) || typeof body !== 'object' || body === null) return undefined;
  return {
    id,
    phone: r.phone,
    nonce: body.n,
    menuVersion: body.m,
    language: r.language,
    shape,
    text: r.text,
    answer: r.answer,
    prevText: r.hasPrev === '1' ? r.prevText : undefined,
    screen: body.s,
    page: body.p,
    history: body.h,
    vars: unpackVars(body.v),
    ended: body.e === 1,
    startedAt: body.t,
    hops: body.k,
    serviceCode: typeof body.c === 'string' ? body.c : undefined,
  };
}

/**
 * Arrays of objects with the same fields (the bills) are kept as one list of field names and rows
 * of values: the names are not repeated for each bill. `~k` cannot be a field of ours: names are
 * identifiers, and values come from our own actions.
 */
const TABLE = '~k';

function packVars(vars: Vars): Vars {
  const out: Vars = {};
  for (const [name, value] of Object.entries(vars)) out[name] = packValue(value);
  return out;
}

function packValue(v: Json): Json {
  if (!Array.isArray(v) || v.length < 2) return v;
  const first = v[0];
  if (!isPlainObject(first)) return v;
  const keys = Object.keys(first);
  const rows: Json[] = [];
  for (const item of v) {
    if (!isPlainObject(item)) return v;
    const itemKeys = Object.keys(item);
    if (itemKeys.length !== keys.length || itemKeys.some((k, i) => k !== keys[i])) return v;
    rows.push(keys.map((k) => item[k] ?? null));
  }
  return { [TABLE]: keys, r: rows };
}

function unpackVars(vars: Vars): Vars {
  const out: Vars = {};
  for (const [name, value] of Object.entries(vars)) out[name] = unpackValue(value);
  return out;
}

function unpackValue(v: Json): Json {
  if (!isPlainObject(v)) return v;
  const keys = v[TABLE];
  const rows = v.r;
  if (!Array.isArray(keys) || !Array.isArray(rows)) return v;
  return rows.map((row) => {
    const item: { [k: string]: Json } = {};
    if (Array.isArray(row)) keys.forEach((k, i) => (item[String(k)] = row[i] ?? null));
    return item;
  });
}

function isPlainObject(v: Json | undefined): v is { [k: string]: Json } {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}
