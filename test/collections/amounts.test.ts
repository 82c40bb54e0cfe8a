import { amountString, decimalsOf, exactAmountString, parseApiAmount } from '../../src/collections/amounts';

describe('amountString', () => {
  it('writes whole francs without decimals, whatever the provider takes', () => {
    expect(amountString(150_000, 0)).toBe('1500');
    expect(amountString(150_000, 2)).toBe('1500');
    expect(amountString(100, 0)).toBe('1');
  });

  it('writes centimes with two digits for a provider taking decimals', () => {
    expect(amountString(1_786_557, 2)).toBe('17865.57');
    expect(amountString(1_786_550, 2)).toBe('17865.50');
    expect(amountString(1_786_505, 2)).toBe('17865.05');
    expect(amountString(1, 2)).toBe('0.01');
    expect(amountString(50, 2)).toBe('0.50');
  });

  it('refuses centimes for a provider taking none: money is never rounded', () => {
    expect(amountString(1_786_557, 0)).toBeUndefined();
    expect(amountString(150_001, 0)).toBeUndefined();
    expect(amountString(99, 0)).toBeUndefined();
  });

  it('refuses what is not a positive whole number of centimes', () => {
    expect(amountString(0, 2)).toBeUndefined();
    expect(amountString(-100, 2)).toBeUndefined();
    expect(amountString(100.5, 2)).toBeUndefined();
    expect(amountString(Number.NaN, 2)).toBeUndefined();
    expect(amountString(Number.POSITIVE_INFINITY, 0)).toBeUndefined();
    expect(amountString(Number.MAX_SAFE_INTEGER + 1, 0)).toBeUndefined();
  });

  it('writes the largest safe amount exactly, within pawaPay\'s 23 characters', () => {
    expect(amountString(Number.MAX_SAFE_INTEGER, 2)).toBe('90071992547409.91');
  });

  it('exactAmountString picks the shortest exact form', () => {
    expect(exactAmountString(150_000)).toBe('1500');
    expect(exactAmountString(150_050)).toBe('1500.50');
    expect(exactAmountString(0)).toBeUndefined();
  });
});

describe('parseApiAmount', () => {
  it.each([
    ['5', 500],
    ['5.0', 500],
    ['5.00', 500],
    ['5.5', 550],
    ['5.55', 555],
    ['5555555', 555_555_500],
    ['0.5', 50],
    ['123.00', 12_300],
  ])('reads pawaPay\'s valid example %s', (text, centimes) => {
    expect(parseApiAmount(text)).toBe(centimes);
  });

  it.each(['5.', '5.555', '.5', '-5.5', '00.5', '00.00', '00001.32', '', '1e3', ' 5', '5,5', '5555555555555555555555555'])('refuses pawaPay\'s invalid example "%s"', (text) => {
    expect(parseApiAmount(text)).toBeUndefined();
  });

  it('reads back what amountString writes', () => {
    for (const c of [1, 50, 100, 1_786_557, 99_999_999]) expect(parseApiAmount(exactAmountString(c) ?? '')).toBe(c);
  });

  it('counts decimals', () => {
    expect(decimalsOf('100')).toBe(0);
    expect(decimalsOf('100.5')).toBe(1);
    expect(decimalsOf('100.50')).toBe(2);
  });
});
