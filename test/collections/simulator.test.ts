import { startSandboxWallet, type RunningSandboxWallet, type SandboxWalletOptions, type WalletPrompt } from '../../src/collections/sandbox/server';
import type { CollectionPort, TransferState } from '../../src/collections/types';
import { depositFor, startCallbackReceiver, waitUntil, walletAdapter } from './wallet-support';

/**
 * The wallet side of the browser phone: a deposit for an approving number waits for its PIN once
 * a phone has shown the prompt, and is approved on its own when no phone asked in time.
 */

let wallet: RunningSandboxWallet;
let port: CollectionPort;

// Long enough that a prompt is always shown before it would be approved on its own.
const SLOW = 1000;

async function start(opts: SandboxWalletOptions = {}): Promise<void> {
  await wallet?.close();
  wallet = await startSandboxWallet({ approveDelayMs: SLOW, ...opts });
  port = walletAdapter(wallet);
}

beforeEach(() => start());
afterEach(() => wallet.close());

const PHONE = '+243812345990';
const isFinal = (s: TransferState) => s.kind === 'completed' || s.kind === 'failed';

describe('simulator', () => {
  it('shows the PIN prompt of a deposit waiting on that phone', async () => {
    const req = depositFor(PHONE, { amountCentimes: 1_786_557 });
    await port.initiateDeposit(req);
    const prompts: WalletPrompt[] = await wallet.simulator.prompts(PHONE);
    expect(prompts).toEqual([
      {
        depositId: req.depositId,
        phoneE164: PHONE,
        amount: '17865.57',
        currency: 'CDF',
        provider: 'VODACOM_MPESA_COD',
        customerMessage: 'REGIDESO 83262',
        createdAt: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/),
      },
    ]);
    expect(await port.depositStatus(req.depositId)).toEqual({ kind: 'in_progress', status: 'PROCESSING' });
  });

  it('any four digits approve: COMPLETED, and the callback follows', async () => {
    const receiver = await startCallbackReceiver();
    try {
      wallet.setCallbackUrls({ deposit: `${receiver.url}/d` });
      const req = depositFor(PHONE);
      await port.initiateDeposit(req);
      await wallet.simulator.prompts(PHONE);
      expect(await wallet.simulator.answer(req.depositId, { pin: '0000' })).toBe('approved');
      expect(await port.depositStatus(req.depositId)).toMatchObject({ kind: 'completed', amountCentimes: 150_000 });
      await waitUntil(() => receiver.received, (l) => l.length === 1);
      expect(await wallet.simulator.prompts(PHONE)).toEqual([]);
    } finally {
      await receiver.close();
    }
  });

  it('a decline, or a PIN that is not four digits, fails the deposit as not approved', async () => {
    const declined = depositFor(PHONE);
    const badPin = depositFor(PHONE);
    await port.initiateDeposit(declined);
    await port.initiateDeposit(badPin);
    expect((await wallet.simulator.prompts(PHONE)).map((p) => p.depositId).sort()).toEqual([declined.depositId, badPin.depositId].sort());
    expect(await wallet.simulator.answer(declined.depositId, { decline: true })).toBe('declined');
    expect(await wallet.simulator.answer(badPin.depositId, { pin: '12a4' })).toBe('declined');
    for (const id of [declined.depositId, badPin.depositId]) expect(await port.depositStatus(id)).toMatchObject({ kind: 'failed', code: 'PAYMENT_NOT_APPROVED' });
  });

  it('a shown prompt waits for its PIN instead of being approved on its own', async () => {
    const shown = depositFor(PHONE);
    await port.initiateDeposit(shown);
    await wallet.simulator.prompts(PHONE);
    // A deposit made after it, on a phone nobody looks at, is approved on its own...
    const unattended = depositFor('+243972345990', { provider: 'AIRTEL_COD' });
    await port.initiateDeposit(unattended);
    await waitUntil(() => port.depositStatus(unattended.depositId), isFinal);
    // ...while the shown one still waits.
    expect(await port.depositStatus(shown.depositId)).toEqual({ kind: 'in_progress', status: 'PROCESSING' });
    expect(await wallet.simulator.answer(shown.depositId, { pin: '4321' })).toBe('approved');
  });

  it('a deposit nobody looked at is approved on its own', async () => {
    await start({ approveDelayMs: 30 });
    const req = depositFor(PHONE);
    await port.initiateDeposit(req);
    expect((await waitUntil(() => port.depositStatus(req.depositId), isFinal)).kind).toBe('completed');
    expect(await wallet.simulator.prompts(PHONE)).toEqual([]);
    expect(await wallet.simulator.answer(req.depositId, { pin: '1234' })).toBe('not_found');
  });

  it('a shown prompt left unanswered times out as not approved', async () => {
    await start({ approveDelayMs: SLOW, promptTimeoutMs: 30 });
    const req = depositFor(PHONE);
    await port.initiateDeposit(req);
    await wallet.simulator.prompts(PHONE);
    expect(await waitUntil(() => port.depositStatus(req.depositId), isFinal)).toMatchObject({ kind: 'failed', code: 'PAYMENT_NOT_APPROVED' });
    expect(await wallet.simulator.answer(req.depositId, { pin: '1234' })).toBe('not_found');
  });

  it('shows only that phone\'s prompts, and only for approving numbers', async () => {
    const mine = depositFor(PHONE);
    const other = depositFor('+243812345937');
    const poor = depositFor('+243812345991');
    for (const r of [mine, other, poor]) await port.initiateDeposit(r);
    expect((await wallet.simulator.prompts(PHONE)).map((p) => p.depositId)).toEqual([mine.depositId]);
    expect(await wallet.simulator.prompts('+243812345991')).toEqual([]);
    // National format, as a person types it, is the same phone.
    expect((await wallet.simulator.prompts('0812345937')).map((p) => p.depositId)).toEqual([other.depositId]);
    expect(await wallet.simulator.prompts('not a phone')).toEqual([]);
  });

  it('knows no prompt for an unknown deposit', async () => {
    expect(await wallet.simulator.answer('f4401bd2-1568-4140-bf2d-eb77d2b2b639', { pin: '1234' })).toBe('not_found');
  });
});
