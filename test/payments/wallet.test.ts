import { createPawapayCollection, type PawapayCollection } from '../../src/collections/pawapay/adapter';
import { startSandboxWallet, type RunningSandboxWallet } from '../../src/collections/sandbox/server';
import { silentLogger } from '../../src/logging/logger';
import { eventually, intentOf, requestFor, settledRecord, smsTo, startHarness, type Harness } from './harness';

/**
 * Collected first: the subscriber's wallet is debited (the sandbox wallet over HTTP, spoken to by
 * the real pawaPay adapter), then PayFact exactly once, then the receipt; what REGIDESO refuses
 * after the debit is refunded, and what is uncertain is reconciled before anything else.
 * The test numbers' last two digits decide the wallet's answer (src/collections/sandbox/test-numbers.ts).
 */
let wallet: RunningSandboxWallet;
let port: PawapayCollection;
let h: Harness;

beforeEach(async () => {
  wallet = await startSandboxWallet({ approveDelayMs: 80, refundDelayMs: 80 });
  port = createPawapayCollection({ baseUrl: wallet.baseUrl, apiToken: wallet.apiToken, timeoutMs: 1000, availabilityTtlMs: 0, logger: silentLogger() });
  h = await startHarness({ wallet: port });
});
afterEach(async () => {
  await h.cleanup();
  await wallet.close();
});

const phone = (ending: string) => `+2438123459${ending}`;

async function pay(ending: string, overrides: Parameters<typeof requestFor>[1] = {}, serviceOverrides: Parameters<Harness['service']>[0] = {}) {
  const service = await h.service(serviceOverrides);
  const req = await requestFor(h.regideso, { phoneNumber: phone(ending), provider: 'VODACOM_MPESA_COD', ...overrides });
  const outcome = await service.confirm(req);
  return { service, req, outcome, id: intentOf(req) };
}

it('approved: the hop ends asking for the PIN; one deposit, one PayFact, one receipt', async () => {
  const { service, outcome, id } = await pay('90');
  // The session ends before the debit is asked: the phone can show the wallet's PIN prompt.
  expect(outcome).toEqual({ kind: 'collecting', amountCentimes: 500_000, provider: 'VODACOM_MPESA_COD' });
  const record = await settledRecord(service, id);
  expect(record).toMatchObject({ status: 'succeeded', collection: 'wallet', depositStatus: 'COMPLETED', provider: 'VODACOM_MPESA_COD' });
  expect(record.providerTransactionId).toEqual(expect.any(String));
  expect(wallet.deposits()).toHaveLength(1);
  expect(wallet.deposits()[0]).toMatchObject({ depositId: record.depositId });
  expect(h.sandbox.payments()).toHaveLength(1);
  const [sms] = await smsTo(h.outbox, phone('90'));
  expect(sms).toContain(record.numAcquit);
  const trail = (await service.auditTrail(id)).map((e) => e.event);
  expect(trail).toEqual(['confirmed', 'collection_started', 'deposit_initiated', 'deposit_completed', 'payfact_sent', 'paid']);
});

it.each([
  ['91', 'INSUFFICIENT_BALANCE', 'solde insuffisant'],
  ['92', 'PAYMENT_NOT_APPROVED', 'non approuvé avec le PIN'],
  ['95', 'INVALID_PHONE_NUMBER', 'compte mobile introuvable'],
  ['97', 'PAYER_NOT_FOUND', 'compte mobile introuvable'],
  ['98', 'WALLET_LIMIT_REACHED', 'limite du compte atteinte'],
])('the wallet does not pay (ending %s, %s): no PayFact, and the subscriber is told why, plainly', async (ending, code, words) => {
  const { service, id } = await pay(ending);
  const record = await settledRecord(service, id);
  expect(record.status).toBe('failed');
  expect(h.sandbox.calls.payFact).toBe(0);
  const [sms] = await smsTo(h.outbox, phone(ending));
  expect(sms).toContain(words);
  expect(sms).toContain("Rien n'a été prélevé");
  expect((await service.auditTrail(id)).map((e) => e.detail).join(' ')).toContain(code);
});

it('a deposit refused at initiation (ending 95) is the confirm hop\'s answer when it comes within its wait, never "approve with your PIN"', async () => {
  const { service, outcome, id } = await pay('95');
  expect(outcome).toEqual({ kind: 'wallet_refused', reason: 'wallet_not_found', provider: 'VODACOM_MPESA_COD', amountCentimes: 500_000 });
  expect(await service.get(id)).toMatchObject({ status: 'failed', depositStatus: 'REJECTED' });
});

