import { generateKeyPairSync } from 'node:crypto';
import { randomUUID } from 'node:crypto';
import { verifyCallbackSignature } from '../../src/collections/pawapay/signature';
import { depositCallbackSchema, refundCallbackSchema } from '../../src/collections/pawapay/wire';
import { startSandboxWallet, type RunningSandboxWallet, type SandboxWalletOptions } from '../../src/collections/sandbox/server';
import type { CollectionPort } from '../../src/collections/types';
import { depositFor, startCallbackReceiver, waitUntil, walletAdapter, type ReceivedCallback } from './wallet-support';

/** The sandbox wallet's callbacks, received over HTTP by a stand-in for the product's routes. */

let wallet: RunningSandboxWallet;
let port: CollectionPort;
let receiver: Awaited<ReturnType<typeof startCallbackReceiver>>;

const TOKEN_QUERY = '?token=webhook-token-0123456789';

async function start(opts: SandboxWalletOptions = {}): Promise<void> {
  await wallet?.close();
  wallet = await startSandboxWallet({
    approveDelayMs: 30,
    refundDelayMs: 30,
    callbackUrls: { deposit: `${receiver.url}/collections/pawapay/deposits${TOKEN_QUERY}`, refund: `${receiver.url}/collections/pawapay/refunds${TOKEN_QUERY}` },
    ...opts,
  });
  port = walletAdapter(wallet);
}

beforeEach(async () => {
  receiver = await startCallbackReceiver();
  await start();
});
afterEach(async () => {
  await wallet.close();
  await receiver.close();
});

function forDeposit(depositId: string): ReceivedCallback[] {
  return receiver.received.filter((c) => (c.json as { depositId?: string } | undefined)?.depositId === depositId);
}

async function callbackOf(depositId: string): Promise<ReceivedCallback> {
  const [c] = await waitUntil(() => forDeposit(depositId), (list) => list.length > 0);
  if (!c) throw new Error('no callback');
  return c;
}

describe('deposit callbacks', () => {
  it('POSTs the final deposit to the deposit URL, in pawaPay\'s shape', async () => {
    const req = depositFor('+243812345990');
    await port.initiateDeposit(req);
    const c = await callbackOf(req.depositId);
    expect(c.path).toBe(`/collections/pawapay/deposits${TOKEN_QUERY}`);
    expect(c.headers['content-type']).toBe('application/json');
    expect(c.headers.signature).toBeUndefined();
    const body = depositCallbackSchema.parse(c.json);
    expect(body).toMatchObject({
      depositId: req.depositId,
      status: 'COMPLETED',
      amount: '1500',
      currency: 'CDF',
      country: 'COD',
      payer: { type: 'MMO', accountDetails: { phoneNumber: '243812345990', provider: 'VODACOM_MPESA_COD' } },
      customerMessage: 'REGIDESO 83262',
      clientReferenceId: 'pi-test',
    });
    expect(body.providerTransactionId).toBeDefined();
    // The sandbox records the exchange once the receiver has answered.
    expect(await waitUntil(() => wallet.callbacks(), (l) => l.length > 0)).toEqual([
      expect.objectContaining({ kind: 'deposit', id: req.depositId, status: 'COMPLETED', httpStatus: 200, signed: false }),
    ]);
  });

  it('a FAILED deposit\'s callback carries the failure reason', async () => {
    const req = depositFor('+243812345991');
    await port.initiateDeposit(req);
    const body = depositCallbackSchema.parse((await callbackOf(req.depositId)).json);
    expect(body).toMatchObject({ status: 'FAILED', failureReason: { failureCode: 'INSUFFICIENT_BALANCE' } });
  });

  it('never calls back for a stuck deposit (…93) or a lost callback (…94)', async () => {
    const stuck = depositFor('+243812345993');
    const lost = depositFor('+243812345994');
    await port.initiateDeposit(stuck);
    await port.initiateDeposit(lost);
    await waitUntil(() => port.depositStatus(lost.depositId), (s) => s.kind === 'completed');
    await waitUntil(() => port.depositStatus(stuck.depositId), (s) => s.kind === 'in_progress' && s.status === 'PROCESSING');
    // A later deposit's callback arrives: by then theirs would have been sent long before.
    const later = depositFor('+243812345990');
    await port.initiateDeposit(later);
    await callbackOf(later.depositId);
    expect(receiver.received.map((c) => (c.json as { depositId: string }).depositId)).toEqual([later.depositId]);
  });

  it('sends the same callback twice under the duplicateCallback fault', async () => {
    wallet.faults.deposits.push({ kind: 'duplicateCallback' });
    const req = depositFor('+243812345990');
    await port.initiateDeposit(req);
    const both = await waitUntil(() => forDeposit(req.depositId), (l) => l.length === 2);
    expect(both[0]?.rawBody.equals(both[1]?.rawBody ?? Buffer.alloc(0))).toBe(true);
  });

  it('sends nothing without a URL, and uses a URL set later', async () => {
    await start({ callbackUrls: {} });
    const first = depositFor('+243812345990');
    await port.initiateDeposit(first);
    await waitUntil(() => port.depositStatus(first.depositId), (s) => s.kind === 'completed');
    wallet.setCallbackUrls({ deposit: `${receiver.url}/late` });
    const second = depositFor('+243812345990');
    await port.initiateDeposit(second);
    expect((await callbackOf(second.depositId)).path).toBe('/late');
    expect(forDeposit(first.depositId)).toEqual([]);
  });

  it('records a receiver that refuses the callback (no retry: the status read is the truth)', async () => {
    const refusing = await startCallbackReceiver(500);
    try {
      wallet.setCallbackUrls({ deposit: `${refusing.url}/d` });
      const req = depositFor('+243812345990');
      await port.initiateDeposit(req);
      const [sent] = await waitUntil(() => wallet.callbacks(), (l) => l.length > 0);
      expect(sent).toMatchObject({ id: req.depositId, httpStatus: 500 });
    } finally {
      await refusing.close();
    }
  });
});

