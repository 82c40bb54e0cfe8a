import { gsm7Length, isGsm7, SMS_SEGMENT } from '../../src/gsm7';
import { LANGUAGES } from '../../src/language';
import { receiptTexts } from '../../src/payments/sms-texts';
import type { RefusalReason } from '../../src/payments/types';
import { productMessages } from '../support/texts';

/** The texts as the product sends them: from the catalogue in menus/lang. */
const { appliedWithoutReceiptText, notDebitedText, refundedText, refundFailedText, paymentFailedText, paymentRefusedText, receiptText, underReviewText } =
  receiptTexts(productMessages());

/**
 * Worst cases: the largest amounts we format (999 999 999,99 CDF), a num_acquit with the longest
 * operator REGIDESO_OPERATOR allows (20 characters) and a long customer reference, several bills.
 */
const LARGEST = 99_999_999_999;
const LONG_ACQ = `29-01-25${'A'.repeat(20)}-012345678-0dfe8`;
const LONG_REF = '012345678-ABCDE';
/** The longest reference the menu accepts (3 to 20 characters): notices show it whole. */
const LONGEST_REF = '0123456789-ABCDEFGHI';
const OUR_REF = 'RGD-ABCDEF1234';
const REASONS: RefusalReason[] = ['amount_above_balance', 'amount_below_minimum', 'no_unpaid_bill', 'bills_already_paid', 'bills_not_owned', 'client_not_found', 'rejected'];

describe.each(LANGUAGES)('%s', (language) => {
  it('the success receipt holds amount, bill, reference, num_acquit and balance in one GSM-7 segment, worst case', () => {
    const text = receiptText(language, { amountCentimes: LARGEST, refClient: LONG_REF, billNumbers: ['8326224601541', '8326224601542', '8326224601543'], numAcquit: LONG_ACQ, remainingCentimes: LARGEST });
    expect(isGsm7(text)).toBe(true);
    expect(gsm7Length(text)).toBeLessThanOrEqual(SMS_SEGMENT);
    expect(text).toContain('999 999 999,99 CDF');
    expect(text).toContain('8326224601541+2');
    expect(text).toContain(LONG_REF);
    expect(text).toContain(LONG_ACQ);
    expect(text.split('999 999 999,99 CDF')).toHaveLength(3);
  });

  it.each([LONG_REF, LONGEST_REF])('every other notice fits one GSM-7 segment, worst case (reference %s)', (ref) => {
    const facts = { amountCentimes: LARGEST, refClient: ref };
    const texts = [
      appliedWithoutReceiptText(language, { ...facts, reference: OUR_REF }),
      underReviewText(language, { ...facts, reference: OUR_REF }),
      paymentFailedText(language, facts),
      ...REASONS.map((r) => paymentRefusedText(language, r, facts)),
      ...(['insufficient_balance', 'not_approved', 'limit_reached', 'wallet_not_found', 'amount_refused', 'provider_unavailable', 'other'] as const).map((r) => notDebitedText(language, r, facts)),
      refundedText(language, facts),
      refundFailedText(language, { ...facts, reference: OUR_REF }),
    ];
    for (const t of texts) {
      expect({ t, gsm: isGsm7(t) }).toEqual({ t, gsm: true });
      expect(gsm7Length(t)).toBeLessThanOrEqual(SMS_SEGMENT);
      expect(t).toContain('999 999 999,99 CDF');
      expect(t).toContain(ref);
    }
    expect(texts[0]).toContain(OUR_REF);
    expect(texts[1]).toContain(OUR_REF);
  });

  it('an unexpectedly long num_acquit drops the balance, then the bill, never the receipt number', () => {
    const huge = `X${'9'.repeat(99)}`;
    const text = receiptText(language, { amountCentimes: LARGEST, refClient: LONG_REF, billNumbers: ['8326224601541'], numAcquit: huge, remainingCentimes: LARGEST });
    expect(gsm7Length(text)).toBeLessThanOrEqual(SMS_SEGMENT);
    expect(text).toContain(huge);
    expect(text).toContain('999 999 999,99 CDF');
  });
});

it('reads naturally in French with a single bill and no known balance', () => {
  expect(receiptText('fr', { amountCentimes: 1_786_557, refClient: '83262', billNumbers: ['8326224601541'], numAcquit: '29-01-25FINCA-83262-0dfe8', remainingCentimes: undefined })).toBe(
    'REGIDESO: payé 17 865,57 CDF fact 8326224601541 réf 83262 quittance 29-01-25FINCA-83262-0dfe8',
  );
});

it('folds characters from REGIDESO that GSM-7 lacks instead of switching to UCS-2', () => {
  const text = receiptText('fr', { amountCentimes: 10_000, refClient: 'Rêve-1', billNumbers: ['1'], numAcquit: 'ç-1', remainingCentimes: 0 });
  expect(isGsm7(text)).toBe(true);
  expect(text).toContain('Reve-1');
  expect(text).toContain('c-1');
});

it('gives up the balance first, then the bill, then the reference, as the catalogue declares: never amount nor receipt number', () => {
  const facts = (numAcquit: string) => ({ amountCentimes: LARGEST, refClient: LONG_REF, billNumbers: ['8326224601541', '8326224601542', '8326224601543'], numAcquit, remainingCentimes: LARGEST });
  // In French everything fits exactly (160) with the 44-character receipt number; each longer one costs a part.
  const steps: Array<[number, string[], string[]]> = [
    [44, ['fact 8326224601541+2', `réf ${LONG_REF}`, 'reste total'], []],
    [49, ['fact 8326224601541+2', `réf ${LONG_REF}`], ['reste total']],
    [76, [`réf ${LONG_REF}`], ['reste total', 'fact ']],
    [97, [], ['reste total', 'fact ', 'réf ']],
  ];
  for (const [length, kept, dropped] of steps) {
    const acq = LONG_ACQ + 'X'.repeat(length - LONG_ACQ.length);
    const text = receiptText('fr', facts(acq));
    const where = { length, text };
    expect({ ...where, fits: gsm7Length(text) <= SMS_SEGMENT }).toEqual({ ...where, fits: true });
    expect(text.startsWith('REGIDESO: payé 999 999 999,99 CDF ')).toBe(true);
    expect(text).toContain(`quittance ${acq}`);
    for (const k of kept) expect({ ...where, kept: text.includes(k) }).toEqual({ ...where, kept: true });
    for (const d of dropped) expect({ ...where, dropped: !text.includes(d) }).toEqual({ ...where, dropped: true });
  }
});

it('names the refusal and the wallet reason in the notice, in the subscriber language', () => {
  const facts = { amountCentimes: 10_000, refClient: '83262' };
  expect(paymentRefusedText('fr', 'bills_already_paid', facts)).toBe('REGIDESO: paiement de 100 CDF (réf 83262) refusé: factures déjà payées. Aucun montant prélevé.');
  expect(notDebitedText('sw', 'insufficient_balance', facts)).toBe('REGIDESO: malipo ya 100 CDF (ref 83262) hayakufanyika: salio haitoshi. Hakuna pesa iliyotolewa.');
});
