import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { pgErrorCode, UNIQUE_VIOLATION, type Db } from '../db/types';

/**
 * The people who read the ledger and clear its flags, each with a key of their own and a role
 * (table `operators`, migrations/002_operators.sql). A key is `rgdop_` and 32 random bytes in
 * base64url: the prefix lets a secret scanner (or a person) tell it from other tokens. Only its
 * SHA-256 is stored: with 256 bits of entropy nobody can search for a preimage, so the slow, salted
 * hashes made for guessable passwords would add nothing but a cost on every request.
 */
export const ROLES = ['viewer', 'resolver', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export interface Operator {
  name: string;
  role: Role;
}

export interface OperatorEntry extends Operator {
  createdAt: Date;
  revokedAt: Date | null;
}

/** viewer < resolver < admin: each role can do everything the one before it can. */
export function hasRole(op: Operator, min: Role): boolean {
  return ROLES.indexOf(op.role) >= ROLES.indexOf(min);
}

const KEY_PREFIX = 'rgdop_';
const KEY = /^rgdop_[A-Za-z0-9_-]{43}$/;

/** A name goes into every audit trail its key signs: letters, digits, and `. _ @ -` and spaces inside. */
export const operatorName = z
  .string()
  .trim()
  .regex(/^[\p{L}\p{N}](?:[\p{L}\p{N} ._@-]{0,78}[\p{L}\p{N}])?$/u, 'a name is 1 to 80 letters or digits, with spaces, dots, dashes, underscores or @ inside');

const hashOf = (key: string) => createHash('sha256').update(key, 'utf8').digest('hex');
/** What a console session keeps of the key it was opened with (src/operators/console-sessions.ts): its hash, never the key. */
export const operatorKeyHash = (key: string): string | undefined => (KEY.test(key) ? hashOf(key) : undefined);

const entrySchema = z.object({ name: z.string(), role: z.enum(ROLES), created_at: z.date(), revoked_at: z.date().nullable() });
const authSchema = z.object({ name: z.string(), role: z.enum(ROLES), key_hash: z.string() });

export type AddOutcome = { kind: 'added'; key: string; operator: Operator } | { kind: 'duplicate' };

export interface OperatorStore {
  /** A new operator and its key, which exists nowhere else afterwards: print it once. */
  add(name: string, role: Role): Promise<AddOutcome>;
  /** Every operator ever made, revoked ones too, oldest first; never a key. */
  list(): Promise<OperatorEntry[]>;
  /** False when no operator of that name has a working key. */
  revoke(name: string): Promise<boolean>;
  /** The operator a key belongs to; undefined for anything else, a revoked key included. */
  authenticate(key: string): Promise<Operator | undefined>;
  /** The same by the key's hash (a console session re-checks its key on every request): undefined once revoked. */
  authenticateHash(hash: string): Promise<Operator | undefined>;
  /** Whether any operator was ever made (revoked ones count: revoking the last key must not open the door). */
  any(): Promise<boolean>;
}

export function createOperatorStore(db: Db, opts: { now?: () => Date } = {}): OperatorStore {
  const now = opts.now ?? (() => new Date());
  async function authenticateHash(hash: string): Promise<Operator | undefined> {
    if (!/^[0-9a-f]{64}$/.test(hash)) return undefined;
    // Read on every request, never cached: a revoked key stops working at once.
    const r = await db.query('SELECT name, role, key_hash FROM operators WHERE key_hash = $1 AND revoked_at IS NULL', [hash]);
    const row = r.rows[0] === undefined ? undefined : authSchema.parse(r.rows[0]);
    // The lookup is by hash, so its timing tells nothing about the key; the final comparison is
    // in constant time all the same.
    const stored = Buffer.from(row?.key_hash ?? '', 'hex');
    const presented = Buffer.from(hash, 'hex');
    if (row === undefined || stored.length !== presented.length || !timingSafeEqual(stored, presented)) return undefined;
    return { name: row.name, role: row.role };
  }

  return {
    async add(name, role) {
      const key = `${KEY_PREFIX}${randomBytes(32).toString('base64url')}`;
      try {
        await db.query('INSERT INTO operators (name, role, key_hash, created_at) VALUES ($1, $2, $3, $4)', [name, role, hashOf(key), now()]);
      } catch (err) {
        if (pgErrorCode(err) === UNIQUE_VIOLATION) return { kind: 'duplicate' };
        throw err;
      }
      return { kind: 'added', key, operator: { name, role } };
    },

    async list() {
      const r = await db.query('SELECT name, role, created_at, revoked_at FROM operators ORDER BY created_at, id');
      return r.rows.map((row) => {
        const e = entrySchema.parse(row);
        return { name: e.name, role: e.role, createdAt: e.created_at, revokedAt: e.revoked_at };
      });
    },

    async revoke(name) {
      const r = await db.query('UPDATE operators SET revoked_at = $2 WHERE name = $1 AND revoked_at IS NULL RETURNING id', [name, now()]);
      return r.rows.length > 0;
    },

    async authenticate(key) {
      // Not a key this product makes: no query at all.
      if (!KEY.test(key)) return undefined;
      return authenticateHash(hashOf(key));
    },

    authenticateHash,

    async any() {
      const r = await db.query<{ found: boolean }>('SELECT EXISTS (SELECT 1 FROM operators) AS found');
      return r.rows[0]?.found === true;
    },
  };
}
