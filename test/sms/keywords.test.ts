import { gsm7Length, isGsm7, SMS_TWO_SEGMENTS } from '../../src/gsm7';
import * as texts from '../../src/sms/keyword-texts';
import { parseSms } from '../../src/sms/keywords';

describe('parseSms', () => {
  it.each([
    ['RECU 29-01-25FINCA-83262-0dfe8', 'fr'],
    ['reçu 29-01-25FINCA-83262-0dfe8', 'fr'],
    ['REÇU 29-01-25FINCA-83262-0dfe8', 'fr'],
    ['  Receipt   29-01-25FINCA-83262-0dfe8 ', 'en'],
  ])('%s is a receipt check in %s, the number keeping its case', (text, language) => {
    expect(parseSms(text)).toEqual({ command: 'receipt', language, numAcquit: '29-01-25FINCA-83262-0dfe8', province: undefined });
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

describe('keyword texts', () => {
  const longName = 'NGALULA-MBUYAMBA KABEYA TSHIMANGA WA MUTOMBO ÊÂÎÔÛçëï “quoted”';
  const all = (lang: 'fr' | 'en') => [
    texts.help(lang),
    texts.usage('receipt', lang),
    texts.usage('bill', lang),
    texts.unavailable(lang),
    texts.unknownProvince('Kasaï ôriental très loin', 'bill', lang),
    texts.receiptNotFound('29-01-25FINCA-83262-0dfe8-and-much-longer-than-usual', lang),
    texts.clientNotFound('01234-X', 'KIN', lang),
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

  it('formats dates for people, dropping a midnight time', () => {
    expect(texts.formatDate('2025-01-29 00:00:00', 'fr')).toBe('29/01/2025');
    expect(texts.formatDate('2025-01-29 10:42:58', 'fr')).toBe('29/01/2025 10:42');
    expect(texts.formatDate('2025-01-29 10:42:58', 'en')).toBe('2025-01-29 10:42');
  });

  it('fitSms cuts a text that would need three segments', () => {
    const out = texts.fitSms('x'.repeat(400));
    expect(gsm7Length(out)).toBe(SMS_TWO_SEGMENTS);
    expect(out.endsWith('...')).toBe(true);
  });
});
