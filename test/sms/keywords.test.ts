import { gsm7Length, isGsm7, SMS_TWO_SEGMENTS } from '../../src/gsm7';
import { keywordTexts } from '../../src/sms/keyword-texts';
import { parseSms } from '../../src/sms/keywords';
import { receiptNumberCandidates } from '../../src/sms/commands/receipt';
import { fitSms } from '../../src/texts/catalogue';
import { renderTemplate } from '../../src/texts/template';
import { productMessages } from '../support/texts';

/** The replies as the product sends them: from the catalogue in menus/lang. */
const texts = keywordTexts(productMessages());

describe('parseSms', () => {
  it.each([
    ['RECU 29-01-25FINCA-83262-0dfe8', 'fr'],
    ['reçu 29-01-25FINCA-83262-0dfe8', 'fr'],
    ['REÇU 29-01-25FINCA-83262-0dfe8', 'fr'],
    ['  Receipt   29-01-25FINCA-83262-0dfe8 ', 'en'],
  ])('%s is a receipt check in %s, the number keeping its case', (text, language) => {
    expect(parseSms(text)).toEqual({ command: 'receipt', language, numAcquit: '29-01-25FINCA-83262-0dfe8', province: undefined });
  });

  it.each([
    ['Reçu. 28-11-26SANDBOX-83262-cd0bf', 'receipt', '28-11-26SANDBOX-83262-cd0bf'],
    ['RECU: 28-11-26SANDBOX-83262-cd0bf', 'receipt', '28-11-26SANDBOX-83262-cd0bf'],
    ['Recu,28-11-26SANDBOX-83262-cd0bf', 'receipt', '28-11-26SANDBOX-83262-cd0bf'],
    ['RECU28-11-26SANDBOX-83262-cd0bf', 'receipt', '28-11-26SANDBOX-83262-cd0bf'],
    ['reçu28-11-26sandbox-83262-cd0bf.', 'receipt', '28-11-26sandbox-83262-cd0bf'],
    ['FACTURE83262', 'bill', '83262'],
    ['Facture. 83262', 'bill', '83262'],
    ['FACTURE 83262.', 'bill', '83262'],
  ])('%s: punctuation after the keyword, or an argument glued to it when it starts with a digit', (text, command, arg) => {
    const parsed = parseSms(text);
    expect(parsed).toMatchObject({ command, language: 'fr', province: undefined });
    expect(parsed.command === 'receipt' ? parsed.numAcquit : parsed.command === 'bill' ? parsed.refClient : undefined).toBe(arg);
  });

  it('a glued argument keeps its province, and a keyword glued to letters is another word', () => {
    expect(parseSms('FACTURE83262 KC')).toEqual({ command: 'bill', language: 'fr', refClient: '83262', province: 'KC' });
    expect(parseSms('BILL83262 kongo central.')).toEqual({ command: 'bill', language: 'en', refClient: '83262', province: 'KC' });
    expect(parseSms('RECUX 83262')).toEqual({ command: 'help', language: 'fr', understood: false });
    expect(parseSms('Recu.')).toEqual({ command: 'recent_receipts', language: 'fr' });
    expect(parseSms('AIDE!')).toEqual({ command: 'help', language: 'fr', understood: true });
  });

  it('reads a province given as a code or a name, any case or accents', () => {
    expect(parseSms('RECU 12-AB nk')).toMatchObject({ command: 'receipt', province: 'NK' });
    expect(parseSms('facture 70315 kongo central')).toEqual({ command: 'bill', language: 'fr', refClient: '70315', province: 'KC' });
    expect(parseSms('BILL 83262 Kasaï oriental')).toEqual({ command: 'bill', language: 'en', refClient: '83262', province: 'MB' });
  });

  it('names an unknown province instead of guessing one', () => {
    expect(parseSms('FACTURE 83262 XYZ')).toEqual({ command: 'unknown_province', language: 'fr', keyword: 'bill', given: 'XYZ' });
  });

  it('RECU or RECEIPT alone asks for the last payments', () => {
    expect(parseSms('recu')).toEqual({ command: 'recent_receipts', language: 'fr' });
    expect(parseSms('RECEIPT')).toEqual({ command: 'recent_receipts', language: 'en' });
  });

  it('FACTURE without a reference, or with an unusable one, gets its usage', () => {
    expect(parseSms('FACTURE')).toEqual({ command: 'usage', language: 'fr', keyword: 'bill' });
    expect(parseSms('BILL <script>')).toEqual({ command: 'usage', language: 'en', keyword: 'bill' });
  });

  it('AIDE, HELP and anything else are help; the unknown in French', () => {
    expect(parseSms('Aide')).toEqual({ command: 'help', language: 'fr', understood: true });
    expect(parseSms('help')).toEqual({ command: 'help', language: 'en', understood: true });
    expect(parseSms('bonjour, ma facture?')).toEqual({ command: 'help', language: 'fr', understood: false });
    expect(parseSms('')).toEqual({ command: 'help', language: 'fr', understood: false });
  });
});

