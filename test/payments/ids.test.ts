import { backoffDelay } from '../../src/jobs/runner';
import { intentIdFor, ownReferenceFor } from '../../src/payments/ids';

describe('intent ids', () => {
  it('derive from the session and its nonce: a replayed or concurrent confirm of one session lands on one id', () => {
    expect(intentIdFor('ATUid_abc', '1718000000000')).toBe(intentIdFor('ATUid_abc', '1718000000000'));
  });

  it('a gateway that reuses a session id gets another id once the session is new (another nonce)', () => {
    expect(intentIdFor('ATUid_abc', '1718000000000')).not.toBe(intentIdFor('ATUid_abc', '1718000000001'));
    expect(intentIdFor('ATUid_abc', 'n1')).not.toBe(intentIdFor('ATUid_abd', 'n1'));
  });

  it('do not run the two parts together: ("ab", "c") and ("a", "bc") are two sessions', () => {
    expect(intentIdFor('ab', 'c')).not.toBe(intentIdFor('a', 'bc'));
  });

  it('are valid BullMQ job ids and key parts whatever the session id holds', () => {
    for (const session of ['123456', 'a:b:c', 'ATUid_x y{z}', '', '\n']) {
      for (const nonce of ['', '42', 'x:y']) {
        const id = intentIdFor(session, nonce);
        expect(id).not.toContain(':');
        expect(id).not.toMatch(/^\d+$/);
        expect(id).toMatch(/^pi-[0-9a-f]{32}$/);
      }
    }
  });

  it('give a short own reference a subscriber can type after RECU, stable for the intent', () => {
    const id = intentIdFor('ATUid_abc', 'n1');
    expect(ownReferenceFor(id)).toMatch(/^RGD-[0-9A-F]{10}$/);
    expect(ownReferenceFor(id)).toBe(`RGD-${id.slice(3, 13).toUpperCase()}`);
    expect(ownReferenceFor(intentIdFor('ATUid_abc', 'n2'))).not.toBe(ownReferenceFor(id));
  });
});

describe('backoffDelay (src/jobs/runner.ts)', () => {
  const policy = { attempts: 5, backoffMs: 1000, jitter: 0.5 };
  it('doubles per attempt, the first after one backoff', () => {
    expect([1, 2, 3, 4].map((n) => backoffDelay(policy, n, () => 0))).toEqual([1000, 2000, 4000, 8000]);
    expect(backoffDelay(policy, 0, () => 0)).toBe(1000);
  });
  it('takes off at most the jitter share', () => {
    expect(backoffDelay(policy, 3, () => 1)).toBe(2000);
    expect(backoffDelay(policy, 3, () => 0.5)).toBe(3000);
    expect(backoffDelay({ ...policy, jitter: 0 }, 3, () => 1)).toBe(4000);
  });
});
