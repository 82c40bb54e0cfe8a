import { createPublicKey, generateKeyPairSync, verify, type KeyObject } from 'node:crypto';
import { checkCallbackSignature, loadCallbackPublicKey, verifyCallbackSignature, type CallbackRequest } from '../../src/collections/pawapay/signature';
import { contentDigest, signatureBase } from '../../src/collections/pawapay/signature-base';
import { isInnerList, parseDictionary } from '../../src/collections/pawapay/structured-fields';
import { signCallback, type CallbackSigningKey } from '../../src/collections/sandbox/callback-signer';

/** RFC 9421 callback signatures, signed the way pawaPay signs them and verified by the product. */

const NOW = new Date('2025-05-15T07:38:56Z');
const URL_ = 'https://ussd.example.cd:8443/collections/pawapay/deposits?token=secret-token-1234';
const BODY = JSON.stringify({ depositId: 'f4401bd2-1568-4140-bf2d-eb77d2b2b639', status: 'COMPLETED', amount: '1500', currency: 'CDF' });

function pem(key: KeyObject, type: 'spki' | 'pkcs8'): string {
  return key.export({ type, format: 'pem' }).toString();
}

const ec = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
const EC_PRIVATE = pem(ec.privateKey, 'pkcs8');
const EC_PUBLIC = pem(ec.publicKey, 'spki');
const otherEc = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });

/** The request our express route would see for a signed callback. */
function signed(key: CallbackSigningKey = { privateKeyPem: EC_PRIVATE, keyId: 'pp-key-1' }, body = BODY, url = URL_): CallbackRequest {
  const u = new URL(url);
  const headers = signCallback({ method: 'POST', url, body, now: NOW }, key);
  return { method: 'POST', path: `${u.pathname}${u.search}`, headers: { ...headers, host: u.host, 'content-length': String(Buffer.byteLength(body)) }, rawBody: Buffer.from(body) };
}

const opts = { now: NOW };

