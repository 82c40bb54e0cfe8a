import { randomUUID } from 'node:crypto';
import { PassThrough } from 'node:stream';
import { createLogger } from '../../src/logging/logger';
import { FALLBACK_PROVIDER_RULES } from '../../src/collections/fallback-rules';
import { DEFAULT_PROVIDER_CONF } from '../../src/collections/sandbox/provider-conf';
import { startSandboxWallet, type RunningSandboxWallet, type SandboxWalletOptions } from '../../src/collections/sandbox/server';
import type { PawapayCollection } from '../../src/collections/pawapay/adapter';
import type { TransferState } from '../../src/collections/types';
import { depositFor, waitUntil, walletAdapter } from './wallet-support';

/** The real pawaPay adapter against the sandbox wallet over HTTP, one fresh wallet per test. */

let wallet: RunningSandboxWallet;
let port: PawapayCollection;

async function start(opts: SandboxWalletOptions = {}): Promise<void> {
  await wallet?.close();
  wallet = await startSandboxWallet({ approveDelayMs: 30, refundDelayMs: 30, ...opts });
  port = walletAdapter(wallet);
}

beforeEach(() => start());
afterEach(() => wallet.close());

/** The sandbox's own admin route, as a test or an operator uses it. */
async function putStatus(provider: string, deposits: string): Promise<number> {
  const res = await fetch(`${wallet.baseUrl}/sandbox/providers/${provider}`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${wallet.apiToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ deposits }),
  });
  return res.status;
}

const isFinal = (s: TransferState) => s.kind === 'completed' || s.kind === 'failed';

async function finalDeposit(depositId: string): Promise<TransferState> {
  return waitUntil(() => port.depositStatus(depositId), isFinal);
}

async function finalRefund(refundId: string): Promise<TransferState> {
  return waitUntil(() => port.refundStatus(refundId), isFinal);
}

/** A deposit from an approving number, collected. */
async function collected(amountCentimes = 150_000): Promise<string> {
  const req = depositFor('+243812345990', { amountCentimes });
  expect(await port.initiateDeposit(req)).toEqual({ kind: 'accepted' });
  expect((await finalDeposit(req.depositId)).kind).toBe('completed');
  return req.depositId;
}

describe('deposits by test number', () => {
  it.each(['+243812345990', '+243972345937', '+243842345901'])('%s is approved: COMPLETED with the amount and the provider\'s transaction id', async (phone) => {
    const req = depositFor(phone, { provider: phone.startsWith('+24397') ? 'AIRTEL_COD' : phone.startsWith('+24384') ? 'ORANGE_COD' : 'VODACOM_MPESA_COD' });
    expect(await port.initiateDeposit(req)).toEqual({ kind: 'accepted' });
    const state = await finalDeposit(req.depositId);
    expect(state).toEqual({ kind: 'completed', amountCentimes: 150_000, providerTransactionId: expect.stringMatching(/^(MP|AM|OM)[0-9A-F]{10}$/) });
    expect(wallet.deposits()).toEqual([
      expect.objectContaining({ depositId: req.depositId, status: 'COMPLETED', amount: '1500', phoneNumber: phone.slice(1), customerMessage: 'REGIDESO 83262', clientReferenceId: 'pi-test' }),
    ]);
  });

  it.each([
    ['+243812345991', 'INSUFFICIENT_BALANCE'],
    ['+243812345992', 'PAYMENT_NOT_APPROVED'],
    ['+243812345997', 'PAYER_NOT_FOUND'],
    ['+243812345998', 'WALLET_LIMIT_REACHED'],
  ])('%s is accepted, then FAILED with %s', async (phone, code) => {
    const req = depositFor(phone);
    expect(await port.initiateDeposit(req)).toEqual({ kind: 'accepted' });
    expect(await finalDeposit(req.depositId)).toEqual({ kind: 'failed', code, message: expect.any(String) });
  });

  it('…93 stays open: ACCEPTED, then PROCESSING', async () => {
    const req = depositFor('+243812345993');
    expect(await port.initiateDeposit(req)).toEqual({ kind: 'accepted' });
    expect(await waitUntil(() => port.depositStatus(req.depositId), (s) => s.kind === 'in_progress' && s.status === 'PROCESSING')).toEqual({ kind: 'in_progress', status: 'PROCESSING' });
  });

  it('…94 completes (its callback is lost, but the status read tells)', async () => {
    const req = depositFor('+243812345994');
    expect(await port.initiateDeposit(req)).toEqual({ kind: 'accepted' });
    expect((await finalDeposit(req.depositId)).kind).toBe('completed');
  });

  it('…95 is rejected at initiation: nothing exists at pawaPay', async () => {
    const req = depositFor('+243812345995');
    expect(await port.initiateDeposit(req)).toEqual({ kind: 'rejected', code: 'INVALID_PHONE_NUMBER', message: expect.any(String) });
    expect(await port.depositStatus(req.depositId)).toEqual({ kind: 'not_found' });
    expect(wallet.deposits()).toEqual([]);
  });

  it('…96 completes, and its refund then fails', async () => {
    const req = depositFor('+243812345996');
    await port.initiateDeposit(req);
    expect((await finalDeposit(req.depositId)).kind).toBe('completed');
    const refundId = randomUUID();
    expect(await port.initiateRefund({ refundId, depositId: req.depositId, amountCentimes: 150_000 })).toEqual({ kind: 'accepted' });
    expect(await finalRefund(refundId)).toEqual({ kind: 'failed', code: 'UNSPECIFIED_FAILURE', message: expect.any(String) });
  });
});

