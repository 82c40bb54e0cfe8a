import { createHash, createPublicKey, constants, verify, type KeyObject } from 'node:crypto';
import { ALGORITHMS, algorithmForKey, isSignatureAlgorithm, PAWAPAY_SIGNATURE_LABEL, signatureBase, type MessageParts } from './signature-base';
import { isInnerList, parseDictionary, type BareItem, type Member } from './structured-fields';

/**
 * Verification of pawaPay's signed callbacks (RFC 9421, per pawaPay's `signatures` guide): the
 * `Content-Digest` must match the raw body, and the `Signature` over the components listed in
 * `Signature-Input` must verify with pawaPay's public key. Pure: no network, no clock but the one
 * passed in. A signature only says the body came from pawaPay; the product still reads the status
 * from pawaPay before acting, so a replayed genuine callback changes nothing.
 */

export interface CallbackRequest {
  method: string;
  /** The request path as received; a query string, if any, is split off (`@path` excludes it). */
  path: string;
  /** Node's incoming headers (lower-case names), e.g. express's `req.headers`. */
  headers: Record<string, string | string[] | undefined>;
  /** The body exactly as received, before any JSON parsing. */
  rawBody: Buffer | string;
  /** `@authority` as pawaPay addressed it; default the Host header (set this behind a proxy that rewrites Host). */
  authority?: string;
}

export interface VerifyOptions {
  /** Default: the current time. */
  now?: Date;
  /** Allowed difference between pawaPay's clock and ours, for `created` and `expires`. Default 60 s. */
  maxClockSkewSeconds?: number;
}

export type SignatureCheck = { ok: true; keyId: string | undefined; alg: string } | { ok: false; reason: string };

/** Components a callback signature must cover to bind the request: without them it proves nothing. */
const REQUIRED_COMPONENTS = ['@method', '@path', 'content-digest'];

/** A configured PEM public key (e.g. PAWAPAY_CALLBACK_PUBLIC_KEY) → a key object; throws on a bad key, for a clear start-up error. */
export function loadCallbackPublicKey(pem: string): KeyObject {
  return createPublicKey(pem.replace(/\\n/g, '\n'));
}

export function verifyCallbackSignature(req: CallbackRequest, publicKey: string | KeyObject, opts: VerifyOptions = {}): boolean {
  return checkCallbackSignature(req, publicKey, opts).ok;
}

/** The same check, saying why a callback was not verified (for the logs). */
export function checkCallbackSignature(req: CallbackRequest, publicKey: string | KeyObject, opts: VerifyOptions = {}): SignatureCheck {
  try {
    return check(req, typeof publicKey === 'string' ? loadCallbackPublicKey(publicKey) : publicKey, opts);
  } catch (err) {
    return { ok: false, reason: `malformed: ${err instanceof Error ? err.message : String(err)}` };
  }
}

function header(headers: CallbackRequest['headers'], name: string): string | undefined {
  const v = headers[name] ?? headers[name.toLowerCase()];
  if (v === undefined) return undefined;
  // Repeated fields combine with ", " (RFC 9421 §2.1); surrounding whitespace is not part of the value.
  return (Array.isArray(v) ? v.map((x) => x.trim()).join(', ') : v.trim()) || undefined;
}

function param(member: Member, key: string): BareItem | undefined {
  return member.value.params.find(([k]) => k === key)?.[1];
}

