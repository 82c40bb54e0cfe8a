import { refusalOf } from '../../src/payments/rules';
import type { PaymentRequest } from '../../src/payments/types';

const MIN = 10_000;

function req(amountCentimes: number, balances: number[]): PaymentRequest {
  return {
    sessionId: 's1',
    sessionNonce: 'n1',
    phoneNumber: '+243812345990',
    language: 'fr',
    refClient: '83262',
    province: 'KIN',
    subscriberName: 'MUKEBA MUKEBA',
    bills: balances.map((b, i) => ({ faeId: `f${i}`, billNumber: `n${i}`, issuedOn: '2024-03-31', balanceCentimes: b })),
    amountCentimes,
  };
}

describe('refusalOf', () => {
  it('accepts an amount between the minimum and the selected balance', () => {
    expect(refusalOf(req(10_000, [1_786_557]), MIN)).toBeUndefined();
    expect(refusalOf(req(1_786_557, [1_786_557]), MIN)).toBeUndefined();
    expect(refusalOf(req(2_000_000, [1_786_557, 500_000]), MIN)).toBeUndefined();
  });

  it('refuses zero, negative and non-integer amounts', () => {
    expect(refusalOf(req(0, [1_786_557]), MIN)?.reason).toBe('amount_below_minimum');
    expect(refusalOf(req(-100, [1_786_557]), MIN)?.reason).toBe('amount_below_minimum');
    expect(refusalOf(req(Number.NaN, [1_786_557]), MIN)?.reason).toBe('amount_below_minimum');
    expect(refusalOf(req(10_000.5, [1_786_557]), MIN)?.reason).toBe('amount_below_minimum');
  });

  it('refuses below the minimum, except the exact whole balance when it is itself below the minimum', () => {
    expect(refusalOf(req(9_999, [1_786_557]), MIN)?.reason).toBe('amount_below_minimum');
    expect(refusalOf(req(4_550, [4_550]), MIN)).toBeUndefined();
    expect(refusalOf(req(4_000, [4_550]), MIN)?.reason).toBe('amount_below_minimum');
    expect(refusalOf(req(4_550, [4_550, 0]), MIN)).toBeUndefined();
  });

  it('refuses more than the selected balance by one centime', () => {
    expect(refusalOf(req(1_786_558, [1_786_557]), MIN)?.reason).toBe('amount_above_balance');
  });

  it('refuses when nothing is selected or nothing is owed', () => {
    expect(refusalOf(req(10_000, []), MIN)?.reason).toBe('no_unpaid_bill');
    expect(refusalOf(req(10_000, [0, 0]), MIN)?.reason).toBe('bills_already_paid');
  });
});
