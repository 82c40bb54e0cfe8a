import { createHash, type KeyObject } from 'node:crypto';

/**
 * The parts of RFC 9421 (HTTP Message Signatures) that signing and verifying a pawaPay callback
 * share: the signature base and the Content-Digest. pawaPay signs callbacks with the label
 * `sig-pp` over `@method @authority @path signature-date content-digest content-type`.
 */

export const PAWAPAY_SIGNATURE_LABEL = 'sig-pp';
export const PAWAPAY_COVERED_COMPONENTS = ['@method', '@authority', '@path', 'signature-date', 'content-digest', 'content-type'] as const;

export type SignatureAlgorithm = 'ecdsa-p256-sha256' | 'ecdsa-p384-sha384' | 'rsa-pss-sha512' | 'rsa-v1_5-sha256' | 'ed25519';

export interface AlgorithmSpec {
  /** The digest Node's crypto.sign/verify takes (null: the key type decides, as for Ed25519). */
  hash: 'sha256' | 'sha384' | 'sha512' | null;
  /** Whether this algorithm may be used with that key: a request must not choose a weaker pairing. */
  fits(key: KeyObject): boolean;
  /** Raw (r‖s) ECDSA signature length; DER signatures are longer and variable. */
  rawLength?: number;
  pss?: boolean;
}

export const ALGORITHMS: Readonly<Record<SignatureAlgorithm, AlgorithmSpec>> = {
  'ecdsa-p256-sha256': { hash: 'sha256', fits: (k) => k.asymmetricKeyType === 'ec' && k.asymmetricKeyDetails?.namedCurve === 'prime256v1', rawLength: 64 },
  'ecdsa-p384-sha384': { hash: 'sha384', fits: (k) => k.asymmetricKeyType === 'ec' && k.asymmetricKeyDetails?.namedCurve === 'secp384r1', rawLength: 96 },
  'rsa-pss-sha512': { hash: 'sha512', fits: (k) => k.asymmetricKeyType === 'rsa' || k.asymmetricKeyType === 'rsa-pss', pss: true },
  'rsa-v1_5-sha256': { hash: 'sha256', fits: (k) => k.asymmetricKeyType === 'rsa' },
  ed25519: { hash: null, fits: (k) => k.asymmetricKeyType === 'ed25519' },
};

export function isSignatureAlgorithm(v: string): v is SignatureAlgorithm {
  return Object.prototype.hasOwnProperty.call(ALGORITHMS, v);
}

/** The algorithm a key implies, for a Signature-Input without `alg`. */
export function algorithmForKey(key: KeyObject): SignatureAlgorithm | undefined {
  for (const [alg, spec] of Object.entries(ALGORITHMS) as Array<[SignatureAlgorithm, AlgorithmSpec]>) {
    if (alg === 'rsa-v1_5-sha256') continue; // an RSA key alone does not say which padding: PSS is RFC 9421's default
    if (spec.fits(key)) return alg;
  }
  return undefined;
}

/** What the base needs from the message; undefined for a component the message does not have. */
export interface MessageParts {
  method: string;
  authority: string | undefined;
  /** The path without its query. */
  path: string;
  query: string | undefined;
  header(name: string): string | undefined;
}

/**
 * The signature base (RFC 9421 §2.5) for the covered components, ending with the
 * `@signature-params` line. undefined when a covered component is missing or not supported here.
 */
export function signatureBase(components: readonly string[], parts: MessageParts, signatureParams: string): string | undefined {
  const lines: string[] = [];
  for (const name of components) {
    const value = componentValue(name, parts);
    if (value === undefined) return undefined;
    lines.push(`"${name}": ${value}`);
  }
  lines.push(`"@signature-params": ${signatureParams}`);
  return lines.join('\n');
}

function componentValue(name: string, parts: MessageParts): string | undefined {
  switch (name) {
    case '@method':
      return parts.method.toUpperCase();
    case '@authority':
      return parts.authority?.toLowerCase();
    case '@path':
      return parts.path === '' ? '/' : parts.path;
    case '@query':
      return `?${parts.query ?? ''}`;
    default:
      // Derived components we cannot rebuild (no scheme or target URI here) are not verifiable.
      if (name.startsWith('@')) return undefined;
      if (name !== name.toLowerCase()) return undefined;
      return parts.header(name);
  }
}

/** `Content-Digest` value for a body (RFC 9530), as pawaPay sends it. */
export function contentDigest(body: Buffer | string, alg: 'sha-256' | 'sha-512' = 'sha-512'): string {
  const hash = createHash(alg === 'sha-256' ? 'sha256' : 'sha512').update(body).digest('base64');
  return `${alg}=:${hash}:`;
}