describe('receiptNumberCandidates', () => {
  it('tries the number as typed, then in REGIDESO\'s shape: DD-MM-YY, operator in capitals, lower-case hex', () => {
    expect(receiptNumberCandidates('28-11-26sandbox-83262-cd0bf')).toEqual(['28-11-26sandbox-83262-cd0bf', '28-11-26SANDBOX-83262-cd0bf']);
    expect(receiptNumberCandidates('28-11-26SANDBOX-83262-CD0BF')).toEqual(['28-11-26SANDBOX-83262-CD0BF', '28-11-26SANDBOX-83262-cd0bf']);
    expect(receiptNumberCandidates('29-01-25finca-01234-x-0dfe8')).toEqual(['29-01-25finca-01234-x-0dfe8', '29-01-25FINCA-01234-X-0dfe8']);
  });

  it('a number already in shape, or of no known shape, is tried once; our own references in capitals', () => {
    expect(receiptNumberCandidates('28-11-26SANDBOX-83262-cd0bf')).toEqual(['28-11-26SANDBOX-83262-cd0bf']);
    expect(receiptNumberCandidates('NOPE-1')).toEqual(['NOPE-1']);
    expect(receiptNumberCandidates('rgd-0a1b2c3d4e')).toEqual(['rgd-0a1b2c3d4e', 'RGD-0A1B2C3D4E']);
    expect(receiptNumberCandidates('RGD-0A1B2C3D4E')).toEqual(['RGD-0A1B2C3D4E']);
  });
});

