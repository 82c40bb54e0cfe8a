import { amountBounds, amountCheck, amountVars } from '../../src/ussd/actions/amount';

const vars = { selectedBalance: 2_431_075 }; // 24 310,75 CDF
const check = (input: string, min = 10_000) => amountCheck.run(input, vars, min);

test('digits are compared as text: any length, any number of leading zeros', () => {
  expect(check('5000')).toEqual({ ok: true, value: 500_000 });
  expect(check('00100')).toEqual({ ok: true, value: 10_000 });
  expect(check('0000000000000100')).toEqual({ ok: true, value: 10_000 });
  expect(check('24310')).toEqual({ ok: true, value: 2_431_000 });
  expect(check('24311')).toEqual({ ok: false, error: 'above_balance' });
  expect(check('1000000000000')).toEqual({ ok: false, error: 'above_balance' });
  expect(check('9'.repeat(40))).toEqual({ ok: false, error: 'above_balance' });
  expect(check('0'.repeat(20))).toEqual({ ok: false, error: 'zero' });
  expect(check('00099')).toEqual({ ok: false, error: 'below_min' });
  expect(check('12,5')).toEqual({ ok: false, error: 'not_number' });
  expect(check('')).toEqual({ ok: false, error: 'not_number' });
});

test('a typed amount is possible only when the smallest one fits the balance', () => {
  const typed = (balance: number, min: number) => amountBounds(balance, min).typed;
  expect(typed(4_550, 10_000)).toBe(false);
  expect(typed(9_999, 10_000)).toBe(false);
  expect(typed(10_000, 10_000)).toBe(true);
  expect(typed(10_080, 10_050)).toBe(false); // minimum 100,50 CDF: 101 CDF is the least typeable
  expect(typed(10_100, 10_050)).toBe(true);
  // Without a wallet the exact balance is always offered, a small leftover included.
  expect(amountBounds(4_550, 10_000).exact).toBe(true);
});

describe("a wallet's limits bound the amount screen", () => {
  const orange = { decimals: 0 as const, minCentimes: 50_000, maxCentimes: 150_000_000 };
  const mpesa = { decimals: 2 as const, minCentimes: 10_000, maxCentimes: 250_000_000 };

  it('a wallet that takes no centimes: the exact balance 17 865,57 is not offered; whole francs up to it are', () => {
    expect(amountBounds(1_786_557, 10_000, orange)).toEqual({ min: 50_000, max: 1_786_500, typed: true, exact: false });
    expect(amountBounds(1_786_557, 10_000, mpesa)).toEqual({ min: 10_000, max: 1_786_500, typed: true, exact: true });
  });

  it("the wallet's minimum raises the least typed amount, its maximum caps the most", () => {
    const b = amountBounds(300_000_000, 10_000, orange);
    expect(b).toEqual({ min: 50_000, max: 150_000_000, typed: true, exact: false });
    const v = { selectedBalance: 300_000_000, ...amountVars(b) };
    expect(amountCheck.run('499', v, 10_000)).toEqual({ ok: false, error: 'below_min' });
    expect(amountCheck.run('500', v, 10_000)).toEqual({ ok: true, value: 50_000 });
    expect(amountCheck.run('1500000', v, 10_000)).toEqual({ ok: true, value: 150_000_000 });
    expect(amountCheck.run('1500001', v, 10_000)).toEqual({ ok: false, error: 'above_balance' });
  });

  it('a balance under the wallet minimum can be paid neither way', () => {
    expect(amountBounds(45_000, 10_000, orange)).toEqual({ min: 50_000, max: 45_000, typed: false, exact: false });
    expect(amountVars(amountBounds(45_000, 10_000, orange))).toMatchObject({ otherAmount: null, exactAmount: null });
  });
});
