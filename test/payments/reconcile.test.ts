import { reconcile, totalBalance } from '../../src/payments/reconcile';
import type { Bill } from '../../src/regideso/types';

function bill(faeId: string, balanceCentimes: number): Bill {
  return {
    faeId,
    refClient: '83262',
    subscriberName: 'MUKEBA MUKEBA',
    billNumber: `n${faeId}`,
    issuedOn: '2024-03-31',
    agency: 'MONT-NGAFULA',
    province: 'KIN',
    amountCentimes: 2_000_000,
    paidCentimes: 2_000_000 - balanceCentimes,
    balanceCentimes,
  };
}

const baseline = [
  { faeId: 'a', balanceCentimes: 100_000 },
  { faeId: 'b', balanceCentimes: 300_000 },
];

describe('reconcile', () => {
  it('unchanged balances: the money did not land', () => {
    expect(reconcile(baseline, [bill('a', 100_000), bill('b', 300_000)], 150_000)).toEqual({ kind: 'not_landed' });
  });

  it('balances fell by the amount (spread over bills, oldest first): it landed', () => {
    expect(reconcile(baseline, [bill('a', 0), bill('b', 250_000)], 150_000)).toEqual({ kind: 'landed', decreaseCentimes: 150_000 });
  });

  it('a bill no longer listed counts as paid', () => {
    expect(reconcile(baseline, [bill('b', 300_000)], 100_000)).toEqual({ kind: 'landed', decreaseCentimes: 100_000 });
  });

  it('a fall of twice the amount or more is named: two PayFacts landed', () => {
    expect(reconcile(baseline, [bill('a', 0), bill('b', 100_000)], 150_000)).toEqual({ kind: 'landed_twice', decreaseCentimes: 300_000 });
    expect(reconcile(baseline, [bill('a', 0), bill('b', 149_999)], 150_000)).toEqual({ kind: 'landed', decreaseCentimes: 250_001 });
  });

  it('a smaller fall is neither: a person decides', () => {
    expect(reconcile(baseline, [bill('a', 50_000), bill('b', 300_000)], 150_000)).toEqual({ kind: 'partial', decreaseCentimes: 50_000 });
  });

  it('other bills do not count', () => {
    expect(reconcile(baseline, [bill('a', 100_000), bill('b', 300_000), bill('c', 0)], 150_000)).toEqual({ kind: 'not_landed' });
  });

  it('totalBalance sums what is still owed', () => {
    expect(totalBalance([bill('a', 100_000), bill('b', 0), bill('c', 5)])).toBe(100_005);
  });
});