function check(req: CallbackRequest, key: KeyObject, opts: VerifyOptions): SignatureCheck {
  const inputHeader = header(req.headers, 'signature-input');
  const signatureHeader = header(req.headers, 'signature');
  if (!inputHeader || !signatureHeader) return { ok: false, reason: 'missing Signature or Signature-Input' };

  const inputs = parseDictionary(inputHeader);
  const input = inputs.find((m) => m.key === PAWAPAY_SIGNATURE_LABEL) ?? inputs[0];
  if (!input || !isInnerList(input.value)) return { ok: false, reason: 'no signature in Signature-Input' };
  const signature = parseDictionary(signatureHeader).find((m) => m.key === input.key);
  const sigValue = signature && !isInnerList(signature.value) ? signature.value.value : undefined;
  if (typeof sigValue !== 'object' || sigValue === null || !('bytes' in sigValue)) return { ok: false, reason: `no signature labelled ${input.key}` };

  const components: string[] = [];
  for (const item of input.value.items) {
    if (typeof item.value !== 'string' || item.params.length > 0) return { ok: false, reason: 'unsupported component in Signature-Input' };
    components.push(item.value);
  }
  const missing = REQUIRED_COMPONENTS.filter((c) => !components.includes(c));
  if (missing.length > 0) return { ok: false, reason: `signature does not cover ${missing.join(', ')}` };

  // The body: Content-Digest must be that of the raw body (and is itself covered by the signature).
  const digestCheck = checkDigest(header(req.headers, 'content-digest'), req.rawBody);
  if (digestCheck) return { ok: false, reason: digestCheck };

  const timeCheck = checkTimes(input, opts);
  if (timeCheck) return { ok: false, reason: timeCheck };

  const declared = param(input, 'alg');
  let alg: string | undefined;
  if (declared === undefined) alg = algorithmForKey(key);
  else if (typeof declared === 'string') alg = declared;
  if (alg === undefined || !isSignatureAlgorithm(alg)) return { ok: false, reason: `unsupported algorithm ${String(alg)}` };
  const spec = ALGORITHMS[alg];
  if (!spec.fits(key)) return { ok: false, reason: `algorithm ${alg} does not fit the configured key` };

  const [rawPath, query] = splitPath(req.path);
  const parts: MessageParts = {
    method: req.method,
    authority: req.authority ?? header(req.headers, 'host'),
    path: rawPath,
    query,
    header: (name) => header(req.headers, name),
  };
  const base = signatureBase(components, parts, input.raw);
  if (base === undefined) return { ok: false, reason: 'a covered component is missing from the request' };

  if (!verifies(base, sigValue.bytes, key, spec)) return { ok: false, reason: 'signature mismatch' };
  const keyId = param(input, 'keyid');
  return { ok: true, keyId: typeof keyId === 'string' ? keyId : undefined, alg };
}

function verifies(base: string, signature: Buffer, key: KeyObject, spec: (typeof ALGORITHMS)[keyof typeof ALGORITHMS]): boolean {
  const data = Buffer.from(base, 'utf8');
  if (spec.rawLength !== undefined) {
    // RFC 9421 says raw r‖s; pawaPay's own examples sign with DER. Either encodes the same proof.
    const dsaEncoding = signature.length === spec.rawLength ? 'ieee-p1363' : 'der';
    return verify(spec.hash, data, { key, dsaEncoding }, signature);
  }
  if (spec.pss) return verify(spec.hash, data, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 64 }, signature);
  return verify(spec.hash, data, key, signature);
}

function checkDigest(value: string | undefined, body: Buffer | string): string | undefined {
  if (!value) return 'missing Content-Digest';
  let compared = 0;
  for (const m of parseDictionary(value)) {
    const hash = m.key === 'sha-256' ? 'sha256' : m.key === 'sha-512' ? 'sha512' : undefined;
    if (!hash) continue;
    const v = isInnerList(m.value) ? undefined : m.value.value;
    if (typeof v !== 'object' || v === null || !('bytes' in v)) return 'malformed Content-Digest';
    if (!createHash(hash).update(body).digest().equals(v.bytes)) return 'Content-Digest does not match the body';
    compared++;
  }
  return compared === 0 ? 'Content-Digest has no sha-256 or sha-512' : undefined;
}

function checkTimes(input: Member, opts: VerifyOptions): string | undefined {
  const nowS = Math.floor((opts.now ?? new Date()).getTime() / 1000);
  const skew = opts.maxClockSkewSeconds ?? 60;
  const created = param(input, 'created');
  const expires = param(input, 'expires');
  if (typeof created === 'number' && created > nowS + skew) return 'signature created in the future';
  if (typeof expires === 'number' && expires + skew < nowS) return 'signature expired';
  return undefined;
}

function splitPath(path: string): [string, string | undefined] {
  const q = path.indexOf('?');
  return q < 0 ? [path, undefined] : [path.slice(0, q), path.slice(q + 1)];
}
