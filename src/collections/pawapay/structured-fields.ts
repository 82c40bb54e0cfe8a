/**
 * Just enough of RFC 8941 (Structured Field Values) to read the `Signature-Input`, `Signature` and
 * `Content-Digest` dictionaries of RFC 9421. A parse error throws; callers turn it into "not
 * verified". Each member keeps its raw text, because the signature base quotes the
 * `Signature-Input` member exactly as the signer serialised it.
 */

export type BareItem = string | number | boolean | { token: string } | { bytes: Buffer };
export type Params = Array<[string, BareItem]>;
export interface Item {
  value: BareItem;
  params: Params;
}
export interface InnerList {
  items: Item[];
  params: Params;
}
export interface Member {
  key: string;
  value: Item | InnerList;
  /** The member's text after `key=`, as received. */
  raw: string;
}

export class StructuredFieldError extends Error {}

export function isInnerList(v: Item | InnerList): v is InnerList {
  return 'items' in v;
}

export function parseDictionary(text: string): Member[] {
  return new Parser(text).dictionary();
}

class Parser {
  private i = 0;
  constructor(private readonly s: string) {}

  dictionary(): Member[] {
    const members: Member[] = [];
    this.skip(' ');
    while (this.i < this.s.length) {
      const key = this.key();
      let value: Item | InnerList;
      let raw: string;
      if (this.s[this.i] === '=') {
        this.i++;
        const start = this.i;
        value = this.s[this.i] === '(' ? this.innerList() : this.item();
        raw = this.s.slice(start, this.i);
      } else {
        value = { value: true, params: this.params() };
        raw = '';
      }
      members.push({ key, value, raw });
      this.skipOws();
      if (this.i >= this.s.length) break;
      if (this.s[this.i] !== ',') throw new StructuredFieldError(`expected "," at ${this.i}`);
      this.i++;
      this.skipOws();
      if (this.i >= this.s.length) throw new StructuredFieldError('trailing comma');
    }
    return members;
  }

  private innerList(): InnerList {
    this.i++; // (
    const items: Item[] = [];
    for (;;) {
      this.skip(' ');
      if (this.s[this.i] === ')') {
        this.i++;
        return { items, params: this.params() };
      }
      if (this.i >= this.s.length) throw new StructuredFieldError('unterminated inner list');
      items.push(this.item());
      const c = this.s[this.i];
      if (c !== ' ' && c !== ')') throw new StructuredFieldError(`expected " " or ")" at ${this.i}`);
    }
  }

  private item(): Item {
    return { value: this.bareItem(), params: this.params() };
  }

  private params(): Params {
    const params: Params = [];
    while (this.s[this.i] === ';') {
      this.i++;
      this.skip(' ');
      const key = this.key();
      let value: BareItem = true;
      if (this.s[this.i] === '=') {
        this.i++;
        value = this.bareItem();
      }
      params.push([key, value]);
    }
    return params;
  }

  private key(): string {
    const m = /^[a-z*][a-z0-9_\-.*]*/.exec(this.s.slice(this.i));
    if (!m) throw new StructuredFieldError(`expected a key at ${this.i}`);
    this.i += m[0].length;
    return m[0];
  }

  private bareItem(): BareItem {
    const rest = this.s.slice(this.i);
    const c = rest[0];
    if (c === '"') {
      let out = '';
      for (let j = 1; j < rest.length; j++) {
        const ch = rest[j] as string;
        if (ch === '\\') {
          const next = rest[j + 1];
          if (next !== '"' && next !== '\\') throw new StructuredFieldError('bad escape in string');
          out += next;
          j++;
        } else if (ch === '"') {
          this.i += j + 1;
          return out;
        } else {
          const code = ch.charCodeAt(0);
          if (code < 0x20 || code > 0x7e) throw new StructuredFieldError('bad character in string');
          out += ch;
        }
      }
      throw new StructuredFieldError('unterminated string');
    }
    if (c === ':') {
      const end = rest.indexOf(':', 1);
      if (end < 0) throw new StructuredFieldError('unterminated byte sequence');
      const b64 = rest.slice(1, end);
      if (!/^[A-Za-z0-9+/]*={0,2}$/.test(b64)) throw new StructuredFieldError('bad base64');
      this.i += end + 1;
      return { bytes: Buffer.from(b64, 'base64') };
    }
    if (c === '?') {
      if (rest[1] !== '0' && rest[1] !== '1') throw new StructuredFieldError('bad boolean');
      this.i += 2;
      return rest[1] === '1';
    }
    const num = /^-?\d{1,15}(?:\.\d{1,3})?/.exec(rest);
    if (num) {
      this.i += num[0].length;
      return Number(num[0]);
    }
    const token = /^[A-Za-z*][A-Za-z0-9!#$%&'*+\-.^_`|~:/]*/.exec(rest);
    if (token) {
      this.i += token[0].length;
      return { token: token[0] };
    }
    throw new StructuredFieldError(`unexpected character at ${this.i}`);
  }

  private skip(ch: string): void {
    while (this.s[this.i] === ch) this.i++;
  }

  private skipOws(): void {
    while (this.s[this.i] === ' ' || this.s[this.i] === '\t') this.i++;
  }
}

/** Serialises an inner list of plain strings with parameters (what a signer writes in Signature-Input). */
export function serializeInnerList(strings: string[], params: Params): string {
  const items = strings.map((s) => `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`).join(' ');
  return `(${items})${serializeParams(params)}`;
}

function serializeParams(params: Params): string {
  return params.map(([k, v]) => (v === true ? `;${k}` : `;${k}=${serializeBare(v)}`)).join('');
}

function serializeBare(v: BareItem): string {
  if (typeof v === 'string') return `"${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
  if (typeof v === 'number') return String(v);
  if (typeof v === 'boolean') return v ? '?1' : '?0';
  if ('token' in v) return v.token;
  return `:${v.bytes.toString('base64')}:`;
}