describe('amounts, decimals and limits', () => {
  it('sends centimes to a provider that takes decimals, exactly', async () => {
    const req = depositFor('+243812345990', { amountCentimes: 1_786_557 });
    expect(await port.initiateDeposit(req)).toEqual({ kind: 'accepted' });
    expect(wallet.deposits()[0]?.amount).toBe('17865.57');
    expect(await finalDeposit(req.depositId)).toMatchObject({ kind: 'completed', amountCentimes: 1_786_557 });
  });

  it('a provider without decimals refuses centimes (INVALID_AMOUNT), never a rounded amount', async () => {
    const req = depositFor('+243842345990', { provider: 'ORANGE_COD', amountCentimes: 150_050 });
    expect(await port.initiateDeposit(req)).toMatchObject({ kind: 'rejected', code: 'INVALID_AMOUNT' });
    expect(wallet.deposits()).toEqual([]);
  });

  it('refuses an amount outside the provider\'s limits (AMOUNT_OUT_OF_BOUNDS)', async () => {
    expect(await port.initiateDeposit(depositFor('+243842345990', { provider: 'ORANGE_COD', amountCentimes: 40_000 }))).toMatchObject({ kind: 'rejected', code: 'AMOUNT_OUT_OF_BOUNDS' });
    expect(await port.initiateDeposit(depositFor('+243812345990', { amountCentimes: 250_000_100 }))).toMatchObject({ kind: 'rejected', code: 'AMOUNT_OUT_OF_BOUNDS' });
  });

  it('a provider whose deposits are closed refuses them', async () => {
    wallet.setProviders(DEFAULT_PROVIDER_CONF.map((p) => (p.provider === 'AIRTEL_COD' ? { ...p, depositStatus: 'CLOSED' as const } : p)));
    expect(await port.initiateDeposit(depositFor('+243972345990', { provider: 'AIRTEL_COD' }))).toMatchObject({ kind: 'rejected', code: 'PROVIDER_TEMPORARILY_UNAVAILABLE' });
  });

  it('refuses locally what pawaPay would refuse, without a call', async () => {
    expect(await port.initiateDeposit(depositFor('0812345990'))).toMatchObject({ kind: 'rejected', code: 'INVALID_PHONE_NUMBER' });
    expect(await port.initiateDeposit(depositFor('+243812345990', { amountCentimes: 0 }))).toMatchObject({ kind: 'rejected', code: 'INVALID_AMOUNT' });
    expect(await port.initiateDeposit(depositFor('+243812345990', { amountCentimes: 10.5 }))).toMatchObject({ kind: 'rejected', code: 'INVALID_AMOUNT' });
    expect(await port.initiateDeposit(depositFor('+243812345990', { customerMessage: 'REGIDESO #83262' }))).toMatchObject({ kind: 'rejected', code: 'INVALID_PARAMETER' });
    expect(wallet.calls.deposits).toBe(0);
  });
});

