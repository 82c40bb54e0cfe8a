import { amountNow, keptPaymentOf } from '../../src/ussd/actions/resume';

// The bounds the selection and wallet give (amount.ts): typed whole francs from 100 to `max`.
const bounds = (balance: number, over: Record<string, number | true | null> = {}) => ({
  selectedBalance: balance,
  amountMin: 10_000,
  amountMax: Math.floor(balance / 100) * 100,
  otherAmount: true,
  exactAmount: true,
  ...over,
});

test('an amount still within the new balance stays; one above it becomes the balance', () => {
  expect(amountNow(10_000, bounds(1_786_557))).toBe(10_000);
  expect(amountNow(1_786_557, bounds(1_786_557))).toBe(1_786_557);
  expect(amountNow(2_000_000, bounds(1_500_050))).toBe(1_500_050);
});

test('a wallet that takes no centimes: the most a typed amount may be; nothing that fits: chosen again', () => {
  expect(amountNow(2_000_000, bounds(1_500_050, { exactAmount: null }))).toBe(1_500_000);
  expect(amountNow(2_000_000, bounds(4_550, { exactAmount: null, otherAmount: null }))).toBeUndefined();
  // Below the wallet's new minimum, or no longer whole francs: asked again.
  expect(amountNow(20_000, bounds(1_786_557, { amountMin: 50_000 }))).toBeUndefined();
  expect(amountNow(20_050, bounds(1_786_557))).toBeUndefined();
});

test('what a session keeps of its payment: the choice, the name masked; nothing before the bills', () => {
  const vars = { refClient: '41007', province: 'NK', subscriberName: 'KAHINDO MASIKA', selectedIds: ['306112409'], selectedBalance: 2_431_075, amount: 10_000, provider: 'VODACOM_MPESA_COD' };
  expect(keptPaymentOf(vars)).toEqual({
    refClient: '41007',
    province: 'NK',
    maskedName: 'KAHINDO M.',
    billIds: ['306112409'],
    balanceCentimes: 2_431_075,
    amountCentimes: 10_000,
    provider: 'VODACOM_MPESA_COD',
  });
  expect(keptPaymentOf({ ...vars, amount: null, provider: null })).toMatchObject({ amountCentimes: undefined, provider: undefined });
  expect(keptPaymentOf({ refClient: '41007', province: 'NK' })).toBeUndefined();
  expect(keptPaymentOf({ ...vars, province: 'XX' })).toBeUndefined();
});
