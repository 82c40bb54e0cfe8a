import { createPrivateKey, sign, constants, type KeyObject } from 'node:crypto';
import { ALGORITHMS, algorithmForKey, contentDigest, PAWAPAY_COVERED_COMPONENTS, PAWAPAY_SIGNATURE_LABEL, signatureBase, type SignatureAlgorithm } from '../pawapay/signature-base';
import { serializeInnerList } from '../pawapay/structured-fields';

/**
 * Signs a callback the way pawaPay does (RFC 9421, label `sig-pp`, SHA-512 Content-Digest, a
 * `Signature-Date` header, a 60-second lifetime, ECDSA signatures DER-encoded as in pawaPay's own
 * examples), so the product's verification is tested end to end against the sandbox wallet.
 */
export interface CallbackSigningKey {
  privateKeyPem: string;
  keyId: string;
  /** Default: ECDSA signatures as DER, like pawaPay; `ieee-p1363` is RFC 9421's raw r‖s. */
  ecdsaEncoding?: 'der' | 'ieee-p1363';
}

export function signCallback(req: { method: string; url: string; body: string; now: Date }, key: CallbackSigningKey): Record<string, string> {
  const privateKey: KeyObject = createPrivateKey(key.privateKeyPem);
  const alg: SignatureAlgorithm | undefined = algorithmForKey(privateKey);
  if (!alg) throw new Error('unsupported callback signing key');
  const url = new URL(req.url);
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'content-digest': contentDigest(req.body, 'sha-512'),
    'signature-date': req.now.toISOString(),
  };
  const created = Math.floor(req.now.getTime() / 1000);
  const params = serializeInnerList([...PAWAPAY_COVERED_COMPONENTS], [
    ['alg', alg],
    ['keyid', key.keyId],
    ['created', created],
    ['expires', created + 60],
  ]);
  const base = signatureBase(
    PAWAPAY_COVERED_COMPONENTS,
    { method: req.method, authority: url.host, path: url.pathname, query: url.search.slice(1), header: (n) => headers[n] },
    params,
  );
  if (base === undefined) throw new Error('cannot build the signature base');
  const spec = ALGORITHMS[alg];
  const data = Buffer.from(base, 'utf8');
  const signature =
    spec.rawLength !== undefined
      ? sign(spec.hash, data, { key: privateKey, dsaEncoding: key.ecdsaEncoding ?? 'der' })
      : spec.pss
        ? sign(spec.hash, data, { key: privateKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 64 })
        : sign(spec.hash, data, privateKey);
  return {
    ...headers,
    'signature-input': `${PAWAPAY_SIGNATURE_LABEL}=${params}`,
    signature: `${PAWAPAY_SIGNATURE_LABEL}=:${signature.toString('base64')}:`,
  };
}