describe('idempotency and uncertain answers', () => {
  it('the same depositId again is DUPLICATE_IGNORED: one deposit', async () => {
    const req = depositFor('+243812345990');
    expect(await port.initiateDeposit(req)).toEqual({ kind: 'accepted' });
    expect(await port.initiateDeposit(req)).toEqual({ kind: 'duplicate_ignored' });
    expect(await port.initiateDeposit({ ...req, amountCentimes: 999_900 })).toEqual({ kind: 'duplicate_ignored' });
    expect(wallet.deposits()).toHaveLength(1);
    expect(wallet.deposits()[0]?.amountCentimes).toBe(150_000);
  });

  it('a 500 is unknown; the status read says NOT_FOUND; the resend with the same id is accepted', async () => {
    wallet.faults.deposits.push({ kind: 'error500' });
    const req = depositFor('+243812345990');
    expect(await port.initiateDeposit(req)).toEqual({ kind: 'unknown', reason: 'server_error', message: 'HTTP 500 UNKNOWN_ERROR' });
    expect(await port.depositStatus(req.depositId)).toEqual({ kind: 'not_found' });
    expect(await port.initiateDeposit(req)).toEqual({ kind: 'accepted' });
    expect((await finalDeposit(req.depositId)).kind).toBe('completed');
    expect(wallet.deposits()).toHaveLength(1);
  });

  it('an answer lost after the deposit was made (reset) is unknown; the status read finds it; a resend is ignored', async () => {
    wallet.faults.deposits.push({ kind: 'dropAfterApply' });
    const req = depositFor('+243812345990');
    expect(await port.initiateDeposit(req)).toMatchObject({ kind: 'unknown', reason: 'network' });
    expect(['in_progress', 'completed']).toContain((await port.depositStatus(req.depositId)).kind);
    expect(await port.initiateDeposit(req)).toEqual({ kind: 'duplicate_ignored' });
    expect(wallet.deposits()).toHaveLength(1);
  });

  it('a 500 after the deposit was made is unknown too, never rejected', async () => {
    wallet.faults.deposits.push({ kind: 'dropAfterApply', answer: 'error500' });
    const req = depositFor('+243812345990');
    expect(await port.initiateDeposit(req)).toMatchObject({ kind: 'unknown', reason: 'server_error' });
    expect((await finalDeposit(req.depositId)).kind).toBe('completed');
  });

  it('a hang is a timeout; the deposit lands unseen; the status read finds it and a resend is ignored', async () => {
    port = walletAdapter(wallet, { timeoutMs: 150 });
    wallet.faults.deposits.push({ kind: 'hang', ms: 600 });
    const req = depositFor('+243812345990');
    expect(await port.initiateDeposit(req)).toEqual({ kind: 'unknown', reason: 'timeout', message: 'no answer within 150 ms' });
    await waitUntil(() => port.depositStatus(req.depositId), (s) => s.kind !== 'not_found');
    expect(await port.initiateDeposit(req)).toEqual({ kind: 'duplicate_ignored' });
    expect(wallet.deposits()).toHaveLength(1);
  });

  it('a status read that fails is unavailable, never failed', async () => {
    const id = await collected();
    port = walletAdapter(wallet, { timeoutMs: 150 });
    wallet.faults.depositStatus.push({ kind: 'error500' }, { kind: 'reset' }, { kind: 'hang', ms: 600 });
    for (let i = 0; i < 3; i++) expect((await port.depositStatus(id)).kind).toBe('unavailable');
    expect((await port.depositStatus(id)).kind).toBe('completed');
  });

  it('NOT_FOUND for an id pawaPay never saw', async () => {
    expect(await port.depositStatus(randomUUID())).toEqual({ kind: 'not_found' });
    expect(await port.refundStatus(randomUUID())).toEqual({ kind: 'not_found' });
  });

  it('a wrong token is refused, and a status read with it is unavailable', async () => {
    const bad = walletAdapter({ baseUrl: wallet.baseUrl, apiToken: 'not-the-token' });
    expect(await bad.initiateDeposit(depositFor('+243812345990'))).toMatchObject({ kind: 'rejected', code: 'AUTHENTICATION_ERROR' });
    expect(await bad.depositStatus(randomUUID())).toMatchObject({ kind: 'unavailable', message: 'HTTP 403 AUTHENTICATION_ERROR' });
    expect(wallet.deposits()).toEqual([]);
  });

  it('no server at all is a network failure: unknown, then unavailable', async () => {
    const baseUrl = wallet.baseUrl;
    await wallet.close();
    const gone = walletAdapter({ baseUrl, apiToken: 'x' });
    expect(await gone.initiateDeposit(depositFor('+243812345990'))).toMatchObject({ kind: 'unknown', reason: 'network' });
    expect((await gone.depositStatus(randomUUID())).kind).toBe('unavailable');
  });
});

