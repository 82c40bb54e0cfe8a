import { phaseOf, type Intent } from '../../src/payments/intent';
import { testIntent } from '../support/intent';

// Which step moves an intent on, and the wallet ids that step is handed: never an empty id.
function intent(collection: 'wallet' | 'none', patch: Partial<Intent> = {}): Intent {
  return testIntent({ sessionId: 'ATUid_phase', amountCentimes: 10_000, balanceCentimes: 10_000, provider: 'AIRTEL_COD' }, { id: 'pi-00000000000000000000000000000021', collection }, patch);
}

test('a pending intent starts its collection, or pays at once when the operator collects upstream', () => {
  expect(phaseOf(intent('wallet')).step).toBe('start_collection');
  expect(phaseOf(intent('none')).step).toBe('pay');
  expect(phaseOf(intent('wallet', { status: 'collected' })).step).toBe('pay');
  expect(phaseOf(intent('wallet', { status: 'submitted' })).step).toBe('reconcile');
  expect(phaseOf(intent('wallet', { status: 'uncertain' })).step).toBe('reconcile');
});

test('a collecting intent is handed to the collect step with the deposit id and wallet drawn at confirmation', () => {
  const it = intent('wallet', { status: 'collecting' });
  const phase = phaseOf(it);
  if (phase.step !== 'collect') throw new Error(`expected collect, got ${phase.step}`);
  expect(phase.it.depositId).toBe(it.depositId);
  expect(phase.it.depositId).toMatch(/^[0-9a-f-]{36}$/);
  expect(phase.it.provider).toBe('AIRTEL_COD');
  expect(phase.it.version).toBe(it.version);
});

test('a refunding intent is handed to the refund step with its refund id and the deposit it gives back', () => {
  const it = intent('wallet', { status: 'refunding', refundId: 'f1e1b5a2-7c3d-4f60-9a55-2d1c8f0b7e21' });
  const phase = phaseOf(it);
  if (phase.step !== 'refund') throw new Error(`expected refund, got ${phase.step}`);
  expect(phase.it.refundId).toBe('f1e1b5a2-7c3d-4f60-9a55-2d1c8f0b7e21');
  expect(phase.it.depositId).toBe(it.depositId);
});

test.each([
  ['collecting', { provider: null }, 'provider'],
  ['collecting', { depositId: null }, 'depositId'],
  ['refunding', { refundId: null }, 'refundId'],
  ['refunding', { refundId: 'f1e1b5a2-7c3d-4f60-9a55-2d1c8f0b7e21', depositId: null }, 'depositId'],
] as const)('a %s row without %j is inconsistent, naming %s, rather than sent to the wallet', (status, patch, missing) => {
  const phase = phaseOf(intent('wallet', { status, ...patch }));
  expect(phase).toMatchObject({ step: 'inconsistent', missing });
});

test.each(['succeeded', 'reconciled', 'failed', 'refunded', 'refund_failed', 'partial'] as const)('a %s intent has no step left', (status) => {
  expect(phaseOf(intent('wallet', { status })).step).toBe('settled');
});
