import { fitGsm7, gsm7Length, isGsm7, nonGsm7Chars, toGsm7 } from '../src/gsm7';

describe('GSM-7', () => {
  it('accepts French that fits the alphabet', () => {
    expect(isGsm7('Vérifier un paiement: succès à 17 865,57 CDF. Reçu?')).toBe(false); // ç is not GSM-7
    expect(isGsm7('Vérifier un paiement: succès à 17 865,57 CDF. Recu?')).toBe(true);
  });

  it('names the characters that would switch a message to UCS-2', () => {
    expect(nonGsm7Chars('Fenêtre où « ça »')).toEqual(['ê', '«', 'ç', '»']);
  });

  it('counts extension characters twice', () => {
    expect(gsm7Length('a€[b]')).toBe(8);
  });

  it('counts every other character once, a character beyond 16 bits (two UTF-16 units) and a lone half too', () => {
    for (const ext of '^{}\\[~]|€\f') expect(gsm7Length(`x${ext}`)).toBe(3);
    expect(gsm7Length('Entrez votre référence:\n1. Kinshasa')).toBe(35);
    expect(gsm7Length('漢字 ê Ω')).toBe(6);
    expect(gsm7Length('😀a😀')).toBe(3);
    expect(gsm7Length('\ud83d\ud83d\ude00\ude00x')).toBe(4);
    expect(gsm7Length('')).toBe(0);
  });

  it('folds foreign letters in data we do not control', () => {
    expect(toGsm7('KABONGÔ Hélène “Maître”')).toBe('KABONGO Hélène "Maitre"');
    expect(isGsm7(toGsm7('漢字 ê'))).toBe(true);
  });

  it('keeps ASCII in the alphabet as it is, and replaces ASCII outside it (backtick, tab, other controls)', () => {
    let printable = '';
    for (let c = 0x20; c < 0x7f; c++) printable += String.fromCharCode(c);
    expect(toGsm7(printable)).toBe(printable.replace('`', '?'));
    expect(toGsm7('a\nb\rc\fd')).toBe('a\nb\rc\fd');
    expect(toGsm7('a\tb\u0000c\u007f')).toBe('a?b?c?');
  });

  it('cuts to a number of septets, an extension character counting two, and leaves what fits whole', () => {
    expect(fitGsm7('MUKEBA', 6)).toBe('MUKEBA');
    expect(fitGsm7('MUKEBA', 4)).toBe('MUKE');
    expect(fitGsm7('ab[cd', 3)).toBe('ab');
    expect(fitGsm7('ab[cd', 4)).toBe('ab[');
    expect(fitGsm7('😀a😀', 2)).toBe('😀a');
  });
});
