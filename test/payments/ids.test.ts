import { intentIdFor, ownReferenceFor } from '../../src/payments/ids';
import { backoffDelay } from '../../src/payments/runner';

describe('intent ids', () => {
  it('derive from the session: the same session gives the same id, another session another', () => {
    expect(intentIdFor('ATUid_abc')).toBe(intentIdFor('ATUid_abc'));
    expect(intentIdFor('ATUid_abc')).not.toBe(intentIdFor('ATUid_abd'));
  });

  it('are valid BullMQ job ids and key parts whatever the session id holds', () => {
    for (const session of ['123456', 'a:b:c', 'ATUid_x y{z}', '']) {
      const id = intentIdFor(session);
      expect(id).not.toContain(':');
      expect(id).not.toMatch(/^\d+$/);
      expect(id).toMatch(/^pi-[0-9a-f]{32}$/);
    }
  });

  it('give a short own reference a subscriber can type after RECU', () => {
    expect(ownReferenceFor(intentIdFor('ATUid_abc'))).toMatch(/^RGD-[0-9A-F]{10}$/);
  });
});

describe('backoffDelay', () => {
  const policy = { attempts: 5, backoffMs: 1000, jitter: 0.5 };
  it('doubles per attempt', () => {
    expect([1, 2, 3, 4].map((n) => backoffDelay(policy, n, () => 0))).toEqual([1000, 2000, 4000, 8000]);
  });
  it('takes off at most the jitter share', () => {
    expect(backoffDelay(policy, 3, () => 1)).toBe(2000);
    expect(backoffDelay(policy, 3, () => 0.5)).toBe(3000);
  });
});