describe('refunds', () => {
  it('refunds a collected deposit: accepted, then COMPLETED with the amount', async () => {
    const depositId = await collected();
    const refundId = randomUUID();
    expect(await port.initiateRefund({ refundId, depositId, amountCentimes: 150_000 })).toEqual({ kind: 'accepted' });
    expect(await finalRefund(refundId)).toEqual({ kind: 'completed', amountCentimes: 150_000, providerTransactionId: expect.any(String) });
    expect(wallet.refunds()).toEqual([expect.objectContaining({ refundId, depositId, status: 'COMPLETED', amount: '1500' })]);
  });

  it('the same refundId again is DUPLICATE_IGNORED', async () => {
    const depositId = await collected();
    const req = { refundId: randomUUID(), depositId, amountCentimes: 150_000 };
    expect(await port.initiateRefund(req)).toEqual({ kind: 'accepted' });
    expect(await port.initiateRefund(req)).toEqual({ kind: 'duplicate_ignored' });
    expect(wallet.refunds()).toHaveLength(1);
  });

  it('a lost refund answer is unknown; NOT_FOUND then a resend with the same id', async () => {
    const depositId = await collected();
    wallet.faults.refunds.push({ kind: 'error500' });
    const req = { refundId: randomUUID(), depositId, amountCentimes: 150_000 };
    expect(await port.initiateRefund(req)).toMatchObject({ kind: 'unknown', reason: 'server_error' });
    expect(await port.refundStatus(req.refundId)).toEqual({ kind: 'not_found' });
    expect(await port.initiateRefund(req)).toEqual({ kind: 'accepted' });
    expect((await finalRefund(req.refundId)).kind).toBe('completed');
  });

  it('refuses a refund of a deposit that does not exist or did not complete', async () => {
    expect(await port.initiateRefund({ refundId: randomUUID(), depositId: randomUUID(), amountCentimes: 100 })).toMatchObject({ kind: 'rejected', code: 'INVALID_PARAMETER' });
    const failed = depositFor('+243812345991');
    await port.initiateDeposit(failed);
    await finalDeposit(failed.depositId);
    expect(await port.initiateRefund({ refundId: randomUUID(), depositId: failed.depositId, amountCentimes: 100 })).toMatchObject({ kind: 'rejected', code: 'INVALID_PARAMETER' });
  });

  it('never refunds more than was collected', async () => {
    const depositId = await collected(150_000);
    expect(await port.initiateRefund({ refundId: randomUUID(), depositId, amountCentimes: 150_100 })).toMatchObject({ kind: 'rejected', code: 'AMOUNT_TOO_LARGE' });
    const part = randomUUID();
    expect(await port.initiateRefund({ refundId: part, depositId, amountCentimes: 50_000 })).toEqual({ kind: 'accepted' });
    await finalRefund(part);
    expect(await port.initiateRefund({ refundId: randomUUID(), depositId, amountCentimes: 100_100 })).toMatchObject({ kind: 'rejected', code: 'AMOUNT_TOO_LARGE' });
    const rest = randomUUID();
    expect(await port.initiateRefund({ refundId: rest, depositId, amountCentimes: 100_000 })).toEqual({ kind: 'accepted' });
    await finalRefund(rest);
    expect(await port.initiateRefund({ refundId: randomUUID(), depositId, amountCentimes: 100 })).toMatchObject({ kind: 'rejected', code: 'DEPOSIT_ALREADY_REFUNDED' });
  });

  it('one refund at a time per deposit', async () => {
    await start({ approveDelayMs: 30, refundDelayMs: 60_000 });
    const depositId = await collected();
    expect(await port.initiateRefund({ refundId: randomUUID(), depositId, amountCentimes: 50_000 })).toEqual({ kind: 'accepted' });
    expect(await port.initiateRefund({ refundId: randomUUID(), depositId, amountCentimes: 50_000 })).toMatchObject({ kind: 'rejected', code: 'REFUND_IN_PROGRESS' });
  });
});

