import { normaliseDate, toDayFirst } from '../../src/regideso/dates';

describe('normaliseDate', () => {
  it.each([
    ['2024-03-31 00:00:00', '2024-03-31'],
    ['31-03-2024', '2024-03-31'],
    ['2024-03-31', '2024-03-31'],
    [' 2024-02-29T10:00:00Z ', '2024-02-29'],
    ['29/02/2024', '2024-02-29'],
  ])('reads %p as %p', (input, expected) => {
    expect(normaliseDate(input)).toBe(expected);
  });

  it.each(['2023-02-29', '31-04-2024', '2024-13-01', '2024-3-31', 'hier', ''])('refuses %p', (input) => {
    expect(normaliseDate(input)).toBeUndefined();
  });

  it('writes the day-first shape PayFact answers with', () => {
    expect(toDayFirst('2024-03-31')).toBe('31-03-2024');
  });
});
