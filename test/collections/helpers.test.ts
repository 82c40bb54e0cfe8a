import { customerMessageFor, isValidCustomerMessage } from '../../src/collections/customer-message';
import { depositFailureKind } from '../../src/collections/failure-codes';
import { FALLBACK_PROVIDER_RULES } from '../../src/collections/fallback-rules';
import { e164FromMsisdn, msisdnFromE164 } from '../../src/collections/msisdn';
import { providerFromPrefix } from '../../src/collections/prefixes';
import { isProvider, PROVIDERS } from '../../src/collections/types';

describe('customerMessageFor', () => {
  it('names the bill being paid', () => {
    expect(customerMessageFor('83262')).toBe('REGIDESO 83262');
  });

  it('drops characters pawaPay refuses and keeps the message within 22 characters', () => {
    expect(customerMessageFor(' 83-262/é ')).toBe('REGIDESO 83262E');
    const long = customerMessageFor('1234567890123456789');
    expect(long).toBe('REGIDESO 7890123456789');
    expect(long).toHaveLength(22);
  });

  it('still gives a valid message for a reference with nothing usable', () => {
    expect(customerMessageFor('---')).toBe('REGIDESO');
    expect(customerMessageFor('')).toBe('REGIDESO');
  });

  it('always gives what pawaPay accepts', () => {
    for (const ref of ['83262', 'a', 'ÉÈÀ 1', '!!!!', '1'.repeat(40), 'x y z']) expect(isValidCustomerMessage(customerMessageFor(ref))).toBe(true);
  });

  it('knows what pawaPay refuses', () => {
    expect(isValidCustomerMessage('abc')).toBe(false);
    expect(isValidCustomerMessage('    ')).toBe(false);
    expect(isValidCustomerMessage('REGIDESO-83262')).toBe(false);
    expect(isValidCustomerMessage('x'.repeat(23))).toBe(false);
  });
});

describe('MSISDN', () => {
  it('is E.164 without the plus, both ways', () => {
    expect(msisdnFromE164('+243812345990')).toBe('243812345990');
    expect(e164FromMsisdn('243812345990')).toBe('+243812345990');
  });

  it('refuses anything else', () => {
    expect(msisdnFromE164('243812345990')).toBeUndefined();
    expect(msisdnFromE164('+0812345990')).toBeUndefined();
    expect(msisdnFromE164('+243 812 345 990')).toBeUndefined();
    expect(e164FromMsisdn('+243812345990')).toBeUndefined();
    expect(e164FromMsisdn('0812345990')).toBeUndefined();
  });
});

describe('DRC prefix table', () => {
  it.each([
    ['+243812345990', 'VODACOM_MPESA_COD'],
    ['+243822345990', 'VODACOM_MPESA_COD'],
    ['+243832345990', 'VODACOM_MPESA_COD'],
    ['+243972345990', 'AIRTEL_COD'],
    ['+243982345990', 'AIRTEL_COD'],
    ['+243992345990', 'AIRTEL_COD'],
    ['+243842345990', 'ORANGE_COD'],
    ['+243852345990', 'ORANGE_COD'],
    ['+243892345990', 'ORANGE_COD'],
  ])('%s → %s', (phone, provider) => {
    expect(providerFromPrefix(phone)).toBe(provider);
  });

  it.each(['+243902345990', '+243802345990', '+25078123456', '+24381234599', '+2438123459900', '0812345990'])('cannot tell %s', (phone) => {
    expect(providerFromPrefix(phone)).toBeUndefined();
  });
});

describe('failure kinds', () => {
  it('groups pawaPay\'s codes by what the subscriber is told', () => {
    expect(depositFailureKind('INSUFFICIENT_BALANCE')).toBe('insufficient_balance');
    expect(depositFailureKind('PAYMENT_NOT_APPROVED')).toBe('not_approved');
    expect(depositFailureKind('WALLET_LIMIT_REACHED')).toBe('limit_reached');
    expect(depositFailureKind('PAYER_LIMIT_REACHED')).toBe('limit_reached');
    expect(depositFailureKind('PAYER_NOT_FOUND')).toBe('wallet_not_found');
    expect(depositFailureKind('INVALID_PHONE_NUMBER')).toBe('wallet_not_found');
    expect(depositFailureKind('AMOUNT_OUT_OF_BOUNDS')).toBe('amount_refused');
    expect(depositFailureKind('UNSPECIFIED_FAILURE')).toBe('other');
    expect(depositFailureKind('SOMETHING_NEW')).toBe('other');
  });
});

describe('providers and fallback rules', () => {
  it('knows the three DRC providers', () => {
    expect(PROVIDERS).toEqual(['VODACOM_MPESA_COD', 'AIRTEL_COD', 'ORANGE_COD']);
    expect(isProvider('AIRTEL_COD')).toBe(true);
    expect(isProvider('MTN_MOMO_ZMB')).toBe(false);
  });

  it('falls back to whole francs for every provider', () => {
    expect(FALLBACK_PROVIDER_RULES.map((r) => r.provider)).toEqual([...PROVIDERS]);
    for (const r of FALLBACK_PROVIDER_RULES) {
      expect(r.decimals).toBe(0);
      expect(r.minCentimes % 100).toBe(0);
      expect(r.minCentimes).toBeLessThan(r.maxCentimes);
    }
  });
});
