import { isGsm7 } from '../../../src/gsm7';
import { DEMO_SUBSCRIBER_GUIDE, DEMO_SUBSCRIBERS } from '../../../src/regideso/sandbox/data';

/** The demo data promises cases other parts of the product are tested with. */
const unpaid = (ref: string) => DEMO_SUBSCRIBERS.find((s) => s.refClient === ref)?.bills.filter((b) => b.amountCentimes > b.paidCentimes) ?? [];

describe('demo subscribers', () => {
  it("holds the API document's subscriber and bill", () => {
    const s = DEMO_SUBSCRIBERS.find((x) => x.refClient === '83262');
    expect(s).toMatchObject({ name: 'MUKEBA MUKEBA ', province: 'KIN', agency: 'MONT-NGAFULA' });
    expect(s?.bills).toContainEqual({ faeId: '108776771', billNumber: '8326224601541', issuedOn: '2024-03-31', amountCentimes: 1_786_557, paidCentimes: 0 });
    expect(unpaid('83262').length).toBeGreaterThan(1);
    expect(s?.bills.some((b) => b.paidCentimes === b.amountCentimes)).toBe(true);
  });

  it('covers another province, all paid, many unpaid, a long name', () => {
    expect(DEMO_SUBSCRIBERS.some((s) => s.province !== 'KIN' && unpaid(s.refClient).length > 0)).toBe(true);
    expect(DEMO_SUBSCRIBERS.some((s) => s.bills.length > 0 && unpaid(s.refClient).length === 0)).toBe(true);
    expect(DEMO_SUBSCRIBERS.some((s) => unpaid(s.refClient).length >= 12)).toBe(true);
    expect(DEMO_SUBSCRIBERS.some((s) => s.name.trim().length >= 40)).toBe(true);
  });

  it('uses digit-only references, unique ids, real dates, and paid ≤ amount', () => {
    const ids = DEMO_SUBSCRIBERS.flatMap((s) => s.bills.map((b) => b.faeId));
    expect(new Set(ids).size).toBe(ids.length);
    for (const s of DEMO_SUBSCRIBERS) {
      expect(s.refClient).toMatch(/^\d+$/);
      expect(isGsm7(s.name)).toBe(true);
      for (const b of s.bills) {
        expect(Number.isSafeInteger(b.amountCentimes) && b.paidCentimes >= 0 && b.paidCentimes <= b.amountCentimes).toBe(true);
        expect(new Date(`${b.issuedOn}T00:00:00Z`).toISOString().slice(0, 10)).toBe(b.issuedOn);
      }
    }
  });

  it('describes every subscriber in the guide', () => {
    expect(DEMO_SUBSCRIBER_GUIDE.map((g) => `${g.refClient}/${g.province}`)).toEqual(DEMO_SUBSCRIBERS.map((s) => `${s.refClient}/${s.province}`));
  });
});
