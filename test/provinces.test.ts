import { parseProvince, provinceLocalTime } from '../src/provinces';

describe('provinces', () => {
  it('formats date_payement in the local time of the province', () => {
    const at = new Date('2025-01-29T09:42:58Z');
    expect(provinceLocalTime(at, 'KIN')).toBe('2025-01-29 10:42:58');
    expect(provinceLocalTime(at, 'KC')).toBe('2025-01-29 10:42:58');
    expect(provinceLocalTime(at, 'KAT')).toBe('2025-01-29 11:42:58');
    expect(provinceLocalTime(new Date('2025-12-31T22:30:00Z'), 'NK')).toBe('2026-01-01 00:30:00');
  });

  it('reads codes and names whatever the case and accents', () => {
    expect(parseProvince('nk')).toBe('NK');
    expect(parseProvince('Kasaï Oriental')).toBe('MB');
    expect(parseProvince('kongo-central')).toBe('KC');
    expect(parseProvince('Paris')).toBeUndefined();
  });
});
