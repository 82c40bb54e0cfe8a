import { amountCheck, canTypeAmount } from '../../src/ussd/actions/amount';

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
  expect(canTypeAmount(4_550, 10_000)).toBe(false);
  expect(canTypeAmount(9_999, 10_000)).toBe(false);
  expect(canTypeAmount(10_000, 10_000)).toBe(true);
  expect(canTypeAmount(10_080, 10_050)).toBe(false); // minimum 100,50 CDF: 101 CDF is the least typeable
  expect(canTypeAmount(10_100, 10_050)).toBe(true);
});
