import { maskHolderName, maskReference } from '../../src/privacy/masking';

describe('maskHolderName: the first word whole, the others as initials', () => {
  it.each([
    ['KAHINDO MUMBERE', 'KAHINDO M.'],
    ['MUKEBA MUKEBA ', 'MUKEBA M.'],
    ['NGALULA-MBUYAMBA KABEYA TSHIMANGA WA MUTOMBO', 'NGALULA-MBUYAMBA K. T. W. M.'],
    ['KAHINDO MUMBERE-KASEREKA', 'KAHINDO M.-K.'],
    ['  KAHINDO \t  MASIKA  ', 'KAHINDO M.'],
    ["N'SIMBA ZOLA", "N'SIMBA Z."],
    ['Mbuyi kalala', 'Mbuyi k.'],
    ['ÉLISÉE ÉKANGA', 'ÉLISÉE É.'],
    ['KABILA (EX) SARL', 'KABILA E. S.'],
  ])('%j → %j', (name, masked) => {
    expect(maskHolderName(name)).toBe(masked);
  });

  it('a one-word name is its initial: shown whole it would be the whole name', () => {
    expect(maskHolderName('MUKEBA')).toBe('M.');
    expect(maskHolderName('MUMBERE-KASEREKA')).toBe('M.-K.');
  });

  it('words without a letter or digit are left out; an empty name stays empty', () => {
    expect(maskHolderName('KAHINDO - & MASIKA')).toBe('KAHINDO M.');
    expect(maskHolderName('')).toBe('');
    expect(maskHolderName('   ')).toBe('');
  });

  it('masking a masked name changes nothing', () => {
    for (const name of ['KAHINDO MUMBERE', 'MUKEBA', 'A-B C-D E', 'NGALULA-MBUYAMBA KABEYA TSHIMANGA']) {
      const once = maskHolderName(name);
      expect(maskHolderName(once)).toBe(once);
    }
  });
});

describe('maskReference: two first characters, three stars, the last one', () => {
  it.each([
    ['83262', '83***2'],
    ['0123456789', '01***9'],
    ['AB-12-CD', 'AB***D'],
    [' 41007 ', '41***7'],
    ['4107', '4***'],
    ['123', '1***'],
    ['', ''],
  ])('%j → %j', (ref, masked) => {
    expect(maskReference(ref)).toBe(masked);
  });

  it('does not show the length: five and fifteen characters take the same room', () => {
    expect(maskReference('12345')).toHaveLength(maskReference('123456789012345').length);
  });
});
