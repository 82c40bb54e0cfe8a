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
  /** The page, absent when 0. */
  p?: number;
  h: Array<[string, number]>;
  v: Vars;
  /** 1 when ended, absent otherwise. */
  e?: 1;
  t: number;
  k: number;
  /** The service code, when the gateway gave one. */
  c?: string;
}

export function encodeRecord(s: Session): string {
  const prevText = s.prevText ?? '';
  const header = `${RECORD_VERSION}${SHAPE_CODE[s.shape]}${s.language}${s.prevText === undefined ? 0 : 1}:${utf8Bytes(s.text)}:${utf8Bytes(s.answer)}:${utf8Bytes(prevText)}:${s.phone}\n`;
  const body: Body = { n: s.nonce, m: s.menuVersion, s: s.screen, h: s.history, v: packVars(s.vars), t: s.startedAt, k: s.hops };
  if (s.page !== 0) body.p = s.page;
  if (s.ended) body.e = 1;
  if (s.serviceCode !== undefined && s.serviceCode !== '') body.c = s.serviceCode;
  return header + s.text + s.answer + prevText + JSON.stringify(body);
}

/** UTF-8 bytes of a string, as Lua counts them; ASCII (every cursor, most screens) without a Buffer call. */
function utf8Bytes(x: string): number {
  for (let i = 0; i < x.length; i++) if (x.charCodeAt(i) > 0x7f) return Buffer.byteLength(x, 'utf8');
  return x.length;
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
    page: body.p ?? 0,
    history: body.h,
    vars: unpackVars(body.v),
    ended: body.e === 1,
    startedAt: body.t,
    hops: body.k,
    serviceCode: typeof body.c === 'string' ? body.c : undefined,
  };
}

const HEADER = /^1([a-z])([a-z]{2})([01]):(\d+):(\d+):(\d+):(.*)$/;
// eslint-disable-next-line no-control-regex -- any byte outside ASCII: lengths are UTF-8 bytes
const NOT_ASCII = /[^\u0000-\u007f]/;

/**
 * A record as Redis holds it (the scripts return it whole), split by its header's byte lengths;
 * undefined for a record of another version or one that does not parse.
 */
export function decodeRaw(id: string, raw: string): Session | undefined {
  const nl = raw.indexOf('\n');
  const h = nl === -1 ? null : HEADER.exec(raw.slice(0, nl));
  if (h === null) return undefined;
  const [lt, la, lp] = [Number(h[4]), Number(h[5]), Number(h[6])];
  const rest = raw.slice(nl + 1);
  let cut: (from: number, to?: number) => string;
  if (NOT_ASCII.test(rest)) {
    // Lengths count UTF-8 bytes; a screen in French has some (é).
    const bytes = Buffer.from(rest, 'utf8');
    cut = (from, to) => bytes.toString('utf8', from, to);
  } else cut = (from, to) => rest.slice(from, to);
  const a = lt + la;
  const parts: RecordParts = {
    shape: h[1] ?? '',
    language: h[2] ?? '',
    hasPrev: h[3] ?? '',
    phone: h[7] ?? '',
    text: cut(0, lt),
    answer: cut(lt, a),
    prevText: cut(a, a + lp),
    body: cut(a + lp),
  };
  return decodeRecord(id, parts);
}

/**
 * Arrays of objects with the same fields (the bills) are kept by column: each field's name once,
 * and a column of strings as the prefix its values share then what follows it in each (bill
 * numbers and ids of one account share most of their digits):
 * `{"~c": [[name, prefix or null (not all strings), ...values], ...]}`. `~c` cannot be a field of
 * ours: names are identifiers, and values come from our own actions.
 */
const COLUMNS = '~c';
/** The form written before the columns (`{"~k": names, "r": rows}`): still read, for sessions alive across the deploy. */
const ROWS = '~k';

function packVars(vars: Vars): Vars {
  let out: Vars | undefined;
  for (const name in vars) {
    const value = vars[name] as Json;
    const packed = packValue(value);
    if (packed !== value && out === undefined) out = { ...vars };
    if (out !== undefined) out[name] = packed;
  }
  return out ?? vars;
}

function packValue(v: Json): Json {
  if (!Array.isArray(v) || v.length < 2) return v;
  const first = v[0];
  if (!isPlainObject(first)) return v;
  const keys = Object.keys(first);
  for (const item of v) {
    if (!isPlainObject(item)) return v;
    const itemKeys = Object.keys(item);
    if (itemKeys.length !== keys.length || itemKeys.some((k, i) => k !== keys[i])) return v;
  }
  const rows = v as Array<{ [k: string]: Json }>;
  return {
    [COLUMNS]: keys.map((k) => {
      const values = rows.map((row) => row[k] ?? null);
      const prefix = commonPrefix(values);
      return prefix === undefined ? [k, null, ...values] : [k, prefix, ...values.map((x) => (x as string).slice(prefix.length))];
    }),
  };
}

/** The prefix every value shares, when every value is a string; undefined otherwise. */
function commonPrefix(values: Json[]): string | undefined {
  const [first] = values;
  if (typeof first !== 'string') return undefined;
  let length = first.length;
  for (const x of values) {
    if (typeof x !== 'string') return undefined;
    let i = 0;
    while (i < length && i < x.length && x.charCodeAt(i) === first.charCodeAt(i)) i++;
    length = i;
  }
  // A prefix may end inside a surrogate pair: JSON.stringify writes a lone half as an escape, and
  // the halves join again on reading.
  return first.slice(0, length);
}

function unpackVars(vars: Vars): Vars {
  for (const name in vars) {
    const value = vars[name] as Json;
    if (isPlainObject(value)) vars[name] = unpackValue(value);
  }
  return vars;
}

function unpackValue(v: { [k: string]: Json }): Json {
  const columns = v[COLUMNS];
  if (Array.isArray(columns)) return fromColumns(columns) ?? v;
  const keys = v[ROWS];
  const rows = v.r;
  if (!Array.isArray(keys) || !Array.isArray(rows)) return v;
  return rows.map((row) => {
    const item: { [k: string]: Json } = {};
    if (Array.isArray(row)) keys.forEach((k, i) => (item[String(k)] = row[i] ?? null));
    return item;
  });
}

function fromColumns(columns: Json[]): Json[] | undefined {
  const first = columns[0];
  if (!Array.isArray(first)) return undefined;
  const count = first.length - 2;
  const items: Array<{ [k: string]: Json }> = [];
  for (let i = 0; i < count; i++) items.push({});
  for (const column of columns) {
    if (!Array.isArray(column) || column.length !== count + 2) return undefined;
    const name = String(column[0]);
    const prefix = column[1];
    for (let i = 0; i < count; i++) {
      const x = column[i + 2] ?? null;
      (items[i] as { [k: string]: Json })[name] = typeof prefix === 'string' ? prefix + String(x) : x;
    }
  }
  return items;
}

function isPlainObject(v: Json | undefined): v is { [k: string]: Json } {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}