it('an initiation answer later than the hop\'s wait: "approve with your PIN", and the refusal follows by SMS at once', async () => {
  wallet.faults.deposits.push({ kind: 'hang', ms: 600 });
  const { service, outcome, id } = await pay('95', {}, { initiationWaitMs: 150 });
  expect(outcome).toMatchObject({ kind: 'collecting', provider: 'VODACOM_MPESA_COD' });
  expect(await settledRecord(service, id)).toMatchObject({ status: 'failed', depositStatus: 'REJECTED' });
  const [sms] = await smsTo(h.outbox, phone('95'));
  expect(sms).toContain('compte mobile introuvable');
});

it('a wallet pawaPay has closed since the amount screen: nothing recorded, no deposit started', async () => {
  wallet.setDepositStatus('VODACOM_MPESA_COD', 'CLOSED');
  await port.providerRules();
  await port.settled();
  const { service, outcome, id } = await pay('90');
  expect(outcome).toEqual({ kind: 'wallet_closed', provider: 'VODACOM_MPESA_COD' });
  expect(await service.get(id)).toBeUndefined();
  expect(wallet.deposits()).toHaveLength(0);
});

it('a wallet whose prompt is raised by dialling: the confirm says how, and an SMS too; a delayed one says so', async () => {
  wallet.setDepositStatus('ORANGE_COD', 'DELAYED');
  await port.providerRules();
  await port.settled();
  const { service, outcome, id } = await pay('90', { provider: 'ORANGE_COD', amountCentimes: 60_000 });
  expect(outcome).toEqual({ kind: 'collecting', amountCentimes: 60_000, provider: 'ORANGE_COD', prompt: { mode: 'manual', revivable: true, dialCode: '*144#' }, delayed: true });
  expect((await settledRecord(service, id)).status).toBe('succeeded');
  const texts = await smsTo(h.outbox, phone('90'), 2);
  expect(texts).toContain('REGIDESO: pour payer 600 CDF (réf 83262) avec Orange Money, composez *144# puis entrez votre PIN.');
});

it('the callback is lost: the status poll finishes the payment, once', async () => {
  const { service, id } = await pay('94');
  const record = await settledRecord(service, id);
  expect(record.status).toBe('succeeded');
  expect(wallet.callbacks()).toHaveLength(0);
  expect(h.sandbox.payments()).toHaveLength(1);
});

it('the initiation answer is lost after pawaPay took it: the status read finds the deposit, nothing is initiated twice', async () => {
  wallet.faults.deposits.push({ kind: 'dropAfterApply', answer: 'error500' });
  const { service, id } = await pay('90');
  const record = await settledRecord(service, id);
  expect(record.status).toBe('succeeded');
  expect(wallet.deposits()).toHaveLength(1);
  expect(h.sandbox.payments()).toHaveLength(1);
  expect((await service.auditTrail(id)).map((e) => e.event)).toContain('deposit_initiate_unknown');
});

it('the initiation never reached pawaPay: NOT_FOUND, sent again under the same depositId', async () => {
  wallet.faults.deposits.push({ kind: 'reset' });
  const { service, id } = await pay('90');
  const record = await settledRecord(service, id);
  expect(record.status).toBe('succeeded');
  expect(wallet.deposits().map((d) => d.depositId)).toEqual([record.depositId]);
  expect(wallet.calls.deposits).toBe(2);
});

it('PayFact definitively refused after the debit: one refund, the subscriber told the money comes back', async () => {
  h.sandbox.faults.payFact.push({ kind: 'refuse', message: 'Montant invalide' });
  const { service, id } = await pay('90');
  const record = await settledRecord(service, id);
  expect(record).toMatchObject({ status: 'refunded', refundStatus: 'COMPLETED' });
  expect(h.sandbox.payments()).toHaveLength(0);
  expect(wallet.refunds()).toHaveLength(1);
  expect(wallet.refunds()[0]).toMatchObject({ refundId: record.refundId, depositId: record.depositId });
  const [sms] = await smsTo(h.outbox, phone('90'));
  expect(sms).toContain('remboursé');
});

it('the bills were paid elsewhere while the PIN was awaited: refused before PayFact, refunded', async () => {
  const service = await h.service();
  const req = await requestFor(h.regideso, { phoneNumber: phone('90'), provider: 'VODACOM_MPESA_COD', amountCentimes: 1_786_557 });
  await service.confirm(req);
  await eventually(async () => (await service.get(intentOf(req)))?.status === 'collecting');
  const paid = await h.regideso.payBills({ refClient: '83262', province: 'KIN', billIds: ['108776771'], amountCentimes: 1_786_557, paidAt: new Date() });
  expect(paid.kind).toBe('paid');
  const record = await settledRecord(service, intentOf(req));
  expect(record).toMatchObject({ status: 'refunded' });
  expect(h.sandbox.payments()).toHaveLength(1);
  expect(wallet.refunds()).toHaveLength(1);
});