describe('keyword texts', () => {
  const longName = 'NGALULA-MBUYAMBA KABEYA TSHIMANGA WA MUTOMBO ÊÂÎÔÛçëï “quoted”';
  const all = (lang: 'fr' | 'en') => [
    texts.help(lang),
    texts.usage('receipt', lang),
    texts.usage('bill', lang),
    texts.unavailable(lang),
    texts.unknownProvince('Kasaï ôriental très loin', 'bill', lang),
    texts.receiptNotFound('29-01-25FINCA-83262-0dfe8-and-much-longer-than-usual', 'KIN', false, lang),
    texts.receiptNotFound('29-01-25FINCA-83262-0dfe8-and-much-longer-than-usual', 'KAN', true, lang),
    texts.unknownProvince('Kasaï ôriental très loin', 'receipt', lang),
    texts.clientNotFound('01234-X', 'KIN', lang),
    texts.clientNotFound('01234-X-AND-A-MUCH-LONGER-REFERENCE-THAN-USUAL-00', 'KC', lang),
    texts.recentReceipts(
      [{ numAcquit: '29-01-25VERYLONGOPERATOR-83261-0dfe8', refClient: '83262', amountCentimes: 1_234_567_89, at: '2025-01-29 10:42:58', status: 'checking' }],
      lang,
    ),
    texts.receiptFound(
      {
        numAcquit: '29-01-25FINCA-83262-0dfe8',
        status: 'succès',
        amountCentimes: 99_999_999_99,
        paidAt: '2025-01-29 10:42:58',
        subscriberName: longName,
        refClient: '01234-X',
      },
      lang,
    ),
    texts.billSummary(
      {
        refClient: '91844',
        province: 'KAN',
        subscriberName: longName,
        unpaidCount: 148,
        totalCentimes: 123_456_789_012,
        oldest: { issuedOn: '2019-01-31', balanceCentimes: 98_765_432_10 },
      },
      lang,
    ),
    texts.recentReceipts(
      [1, 2, 3].map((i) => ({
        numAcquit: `29-01-25VERYLONGOPERATOR-8326${i}-0dfe8`,
        refClient: '83262',
        amountCentimes: 1_234_567_89,
        at: '2025-01-29 10:42:58',
        status: 'checking' as const,
      })),
      lang,
    ),
    texts.receiptOwnReference({ reference: 'RGD-20250129-ABCDEF', amountCentimes: 10_000, at: '2025-01-29 10:42:58', refClient: '83262' }, lang),
  ];

  it.each(['fr', 'en'] as const)('every %s reply is GSM-7 and fits two segments, even with odd data', (lang) => {
    for (const t of all(lang)) {
      expect({ t, gsm7: isGsm7(t) }).toEqual({ t, gsm7: true });
      expect(gsm7Length(t)).toBeLessThanOrEqual(SMS_TWO_SEGMENTS);
    }
  });

  it('help names every keyword of its language', () => {
    expect(texts.help('fr')).toEqual(expect.stringContaining('RECU'));
    expect(texts.help('fr')).toEqual(expect.stringContaining('FACTURE'));
    expect(texts.help('fr')).toEqual(expect.stringContaining('AIDE'));
    expect(texts.help('en')).toEqual(expect.stringContaining('RECEIPT'));
    expect(texts.help('en')).toEqual(expect.stringContaining('BILL'));
    expect(texts.help('en')).toEqual(expect.stringContaining('HELP'));
  });

  it('"not found" in a province that was tried never suggests that same province', () => {
    const fr = texts.clientNotFound('99999', 'KC', 'fr');
    expect(fr).toContain('introuvable en KC');
    expect(fr).toContain('Autre province? FACTURE 99999 <province> (KIN KAT NK SK MB KAN)');
    expect(fr).not.toMatch(/FACTURE 99999 KC/);
    const en = texts.clientNotFound('99999', 'KIN', 'en');
    expect(en).toContain('Other province? BILL 99999 <province> (KC KAT NK SK MB KAN)');
  });

  it('a receipt not found where the province was given does not ask to add it', () => {
    const given = texts.receiptNotFound('NOPE-1', 'KC', true, 'fr');
    expect(given).toBe('REGIDESO: aucun paiement trouvé pour le REÇU NOPE-1 en KC. Vérifiez le numéro et la province.');
    expect(texts.receiptNotFound('NOPE-1', 'KC', true, 'en')).not.toMatch(/add the province/);
    const guessed = texts.receiptNotFound('NOPE-1', 'KIN', false, 'fr');
    expect(guessed).toContain('ajoutez la province: RECU NOPE-1 <province> (KC KAT NK SK MB KAN)');
  });

  it('the RECU example of an unknown province shows a receipt number, not a customer reference', () => {
    expect(texts.unknownProvince('Mars', 'receipt', 'fr')).toContain('Exemple: RECU 29-01-25FINCA-83262-0dfe8 KIN');
    expect(texts.unknownProvince('Mars', 'receipt', 'en')).toContain('Example: RECEIPT 29-01-25FINCA-83262-0dfe8 KIN');
    expect(texts.unknownProvince('Mars', 'bill', 'fr')).toContain('Exemple: FACTURE 83262 KIN');
  });

  it('one recent payment is named in the singular', () => {
    const one = [{ numAcquit: 'A-1', refClient: '83262', amountCentimes: 10_000, at: '2025-01-29 10:42:58', status: 'succeeded' as const }];
    expect(texts.recentReceipts(one, 'fr').split('\n')[0]).toBe('REGIDESO, votre dernier paiement:');
    expect(texts.recentReceipts(one, 'en').split('\n')[0]).toBe('REGIDESO, your last payment:');
    expect(texts.recentReceipts([...one, ...one], 'fr').split('\n')[0]).toBe('REGIDESO, vos 2 derniers paiements:');
    expect(texts.recentReceipts([...one, ...one], 'en').split('\n')[0]).toBe('REGIDESO, your last 2 payments:');
  });

  it('formats dates for people, dropping a midnight time (the datetime filters the texts use)', () => {
    const fill = (text: string, at: string) => renderTemplate(text, { at }, () => undefined);
    expect(fill('{at|datetime}', '2025-01-29 00:00:00')).toBe('29/01/2025');
    expect(fill('{at|datetime}', '2025-01-29 10:42:58')).toBe('29/01/2025 10:42');
    expect(fill('{at|isodatetime}', '2025-01-29 10:42:58')).toBe('2025-01-29 10:42');
    expect(texts.receiptOwnReference({ reference: 'RGD-1', amountCentimes: 10_000, at: '2025-01-29 10:42:58', refClient: '83262' }, 'fr')).toContain('le 29/01/2025 10:42,');
    expect(texts.receiptOwnReference({ reference: 'RGD-1', amountCentimes: 10_000, at: '2025-01-29 00:00:00', refClient: '83262' }, 'en')).toContain('on 2025-01-29,');
  });

  it('the last payments: when three do not fit two segments, the older make way whole and the head says how many', () => {
    const views = [1, 2, 3].map((i) => ({
      numAcquit: `29-01-25${'OPERATOR'.repeat(5)}-8326${i}-0dfe8`,
      refClient: '83262',
      amountCentimes: 99_999_999_999,
      at: '2025-01-29 10:42:58',
      status: 'checking' as const,
    }));
    const reply = texts.recentReceipts(views, 'fr');
    const lines = reply.split('\n');
    expect(lines[0]).toBe('REGIDESO, vos 2 derniers paiements:');
    expect(lines).toHaveLength(3);
    for (const line of lines.slice(1)) expect(line.endsWith('999 999 999,99 CDF 29/01/2025 10:42 en vérification')).toBe(true);
    expect(gsm7Length(reply)).toBeLessThanOrEqual(SMS_TWO_SEGMENTS);
    expect(reply).not.toContain('...');
  });

  it('data is cut by GSM-7 septets, an extension character counting two', () => {
    const name = '€'.repeat(40);
    const reply = texts.noUnpaidBill({ refClient: '83262', province: 'KIN', subscriberName: name }, 'fr');
    // 30 septets for a name: fifteen euro signs.
    expect(reply).toBe(`REGIDESO 83262 (KIN) ${'€'.repeat(15)}: aucune facture impayée. Merci.`);
  });

  it('fitSms cuts a text that would need three segments', () => {
    const out = fitSms('x'.repeat(400));
    expect(gsm7Length(out)).toBe(SMS_TWO_SEGMENTS);
    expect(out.endsWith('...')).toBe(true);
  });
});
