import { randomUUID } from 'node:crypto';
import type { TransferState } from '../../src/collections/types';
import type { Intent } from '../../src/payments/intent';
import { checkPayment, type CheckPorts } from '../../src/reconciliation/check';
import type { VerifyOutcome } from '../../src/regideso/types';
import { testIntent } from '../support/intent';

/**
 * The judgement of one payment against what REGIDESO and pawaPay answer, for the states the
 * sandboxes cannot easily be made to disagree in (test/reconciliation/reconciliation.test.ts runs
 * it against the real sandboxes over HTTP). The answers here are the adapters' own types.
 */
const AMOUNT = 500_000;

function intent(patch: Partial<Intent>): Intent {
  return testIntent({ sessionId: 'ATUid_x', amountCentimes: AMOUNT, balanceCentimes: 1_786_557, provider: 'VODACOM_MPESA_COD' }, { id: 'pi-00000000000000000000000000000001', collection: 'wallet' }, patch);
}

const receipt = (totalPaidCentimes = AMOUNT, status: 'succès' | 'échec' = 'succès'): VerifyOutcome => ({
  kind: 'ok',
  transaction: { numAcquit: 'R1', status, refClient: '83262', subscriberName: 'MUKEBA', totalPaidCentimes, transactionCount: 1, paidAt: '2026-01-01 00:00:00', operator: 'FINCA' },
});
const completed = (amountCentimes = AMOUNT): TransferState => ({ kind: 'completed', amountCentimes, providerTransactionId: 'P1' });

function ports(verify: VerifyOutcome, deposit: TransferState, refund: TransferState = { kind: 'not_found' }): CheckPorts {
  return { verify: async () => verify, wallet: { depositStatus: async () => deposit, refundStatus: async () => refund }, callTimeoutMs: 1000 };
}

const paidWallet = intent({ status: 'succeeded', numAcquit: 'R1', collectedCentimes: AMOUNT, depositStatus: 'COMPLETED' });
const refundedWallet = intent({ status: 'refunded', collectedCentimes: AMOUNT, depositStatus: 'COMPLETED', refundId: randomUUID(), refundStatus: 'COMPLETED' });
const refundFailed = intent({ ...refundedWallet, status: 'refund_failed', refundStatus: 'FAILED' });
const depositFailed = intent({ status: 'failed', depositStatus: 'FAILED' });

it.each<[string, Intent, CheckPorts, string[] | 'matched' | 'open' | 'unchecked']>([
  ['paid, receipt and deposit agree', paidWallet, ports(receipt(), completed()), 'matched'],
  ['REGIDESO holds another amount', paidWallet, ports(receipt(400_000), completed()), ['amount_differs']],
  ['REGIDESO says échec', paidWallet, ports(receipt(AMOUNT, 'échec'), completed()), ['receipt_failed']],
  ['pawaPay collected another amount', paidWallet, ports(receipt(), completed(450_000)), ['amount_differs']],
  ['we say paid, pawaPay says the deposit failed', paidWallet, ports(receipt(), { kind: 'failed', code: 'INSUFFICIENT_BALANCE', message: 'x' }), ['deposit_not_completed']],
  ['we say paid, pawaPay still processes', paidWallet, ports(receipt(), { kind: 'in_progress', status: 'PROCESSING' }), ['deposit_not_completed']],
  ['unknown receipt and a deposit pawaPay never saw: both listed', paidWallet, ports({ kind: 'not_found', message: 'Aucune transaction' }, { kind: 'not_found' }), ['unknown_receipt', 'deposit_not_completed']],
  ['we say the deposit failed, pawaPay collected it', depositFailed, ports(receipt(), completed()), ['collected_not_paid']],
  ['we say the deposit failed, pawaPay still processes', depositFailed, ports(receipt(), { kind: 'in_progress', status: 'PROCESSING' }), ['deposit_not_final']],
  ['deposit failed on both sides', depositFailed, ports(receipt(), { kind: 'failed', code: 'PAYER_NOT_FOUND', message: 'x' }), 'matched'],
  ['refunded on both sides', refundedWallet, ports(receipt(), completed(), completed()), 'matched'],
  ['we say refunded, pawaPay still processes the refund', refundedWallet, ports(receipt(), completed(), { kind: 'in_progress', status: 'PROCESSING' }), ['refund_not_final']],
  ['we say refunded, pawaPay says the refund failed', refundedWallet, ports(receipt(), completed(), { kind: 'failed', code: 'UNSPECIFIED_FAILURE', message: 'x' }), ['collected_not_paid']],
  ['refunded another amount', refundedWallet, ports(receipt(), completed(), completed(100_000)), ['amount_differs']],
  ['refund failed on both sides: the money stays with us', refundFailed, ports(receipt(), completed(), { kind: 'failed', code: 'UNSPECIFIED_FAILURE', message: 'x' }), ['collected_not_paid']],
  ['we say the refund failed, pawaPay completed it', refundFailed, ports(receipt(), completed(), completed()), ['refund_status_differs']],
  ['landed without a receipt', intent({ status: 'reconciled', numAcquit: 'RGD-1', ownReference: true, collectedCentimes: AMOUNT }), ports(receipt(), completed()), ['no_regideso_receipt']],
  ['still collecting', intent({ status: 'collecting' }), ports(receipt(), completed()), 'open'],
  ['REGIDESO unreachable', paidWallet, ports({ kind: 'unavailable', reason: 'timeout', message: 'no answer' }, completed()), 'unchecked'],
  ['pawaPay unreachable', paidWallet, ports(receipt(), { kind: 'unavailable', message: 'no answer' }), 'unchecked'],
])('%s', async (_what, it, p, expected) => {
  const out = await checkPayment(it, p);
  if (typeof expected === 'string') expect(out.kind).toBe(expected);
  else expect(out.kind === 'mismatched' ? out.mismatches.map((m) => m.kind) : out.kind).toEqual(expected);
});

it('a read that never answers is given up after the timeout: unchecked', async () => {
  const never = new Promise<never>(() => undefined);
  const out = await checkPayment(paidWallet, { verify: () => never, wallet: { depositStatus: async () => completed(), refundStatus: () => never }, callTimeoutMs: 20 });
  expect(out).toEqual({ kind: 'unchecked', reason: expect.stringContaining('no answer within 20 ms') });
});