describe('provider rules (active configuration)', () => {
  it('reads the CDF deposit rules of the three providers, one without decimals', async () => {
    expect(await port.providerRules()).toEqual([
      { provider: 'VODACOM_MPESA_COD', decimals: 2, minCentimes: 10_000, maxCentimes: 250_000_000 },
      { provider: 'AIRTEL_COD', decimals: 2, minCentimes: 10_000, maxCentimes: 200_000_000 },
      // The sandbox's Orange Money raises no prompt by itself: its dial code is taken from pawaPay's instructions.
      { provider: 'ORANGE_COD', decimals: 0, minCentimes: 50_000, maxCentimes: 150_000_000, pinPrompt: { mode: 'manual', revivable: true, dialCode: '*144#' } },
    ]);
  });

  it('caches them for the TTL, then serves the old copy at once while one read in the background replaces it', async () => {
    let clock = 1_000_000;
    port = walletAdapter(wallet, { now: () => clock, rulesTtlMs: 600_000 });
    await port.providerRules();
    await port.providerRules();
    expect(wallet.calls.activeConf).toBe(1);
    wallet.setProviders(DEFAULT_PROVIDER_CONF.map((p) => (p.provider === 'ORANGE_COD' ? { ...p, minAmount: '1000' } : p)));
    clock += 599_999;
    expect((await port.providerRules()).find((r) => r.provider === 'ORANGE_COD')?.minCentimes).toBe(50_000);
    expect(wallet.calls.activeConf).toBe(1);
    clock += 1;
    // Expired: no caller waits for pawaPay; the read runs behind.
    expect((await port.providerRules()).find((r) => r.provider === 'ORANGE_COD')?.minCentimes).toBe(50_000);
    await port.settled();
    expect((await port.providerRules()).find((r) => r.provider === 'ORANGE_COD')?.minCentimes).toBe(100_000);
    expect(wallet.calls.activeConf).toBe(2);
  });

  it('reads availability too: a provider pawaPay closed is left out, a delayed one marked, within its own shorter TTL', async () => {
    let clock = 1_000_000;
    port = walletAdapter(wallet, { now: () => clock, rulesTtlMs: 600_000, availabilityTtlMs: 60_000 });
    expect((await port.providerRules()).map((r) => r.provider)).toEqual(['VODACOM_MPESA_COD', 'AIRTEL_COD', 'ORANGE_COD']);
    await putStatus('AIRTEL_COD', 'CLOSED');
    await putStatus('VODACOM_MPESA_COD', 'DELAYED');
    clock += 60_000;
    await port.providerRules();
    await port.settled();
    const rules = await port.providerRules();
    expect(rules.map((r) => r.provider)).toEqual(['VODACOM_MPESA_COD', 'ORANGE_COD']);
    expect(rules.find((r) => r.provider === 'VODACOM_MPESA_COD')?.delayed).toBe(true);
    expect(wallet.calls.activeConf).toBe(1);
    expect(wallet.calls.availability).toBe(2);
  });

  it('a burst of hops shares one read', async () => {
    await Promise.all([port.providerRules(), port.providerRules(), port.providerRules()]);
    expect(wallet.calls.activeConf).toBe(1);
  });

  it('leaves out a provider whose deposits are closed', async () => {
    wallet.setProviders(DEFAULT_PROVIDER_CONF.map((p) => (p.provider === 'AIRTEL_COD' ? { ...p, depositStatus: 'CLOSED' as const } : p)));
    expect((await port.providerRules()).map((r) => r.provider)).toEqual(['VODACOM_MPESA_COD', 'ORANGE_COD']);
  });

  it('falls back to the strict built-in rules when pawaPay cannot answer, and asks again later', async () => {
    let clock = 1_000_000;
    port = walletAdapter(wallet, { now: () => clock, fallbackRetryMs: 30_000 });
    wallet.faults.activeConf.push({ kind: 'error500' });
    expect(await port.providerRules()).toEqual([...FALLBACK_PROVIDER_RULES]);
    clock += 29_999;
    await port.providerRules();
    expect(wallet.calls.activeConf).toBe(1);
    clock += 1;
    await port.providerRules();
    await port.settled();
    expect((await port.providerRules()).find((r) => r.provider === 'VODACOM_MPESA_COD')?.decimals).toBe(2);
  });

  it('keeps pawaPay\'s last word when a refresh fails, and no caller waits for the failing read', async () => {
    let clock = 1_000_000;
    port = walletAdapter(wallet, { now: () => clock, rulesTtlMs: 1000, lookupTimeoutMs: 150 });
    const good = await port.providerRules();
    clock += 1000;
    wallet.faults.activeConf.push({ kind: 'hang', ms: 600 });
    expect(await port.providerRules()).toEqual(good);
    await port.settled();
    expect(await port.providerRules()).toEqual(good);
    expect(wallet.calls.activeConf).toBe(2);
  });

  it('hands out copies: a caller cannot change the cache', async () => {
    const first = await port.providerRules();
    if (first[0]) first[0].minCentimes = 1;
    expect((await port.providerRules())[0]?.minCentimes).toBe(10_000);
  });
});

