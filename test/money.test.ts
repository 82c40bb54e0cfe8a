import { centimesToCdfText, centimesToDecimal, formatCdf, parseCentimes } from '../src/money';

describe('money', () => {
  it.each([
    ['17865.57', 1786557],
    ['0', 0],
    ['100', 10000],
    ['17765.5', 1776550],
    [' 634206.32 ', 63420632],
    ['-12.30', -1230],
    [17765.57, 1776557],
    [100, 10000],
  ])('parses %p into %p centimes exactly', (input, expected) => {
    expect(parseCentimes(input)).toBe(expected);
  });

  it.each(['', 'abc', '12.3.4', 'NaN', '1e5', '17865.579', '0.001'])('refuses %p', (input) => {
    expect(parseCentimes(input)).toBeUndefined();
  });

  it('refuses a JSON number it cannot hold exactly in centimes', () => {
    expect(parseCentimes(0.1 + 0.2)).toBeUndefined();
  });

  it('reads -0 as zero, not negative zero', () => {
    expect(Object.is(parseCentimes('-0'), 0)).toBe(true);
    expect(Object.is(parseCentimes('-0.00'), 0)).toBe(true);
  });

  it('refuses non-finite numbers', () => {
    expect(parseCentimes(Number.NaN)).toBeUndefined();
    expect(parseCentimes(Number.POSITIVE_INFINITY)).toBeUndefined();
  });

  it('formats for people in French style', () => {
    expect(formatCdf(1786557)).toBe('17 865,57 CDF');
    expect(formatCdf(10000)).toBe('100 CDF');
    expect(formatCdf(63420632)).toBe('634 206,32 CDF');
    expect(formatCdf(5)).toBe('0,05 CDF');
    expect(formatCdf(123456789012)).toBe('1 234 567 890,12 CDF');
  });

  it.each([
    [1786557, '17865.57'],
    [10000, '100.00'],
    [5, '0.05'],
    [0, '0.00'],
    [-1230, '-12.30'],
    [Number.MAX_SAFE_INTEGER, '90071992547409.91'],
  ])('writes %p centimes as %p francs with two decimals (the CSV), exactly', (c, text) => {
    expect(centimesToCdfText(c)).toBe(text);
    expect(parseCentimes(text)).toBe(c);
  });

  it('writes decimals for REGIDESO', () => {
    expect(centimesToDecimal(10000)).toBe('100');
    expect(centimesToDecimal(1786557)).toBe('17865.57');
    expect(centimesToDecimal(1786550)).toBe('17865.50');
  });
});