describe('refund callbacks', () => {
  it('POSTs the final refund to the refund URL', async () => {
    const dep = depositFor('+243812345990');
    await port.initiateDeposit(dep);
    await callbackOf(dep.depositId);
    const refundId = randomUUID();
    await port.initiateRefund({ refundId, depositId: dep.depositId, amountCentimes: 150_000 });
    const [c] = await waitUntil(() => receiver.received.filter((r) => r.path.startsWith('/collections/pawapay/refunds')), (l) => l.length > 0);
    expect(refundCallbackSchema.parse(c?.json)).toMatchObject({
      refundId,
      status: 'COMPLETED',
      amount: '1500',
      currency: 'CDF',
      recipient: { type: 'MMO', accountDetails: { phoneNumber: '243812345990', provider: 'VODACOM_MPESA_COD' } },
    });
  });
});

describe('signed callbacks, end to end', () => {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const PUBLIC_PEM = publicKey.export({ type: 'spki', format: 'pem' }).toString();
  const PRIVATE_PEM = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();

  beforeEach(() => start({ callbackSigning: { privateKeyPem: PRIVATE_PEM, keyId: 'sandbox-key-1' } }));

  function asRequest(c: ReceivedCallback) {
    return { method: 'POST', path: c.path, headers: c.headers, rawBody: c.rawBody };
  }

  it('verifies with the configured public key', async () => {
    const req = depositFor('+243812345990');
    await port.initiateDeposit(req);
    const c = await callbackOf(req.depositId);
    expect(c.headers['signature-input']).toMatch(/^sig-pp=/);
    expect(verifyCallbackSignature(asRequest(c), PUBLIC_PEM)).toBe(true);
    expect((await waitUntil(() => wallet.callbacks(), (l) => l.length > 0))[0]?.signed).toBe(true);
  });

  it('does not verify with another key, or with a tampered body', async () => {
    const req = depositFor('+243812345991');
    await port.initiateDeposit(req);
    const c = await callbackOf(req.depositId);
    const other = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).publicKey.export({ type: 'spki', format: 'pem' }).toString();
    expect(verifyCallbackSignature(asRequest(c), other)).toBe(false);
    const forged = Buffer.from(c.rawBody.toString('utf8').replace('"FAILED"', '"COMPLETED"'));
    expect(verifyCallbackSignature({ ...asRequest(c), rawBody: forged }, PUBLIC_PEM)).toBe(false);
  });

  it('signs refund callbacks too', async () => {
    const dep = depositFor('+243812345990');
    await port.initiateDeposit(dep);
    await callbackOf(dep.depositId);
    await port.initiateRefund({ refundId: randomUUID(), depositId: dep.depositId, amountCentimes: 150_000 });
    const [c] = await waitUntil(() => receiver.received.filter((r) => r.path.startsWith('/collections/pawapay/refunds')), (l) => l.length > 0);
    if (!c) throw new Error('no refund callback');
    expect(verifyCallbackSignature(asRequest(c), PUBLIC_PEM)).toBe(true);
  });
});
