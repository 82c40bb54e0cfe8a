import type Redis from 'ioredis';

/**
 * One payment at a time per REGIDESO account (`refClient` + `province`). Reconciliation reads the
 * account's balances to learn whether our PayFact landed; another of our payments landing on the
 * same account in between would be taken for ours (a payment lost as "landed", or flagged
 * "partial" for ever), and two prechecks at once can both pass on a balance that covers only one.
 * So a job holds this lock from before its precheck until its intent settles: the next payment's
 * precheck sees the outcome and the balance that remains, and no reconciliation sees another of
 * our payments' money. (Payments made elsewhere, at a counter or another channel, are not ours to
 * lock: reconciliation still flags what it cannot explain.)
 *
 * The value is the holder's intent id: re-entrant for that intent (a retry, a stalled job run
 * again, the sweep's resolution), released only by it (compare-and-delete). Every acquisition
 * refreshes the TTL, which outlasts a job's whole retry span, so a holder that vanished frees the
 * account in the end. One key per account, hash-tagged, so it works as is on Redis Cluster.
 */
export interface Account {
  refClient: string;
  province: string;
}

export type LockResult = { kind: 'held' } | { kind: 'busy'; holder: string };

export interface AccountLock {
  /** Takes or refreshes the lock for this intent; `busy` when another intent holds it. */
  acquire(account: Account, intentId: string, ttlMs: number): Promise<LockResult>;
  /** Drops the lock if this intent holds it; false when it did not (expired, or someone else's). */
  release(account: Account, intentId: string): Promise<boolean>;
  /** The intent holding the account, if any. */
  holder(account: Account): Promise<string | undefined>;
}

const ACQUIRE = `
local cur = redis.call('GET', KEYS[1])
if (not cur) or cur == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return ''
end
return cur`;

const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('DEL', KEYS[1])
  return 1
end
return 0`;

/** `{` and `}` would move the hash tag; anything else in a reference is kept readable. */
const tagSafe = (v: string) => v.replace(/[{}%]/g, (c) => encodeURIComponent(c));

export function accountLockKey(prefix: string, account: Account): string {
  return `${prefix}pay:lock:{${tagSafe(account.province)}:${tagSafe(account.refClient)}}`;
}

export function createAccountLock(redis: Redis, opts: { prefix: string }): AccountLock {
  const key = (a: Account) => accountLockKey(opts.prefix, a);
  return {
    async acquire(account, intentId, ttlMs) {
      const out = await redis.eval(ACQUIRE, 1, key(account), intentId, String(Math.max(Math.ceil(ttlMs), 1)));
      if (out === '' || out === null) return { kind: 'held' };
      return { kind: 'busy', holder: String(out) };
    },
    async release(account, intentId) {
      return (await redis.eval(RELEASE, 1, key(account), intentId)) === 1;
    },
    async holder(account) {
      return (await redis.get(key(account))) ?? undefined;
    },
  };
}
