import { gsm7Length, isGsm7, nonGsm7Chars, toGsm7 } from '../src/gsm7';

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

  it('folds foreign letters in data we do not control', () => {
    expect(toGsm7('KABONGÔ Hélène “Maître”')).toBe('KABONGO Hélène "Maitre"');
    expect(isGsm7(toGsm7('漢字 ê'))).toBe(true);
  });
});