describe('verifyCallbackSignature', () => {
  it('accepts a callback signed like pawaPay (ECDSA P-256, DER, sig-pp over method, authority, path, date, digest, type)', () => {
    const req = signed();
    expect(req.headers['signature-input']).toMatch(/^sig-pp=\("@method" "@authority" "@path" "signature-date" "content-digest" "content-type"\);alg="ecdsa-p256-sha256";keyid="pp-key-1";created=\d+;expires=\d+$/);
    expect(req.headers['content-digest']).toBe(contentDigest(BODY, 'sha-512'));
    expect(checkCallbackSignature(req, EC_PUBLIC, opts)).toEqual({ ok: true, keyId: 'pp-key-1', alg: 'ecdsa-p256-sha256' });
    expect(verifyCallbackSignature(req, EC_PUBLIC, opts)).toBe(true);
  });

  it('accepts RFC 9421\'s raw r‖s ECDSA encoding as well', () => {
    const req = signed({ privateKeyPem: EC_PRIVATE, keyId: 'k', ecdsaEncoding: 'ieee-p1363' });
    const sig = String(req.headers.signature);
    expect(Buffer.from(sig.slice(sig.indexOf(':') + 1, -1), 'base64')).toHaveLength(64);
    expect(verifyCallbackSignature(req, EC_PUBLIC, opts)).toBe(true);
  });

  it('accepts a key object, and a PEM with escaped newlines as environment variables carry it', () => {
    expect(verifyCallbackSignature(signed(), loadCallbackPublicKey(EC_PUBLIC.replace(/\n/g, '\\n')), opts)).toBe(true);
  });

  it('accepts RSA-PSS and Ed25519 keys', () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
    expect(verifyCallbackSignature(signed({ privateKeyPem: pem(rsa.privateKey, 'pkcs8'), keyId: 'r' }), pem(rsa.publicKey, 'spki'), opts)).toBe(true);
    const ed = generateKeyPairSync('ed25519');
    expect(verifyCallbackSignature(signed({ privateKeyPem: pem(ed.privateKey, 'pkcs8'), keyId: 'e' }), pem(ed.publicKey, 'spki'), opts)).toBe(true);
  });

  it('refuses a tampered body', () => {
    const req = { ...signed(), rawBody: Buffer.from(BODY.replace('1500', '9500')) };
    expect(checkCallbackSignature(req, EC_PUBLIC, opts)).toEqual({ ok: false, reason: 'Content-Digest does not match the body' });
  });

  it('refuses a tampered body whose digest was recomputed: the digest is signed', () => {
    const forged = BODY.replace('COMPLETED', 'FAILED');
    const base = signed();
    const req = { ...base, rawBody: Buffer.from(forged), headers: { ...base.headers, 'content-digest': contentDigest(forged) } };
    expect(checkCallbackSignature(req, EC_PUBLIC, opts)).toEqual({ ok: false, reason: 'signature mismatch' });
  });

  it('refuses a signature made with another key', () => {
    expect(verifyCallbackSignature(signed({ privateKeyPem: pem(otherEc.privateKey, 'pkcs8'), keyId: 'pp-key-1' }), EC_PUBLIC, opts)).toBe(false);
  });

  it('refuses a signed header, path or authority that changed', () => {
    const base = signed();
    expect(verifyCallbackSignature({ ...base, headers: { ...base.headers, 'signature-date': new Date(NOW.getTime() + 1000).toISOString() } }, EC_PUBLIC, opts)).toBe(false);
    expect(verifyCallbackSignature({ ...base, path: '/collections/pawapay/refunds?token=secret-token-1234' }, EC_PUBLIC, opts)).toBe(false);
    expect(verifyCallbackSignature({ ...base, method: 'PUT' }, EC_PUBLIC, opts)).toBe(false);
    expect(verifyCallbackSignature({ ...base, headers: { ...base.headers, host: 'evil.example' } }, EC_PUBLIC, opts)).toBe(false);
  });

  it('takes the authority from the caller behind a proxy that rewrites Host', () => {
    const base = signed();
    const proxied = { ...base, headers: { ...base.headers, host: '10.0.0.7:3000' } };
    expect(verifyCallbackSignature(proxied, EC_PUBLIC, opts)).toBe(false);
    expect(verifyCallbackSignature({ ...proxied, authority: 'ussd.example.cd:8443' }, EC_PUBLIC, opts)).toBe(true);
  });

  it('ignores the query string, which @path does not cover (the token lives there)', () => {
    const base = signed();
    expect(verifyCallbackSignature({ ...base, path: '/collections/pawapay/deposits?token=other' }, EC_PUBLIC, opts)).toBe(true);
  });

  it('refuses an unsigned callback or a half-signed one', () => {
    const base = signed();
    const { signature: _s, 'signature-input': _i, ...unsigned } = base.headers;
    expect(checkCallbackSignature({ ...base, headers: unsigned }, EC_PUBLIC, opts)).toEqual({ ok: false, reason: 'missing Signature or Signature-Input' });
    const { 'content-digest': _d, ...noDigest } = base.headers;
    expect(checkCallbackSignature({ ...base, headers: noDigest }, EC_PUBLIC, opts)).toEqual({ ok: false, reason: 'missing Content-Digest' });
  });

  it('refuses a signature that does not cover the body', () => {
    const base = signed();
    const input = String(base.headers['signature-input']).replace(' "content-digest"', '');
    expect(checkCallbackSignature({ ...base, headers: { ...base.headers, 'signature-input': input } }, EC_PUBLIC, opts)).toEqual({ ok: false, reason: 'signature does not cover content-digest' });
  });

  it('refuses an algorithm the configured key does not allow', () => {
    const base = signed();
    const input = String(base.headers['signature-input']).replace('ecdsa-p256-sha256', 'rsa-pss-sha512');
    expect(checkCallbackSignature({ ...base, headers: { ...base.headers, 'signature-input': input } }, EC_PUBLIC, opts)).toMatchObject({ ok: false, reason: 'algorithm rsa-pss-sha512 does not fit the configured key' });
    const hmac = String(base.headers['signature-input']).replace('ecdsa-p256-sha256', 'hmac-sha256');
    expect(verifyCallbackSignature({ ...base, headers: { ...base.headers, 'signature-input': hmac } }, EC_PUBLIC, opts)).toBe(false);
  });

  it('refuses an expired signature, and one from the future, beyond the allowed skew', () => {
    const req = signed();
    expect(verifyCallbackSignature(req, EC_PUBLIC, { now: new Date(NOW.getTime() + 100_000) })).toBe(true);
    expect(checkCallbackSignature(req, EC_PUBLIC, { now: new Date(NOW.getTime() + 200_000) })).toEqual({ ok: false, reason: 'signature expired' });
    expect(checkCallbackSignature(req, EC_PUBLIC, { now: new Date(NOW.getTime() - 200_000) })).toEqual({ ok: false, reason: 'signature created in the future' });
    expect(verifyCallbackSignature(req, EC_PUBLIC, { now: new Date(NOW.getTime() + 200_000), maxClockSkewSeconds: 600 })).toBe(true);
  });

  it('never throws: garbage headers or a bad key are simply not verified', () => {
    const base = signed();
    expect(verifyCallbackSignature({ ...base, headers: { ...base.headers, 'signature-input': '((( not a dictionary' } }, EC_PUBLIC, opts)).toBe(false);
    expect(verifyCallbackSignature({ ...base, headers: { ...base.headers, signature: 'sig-pp=:!!!:' } }, EC_PUBLIC, opts)).toBe(false);
    expect(verifyCallbackSignature({ ...base, headers: { ...base.headers, signature: 'other=:AAAA:' } }, EC_PUBLIC, opts)).toBe(false);
    expect(verifyCallbackSignature(base, 'not a pem', opts)).toBe(false);
    expect(() => loadCallbackPublicKey('not a pem')).toThrow();
  });

  it('reads repeated header fields as one comma-joined value', () => {
    const base = signed();
    const digest = String(base.headers['content-digest']);
    // Splitting the field in two lines does not change its value (RFC 9421 §2.1).
    const req = { ...base, headers: { ...base.headers, 'content-digest': [digest, `sha-256=:${Buffer.alloc(32).toString('base64')}:`] } };
    expect(checkCallbackSignature(req, EC_PUBLIC, opts)).toEqual({ ok: false, reason: 'Content-Digest does not match the body' });
  });
});