describe('predict-provider', () => {
  it.each([
    ['+243812345990', 'VODACOM_MPESA_COD'],
    ['+243972345990', 'AIRTEL_COD'],
    ['+243852345990', 'ORANGE_COD'],
  ])('asks pawaPay: %s → %s', async (phone, provider) => {
    expect(await port.predictProvider(phone)).toBe(provider);
    expect(wallet.calls.predictProvider).toBe(1);
  });

  it('pawaPay\'s answer wins over the prefix (a ported number)', async () => {
    await start({ portedNumbers: { '+243812345990': 'AIRTEL_COD' } });
    expect(await port.predictProvider('+243812345990')).toBe('AIRTEL_COD');
  });

  it('falls back to the prefix table when pawaPay cannot answer', async () => {
    await start({ portedNumbers: { '+243812345990': 'AIRTEL_COD' } });
    port = walletAdapter(wallet, { lookupTimeoutMs: 150 });
    wallet.faults.predictProvider.push({ kind: 'error500' }, { kind: 'hang', ms: 600 }, { kind: 'reset' });
    for (let i = 0; i < 3; i++) expect(await port.predictProvider('+243812345990')).toBe('VODACOM_MPESA_COD');
    expect(wallet.calls.predictProvider).toBe(3);
  });

  it('cannot tell an unknown prefix, with or without pawaPay', async () => {
    expect(await port.predictProvider('+243902345990')).toBeUndefined();
    wallet.faults.predictProvider.push({ kind: 'error500' });
    expect(await port.predictProvider('+243902345990')).toBeUndefined();
  });

  it('does not ask about something that is not E.164', async () => {
    expect(await port.predictProvider('0812345990')).toBeUndefined();
    expect(wallet.calls.predictProvider).toBe(0);
  });
});

describe('logs', () => {
  it('never carry the token, and mask phone numbers', async () => {
    const stream = new PassThrough();
    const lines: string[] = [];
    stream.on('data', (b: Buffer) => lines.push(b.toString()));
    // No secret given to the logger: the adapter itself must keep the token out.
    const logger = createLogger({ level: 'debug', json: true, secrets: [], stream });
    port = walletAdapter(wallet, { logger });
    const req = depositFor('+243812345990');
    await port.initiateDeposit(req);
    await port.depositStatus(req.depositId);
    await port.predictProvider('+243812345990');
    wallet.faults.predictProvider.push({ kind: 'error500' });
    await port.predictProvider('+243812345990');
    await port.providerRules();
    await new Promise((r) => setImmediate(r));
    const text = lines.join('');
    expect(text).toContain('"op":"initiateDeposit"');
    expect(text).toContain('+243******990');
    expect(text).not.toContain(wallet.apiToken);
    expect(text).not.toContain('812345990');
  });
});
