import { maskName } from '../../src/privacy/mask-name';

test('the first word whole, every other word its initial', () => {
  expect(maskName('KAHINDO MASIKA')).toBe('KAHINDO M.');
  expect(maskName('  MUKEBA   MUKEBA\nJEAN-PIERRE ')).toBe('MUKEBA M. J.');
  expect(maskName('MBUYI')).toBe('MBUYI');
  expect(maskName('ilunga éric')).toBe('ilunga É.');
  expect(maskName('   ')).toBe('');
});