describe('signature base', () => {
  // RFC 9421 Appendix B.2.6: an Ed25519 signature from the RFC itself, made by another
  // implementation, so the base is checked against the standard and not only against our signer.
  const RFC_PUBLIC_KEY = '-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEAJrQLj5P/89iXES9+vFgrIy29clF9CC/oPPsw3c5D0bs=\n-----END PUBLIC KEY-----\n';
  const INPUT = 'sig-b26=("date" "@method" "@path" "@authority" "content-type" "content-length");created=1618884473;keyid="test-key-ed25519"';
  const SIGNATURE = 'sig-b26=:wqcAqbmYJ2ji2glfAMaRy4gruYYnx2nEFN2HN6jrnDnQCK1u02Gb04v9EDgwUPiu4A0w6vuQv5lIp5WPpBKRCw==:';

  it('matches RFC 9421\'s own example signature', () => {
    const [input] = parseDictionary(INPUT);
    const [sig] = parseDictionary(SIGNATURE);
    if (!input || !isInnerList(input.value) || !sig || isInnerList(sig.value)) throw new Error('unexpected parse');
    const sigBytes = sig.value.value;
    if (typeof sigBytes !== 'object' || !('bytes' in sigBytes)) throw new Error('no bytes');
    const headers: Record<string, string> = { date: 'Tue, 20 Apr 2021 02:07:55 GMT', 'content-type': 'application/json', 'content-length': '18' };
    const components = input.value.items.map((i) => String(i.value));
    const base = signatureBase(components, { method: 'POST', authority: 'example.com', path: '/foo', query: 'param=Value&Pet=dog', header: (n) => headers[n] }, input.raw);
    expect(base).toBe(
      [
        '"date": Tue, 20 Apr 2021 02:07:55 GMT',
        '"@method": POST',
        '"@path": /foo',
        '"@authority": example.com',
        '"content-type": application/json',
        '"content-length": 18',
        '"@signature-params": ("date" "@method" "@path" "@authority" "content-type" "content-length");created=1618884473;keyid="test-key-ed25519"',
      ].join('\n'),
    );
    expect(verify(null, Buffer.from(base ?? ''), createPublicKey(RFC_PUBLIC_KEY), sigBytes.bytes)).toBe(true);
  });

  it('cannot be built when a covered component is missing', () => {
    expect(signatureBase(['x-missing'], { method: 'POST', authority: 'a', path: '/', query: undefined, header: () => undefined }, '("x-missing")')).toBeUndefined();
    expect(signatureBase(['@target-uri'], { method: 'POST', authority: 'a', path: '/', query: undefined, header: () => undefined }, '("@target-uri")')).toBeUndefined();
  });
});