it('PayFact uncertain (500) after the debit: reconciled, then paid once; never refunded as well', async () => {
  h.sandbox.faults.payFact.push({ kind: 'error500' });
  const { service, id } = await pay('90');
  const record = await settledRecord(service, id);
  expect(record.status).toBe('succeeded');
  expect(h.sandbox.payments()).toHaveLength(1);
  expect(wallet.refunds()).toHaveLength(0);
});

it('PayFact applied but its answer lost after the debit: reconciled as landed, never refunded', async () => {
  h.sandbox.faults.payFact.push({ kind: 'dropAfterApply' });
  const { service, id } = await pay('90');
  const record = await settledRecord(service, id);
  expect(record).toMatchObject({ status: 'reconciled', ownReference: true, flagReason: 'landed_without_receipt' });
  expect(h.sandbox.calls.payFact).toBe(1);
  expect(wallet.refunds()).toHaveLength(0);
});

it('a refund that fails is flagged for the operator, and the subscriber keeps a reference', async () => {
  h.sandbox.faults.payFact.push({ kind: 'refuse', message: 'Montant invalide' });
  const { service, id } = await pay('96');
  const record = await settledRecord(service, id);
  expect(record).toMatchObject({ status: 'refund_failed', flagReason: 'refund_failed' });
  expect((await service.flagged(10)).map((r) => r.intentId)).toContain(id);
  const [sms] = await smsTo(h.outbox, phone('96'));
  expect(sms).toContain('retardé');
});

it('a deposit that stays open is flagged after its time, the subscriber told, and never paid blind', async () => {
  const service = await h.service({ timings: { settleMs: 150, lockWaitMs: 30, pollMinMs: 30, pollMaxMs: 100, regidesoRetryMs: 30, slowPollMs: 200, depositStuckMs: 400 } });
  const req = await requestFor(h.regideso, { phoneNumber: phone('93'), provider: 'VODACOM_MPESA_COD' });
  await service.confirm(req);
  const record = await settledRecord(service, intentOf(req), (r) => r.flagReason === 'deposit_stuck');
  expect(record.status).toBe('collecting');
  expect(h.sandbox.calls.payFact).toBe(0);
  const [sms] = await smsTo(h.outbox, phone('93'));
  expect(sms).toContain('en vérification');
});

it('the process dies between collection and PayFact: after restart, PayFact once', async () => {
  // Worker A sees the deposit completed and dies before it can take the account (its REGIDESO never answers).
  const stalled = { ...h.regideso, getBills: (ref: string, p: Parameters<typeof h.regideso.getBills>[1]) => (wallet.deposits().some((d) => d.status === 'COMPLETED') ? new Promise<never>(() => undefined) : h.regideso.getBills(ref, p)) };
  const a = await h.service({ regideso: stalled, worker: { lockDurationMs: 800, stalledIntervalMs: 300 } });
  const req = await requestFor(h.regideso, { phoneNumber: phone('90'), provider: 'VODACOM_MPESA_COD' });
  await a.confirm(req);
  await eventually(async () => (await a.get(intentOf(req)))?.status === 'collected');
  await a.close({ force: true });

  const b = await h.service({ worker: { lockDurationMs: 800, stalledIntervalMs: 300 } });
  const record = await settledRecord(b, intentOf(req));
  expect(record.status).toBe('succeeded');
  expect(h.sandbox.payments()).toHaveLength(1);
  expect(wallet.deposits()).toHaveLength(1);
  expect(await smsTo(h.outbox, phone('90'))).toHaveLength(1);
});

it('nudged by a callback, a deposit waiting for its next poll is read at once; the same nudge three times changes nothing more', async () => {
  // Polls a minute apart: longer than the test may run, so only the nudges can finish it in time.
  const service = await h.service({ timings: { settleMs: 150, lockWaitMs: 30, pollMinMs: 60_000, pollMaxMs: 60_000, regidesoRetryMs: 30, slowPollMs: 60_000 } });
  const req = await requestFor(h.regideso, { phoneNumber: phone('90'), provider: 'VODACOM_MPESA_COD' });
  await service.confirm(req);
  const it = await settledRecord(service, intentOf(req), (r) => r.depositStatus === 'ACCEPTED');
  await eventually(async () => wallet.deposits().some((d) => d.status === 'COMPLETED'));
  const depositId = it.depositId ?? '';
  expect(await Promise.all([service.nudge({ depositId }), service.nudge({ depositId }), service.nudge({ depositId })])).toEqual([true, true, true]);
  const record = await settledRecord(service, intentOf(req));
  expect(record.status).toBe('succeeded');
  expect(h.sandbox.payments()).toHaveLength(1);
  expect(await service.nudge({ depositId: '00000000-0000-4000-8000-000000000000' })).toBe(false);
});
