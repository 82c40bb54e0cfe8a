import { pgErrorCode, UNIQUE_VIOLATION, type Db, type Sql } from '../db/types';
import { intentSchema, OPEN_STATUSES, type Intent, type IntentPatch } from './intent';
import type { PaymentStatus } from './types';

/**
 * Payment intents in PostgreSQL. Every change is a compare-and-set on the row's version
 * (`UPDATE … WHERE id = $1 AND version = $2`) in a transaction that also appends its audit events
 * and queues the SMS it implies, so a stale worker can never move an intent backwards, and a
 * payment that settles always has its notice queued with it.
 */
export interface AuditEvent {
  event: string;
  detail?: string;
}

/** An SMS to queue with a change (the transactional outbox); sent by the SMS queue. */
export interface QueuedSms {
  id: string;
  kind: 'receipt' | 'notice';
  recipient: string;
  body: string;
}

/**
 * Queues an SMS inside the ledger's transaction: the SMS store's one way to queue a message
 * (`queueSmsIn`, src/sms/store.ts, which owns the table), given by the composition root; the ledger
 * sits below the SMS side and does not import it.
 */
export type QueueSmsIn = (tx: Sql, m: QueuedSms & { intentId: string }, at: Date) => Promise<unknown>;

export interface ChangeExtras {
  events?: AuditEvent[];
  sms?: QueuedSms[];
}

/** Another intent holds the account (the one-per-account index refused the write). */
export class AccountBusyError extends Error {
  /** `holder`: the intent that holds it, when it could be read (a refused create reads it). */
  constructor(
    readonly intentId: string,
    readonly holder?: Intent,
  ) {
    super(`account busy: intent ${intentId} could not take it`);
    this.name = 'AccountBusyError';
  }
}

export interface LedgerQuery {
  from?: Date;
  to?: Date;
  status?: PaymentStatus;
  /** The console's search fields, each an exact match (an E.164 phone; a receipt number or our own `RGD-…` reference). */
  phone?: string;
  refClient?: string;
  numAcquit?: string;
  depositId?: string;
  /** Keyset paging: only rows after this one in (created_at, id) order, so new payments never shift a page. */
  after?: { createdAt: Date; id: string };
  limit: number;
}

export interface Ledger {
  /**
   * Inserts the intent unless its id exists; returns the row as stored either way. An intent that
   * holds its account (a new confirm) is refused with AccountBusyError, naming the holder, while
   * another holds it.
   */
  create(intent: Intent, extras?: ChangeExtras): Promise<{ created: boolean; intent: Intent }>;
  load(id: string): Promise<Intent | undefined>;
  /** The compare-and-set: undefined when someone else wrote first (the caller reloads). Throws AccountBusyError. */
  update(current: Intent, patch: IntentPatch, extras?: ChangeExtras): Promise<Intent | undefined>;
  /** When the job means to look again; not a change of state, so no version. */
  postpone(id: string, at: Date): Promise<void>;
  audit(id: string, event: string, detail?: string): Promise<void>;
  /** `actor`: the person who did it (an operator's name), null for the product's own steps. */
  events(id: string): Promise<Array<{ at: Date; event: string; detail: string | null; actor: string | null }>>;
  byNumAcquit(numAcquit: string): Promise<Intent | undefined>;
  byDepositId(depositId: string): Promise<Intent | undefined>;
  byRefundId(refundId: string): Promise<Intent | undefined>;
  byPhone(phone: string, limit: number): Promise<Intent[]>;
  list(q: LedgerQuery): Promise<Intent[]>;
  /** Open flags newest first (`oldestFirst`: the longest-waiting first); with `resolved`, the cleared ones, newest resolution first. */
  flagged(limit: number, opts?: { resolved?: boolean; oldestFirst?: boolean }): Promise<Intent[]>;
  /** Puts a payment on the operator's list for something outside its state (its SMS cannot be sent); false while it is flagged and unresolved. */
  flag(id: string, reason: string, detail: string): Promise<boolean>;
  /** Takes a payment off the flagged list, keeping the note; false when it was not flagged (or already resolved). */
  resolveFlag(id: string, note: string, by: string, at: Date): Promise<boolean>;
  /** Open intents the job meant to look at before `before`, oldest first. */
  due(before: Date, limit: number): Promise<string[]>;
}

const snake = (k: string) => k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
const camel = (k: string) => k.replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase());
const JSON_COLUMNS = new Set(['bills', 'baseline']);
const COLUMNS = Object.keys(intentSchema.shape);

function fromRow(row: Record<string, unknown>): Intent {
  const o: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(row)) o[camel(k)] = v;
  return intentSchema.parse(o);
}

function param(key: string, value: unknown): unknown {
  if (value === undefined) return null;
  return JSON_COLUMNS.has(key) && value !== null ? JSON.stringify(value) : value;
}

const placeholder = (key: string, n: number) => (JSON_COLUMNS.has(key) ? `$${n}::jsonb` : `$${n}`);

/**
 * The statuses in which an intent may hold its account: from the confirm until it is paid, refused
 * or given up. A refund gives money back and keeps nothing in flight at REGIDESO; a final intent
 * holds nothing. Whatever a step writes, leaving these lets the account go (see `update`).
 */
const HOLDING_STATUSES: readonly PaymentStatus[] = ['pending', 'collecting', 'collected', 'submitted', 'uncertain'];
const CREATE_ATTEMPTS = 3;

export function createLedger(db: Db, opts: { now?: () => Date; queueSms: QueueSmsIn }): Ledger {
  const now = opts.now ?? (() => new Date());
  async function writeExtras(tx: Sql, intentId: string, extras: ChangeExtras | undefined, at: Date): Promise<void> {
    for (const e of extras?.events ?? []) {
      await tx.query('INSERT INTO payment_events (intent_id, at, event, detail) VALUES ($1, $2, $3, $4)', [intentId, at, e.event, e.detail ?? null]);
    }
    // The same notice twice (a step run again) is one SMS.
    for (const m of extras?.sms ?? []) await opts.queueSms(tx, { ...m, intentId }, at);
  }
  const one = async (sql: string, params: unknown[]) => {
    const r = await db.query<Record<string, unknown>>(sql, params);
    return r.rows[0] === undefined ? undefined : fromRow(r.rows[0]);
  };
  const many = async (sql: string, params: unknown[]) => (await db.query<Record<string, unknown>>(sql, params)).rows.map(fromRow);
  const open = OPEN_STATUSES.map((s) => `'${s}'`).join(', ');

  return {
    async create(intent, extras) {
      const cols = COLUMNS.filter((k) => k !== 'version');
      const sql = `INSERT INTO payment_intents (${cols.map(snake).join(', ')}) VALUES (${cols.map((k, i) => placeholder(k, i + 1)).join(', ')})
                   ON CONFLICT (id) DO NOTHING RETURNING *`;
      const insert = () =>
        db.transaction(async (tx) => {
          const ins = await tx.query<Record<string, unknown>>(sql, cols.map((k) => param(k, intent[k as keyof Intent])));
          const row = ins.rows[0];
          if (row !== undefined) {
            await writeExtras(tx, intent.id, extras, intent.createdAt);
            return { created: true, intent: fromRow(row) };
          }
          const existing = await tx.query<Record<string, unknown>>('SELECT * FROM payment_intents WHERE id = $1', [intent.id]);
          const found = existing.rows[0];
          if (found === undefined) throw new Error(`intent ${intent.id}: neither inserted nor found`);
          return { created: false, intent: fromRow(found) };
        });
      for (let attempt = 1; ; attempt++) {
        try {
          return await insert();
        } catch (err) {
          if (pgErrorCode(err) !== UNIQUE_VIOLATION || !intent.holdsAccount) throw err;
          // Rolled back. The same confirm racing this one won (its id exists), or another payment holds the account.
          const same = await one('SELECT * FROM payment_intents WHERE id = $1', [intent.id]);
          if (same !== undefined) return { created: false, intent: same };
          const holder = await one('SELECT * FROM payment_intents WHERE province = $1 AND ref_client = $2 AND holds_account', [intent.province, intent.refClient]);
          if (holder !== undefined) throw new AccountBusyError(intent.id, holder);
          // The holder let go in between: try again.
          if (attempt >= CREATE_ATTEMPTS) throw err;
        }
      }
    },

    load: (id) => one('SELECT * FROM payment_intents WHERE id = $1', [id]),

    async update(current, patch0, extras) {
      const at = now();
      const patch: IntentPatch = patch0.status !== undefined && !HOLDING_STATUSES.includes(patch0.status) ? { ...patch0, holdsAccount: false } : patch0;
      const keys = Object.keys(patch).filter((k) => COLUMNS.includes(k) && (patch as Record<string, unknown>)[k] !== undefined);
      const sets = keys.map((k, i) => `${snake(k)} = ${placeholder(k, i + 3)}`);
      sets.push(`version = version + 1`, `updated_at = $${keys.length + 3}`);
      const sql = `UPDATE payment_intents SET ${sets.join(', ')} WHERE id = $1 AND version = $2 RETURNING *`;
      const params = [current.id, current.version, ...keys.map((k) => param(k, (patch as Record<string, unknown>)[k])), at];
      try {
        return await db.transaction(async (tx) => {
          const r = await tx.query<Record<string, unknown>>(sql, params);
          const row = r.rows[0];
          if (row === undefined) return undefined;
          await writeExtras(tx, current.id, extras, at);
          return fromRow(row);
        });
      } catch (err) {
        if (pgErrorCode(err) === UNIQUE_VIOLATION && patch.holdsAccount === true) throw new AccountBusyError(current.id);
        throw err;
      }
    },

    async postpone(id, at) {
      await db.query('UPDATE payment_intents SET next_check_at = $2 WHERE id = $1', [id, at]);
    },

    async audit(id, event, detail) {
      await db.query('INSERT INTO payment_events (intent_id, at, event, detail) VALUES ($1, $2, $3, $4)', [id, now(), event, detail ?? null]);
    },

    async events(id) {
      const r = await db.query<{ at: Date; event: string; detail: string | null; actor: string | null }>('SELECT at, event, detail, actor FROM payment_events WHERE intent_id = $1 ORDER BY id', [id]);
      return r.rows;
    },

    byNumAcquit: (n) => one('SELECT * FROM payment_intents WHERE num_acquit = $1 ORDER BY created_at DESC LIMIT 1', [n]),
    byDepositId: (d) => one('SELECT * FROM payment_intents WHERE deposit_id = $1', [d]),
    byRefundId: (d) => one('SELECT * FROM payment_intents WHERE refund_id = $1', [d]),
    byPhone: (phone, limit) => many('SELECT * FROM payment_intents WHERE phone = $1 ORDER BY created_at DESC LIMIT $2', [phone, Math.max(limit, 1)]),

    list(q) {
      const where: string[] = [];
      const params: unknown[] = [];
      if (q.from !== undefined) where.push(`created_at >= $${params.push(q.from)}`);
      if (q.to !== undefined) where.push(`created_at < $${params.push(q.to)}`);
      if (q.status !== undefined) where.push(`status = $${params.push(q.status)}`);
      if (q.phone !== undefined) where.push(`phone = $${params.push(q.phone)}`);
      if (q.refClient !== undefined) where.push(`ref_client = $${params.push(q.refClient)}`);
      if (q.numAcquit !== undefined) where.push(`num_acquit = $${params.push(q.numAcquit)}`);
      // The caller passes a UUID (validated at the HTTP edge): the column's unique index answers.
      if (q.depositId !== undefined) where.push(`deposit_id = $${params.push(q.depositId)}::uuid`);
      if (q.after !== undefined) where.push(`(created_at, id) > ($${params.push(q.after.createdAt)}, $${params.push(q.after.id)})`);
      const sql = `SELECT * FROM payment_intents ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY created_at, id LIMIT $${params.push(q.limit)}`;
      return many(sql, params);
    },

    flagged: (limit, opts) =>
      opts?.resolved === true
        ? many('SELECT * FROM payment_intents WHERE flagged_at IS NOT NULL AND resolved_at IS NOT NULL ORDER BY resolved_at DESC LIMIT $1', [Math.max(limit, 1)])
        : many(`SELECT * FROM payment_intents WHERE flagged_at IS NOT NULL AND resolved_at IS NULL ORDER BY flagged_at ${opts?.oldestFirst === true ? 'ASC' : 'DESC'} LIMIT $1`, [Math.max(limit, 1)]),

    async flag(id, reason, detail) {
      const at = now();
      return db.transaction(async (tx) => {
        // No version: a flag is not a step of the payment, and must not make a running job lose its race.
        // Never over an unresolved flag (of this reason or another, e.g. a double payment): resolving the
        // new one would close the old unseen. A cause that lasts (an SMS still failing) is reported again.
        const r = await tx.query(
          `UPDATE payment_intents SET flag_reason = $2, flagged_at = $3, resolved_at = NULL, resolved_by = NULL, resolution_note = NULL
           WHERE id = $1 AND (flagged_at IS NULL OR resolved_at IS NOT NULL) RETURNING id`,
          [id, reason, at],
        );
        if (r.rows.length === 0) return false;
        await tx.query('INSERT INTO payment_events (intent_id, at, event, detail) VALUES ($1, $2, $3, $4)', [id, at, `flagged_${reason}`, detail]);
        return true;
      });
    },

    async resolveFlag(id, note, by, at) {
      return db.transaction(async (tx) => {
        const r = await tx.query(
          `UPDATE payment_intents SET resolved_at = $2, resolved_by = $3, resolution_note = $4
           WHERE id = $1 AND flagged_at IS NOT NULL AND resolved_at IS NULL RETURNING id`,
          [id, at, by, note],
        );
        if (r.rows.length === 0) return false;
        await tx.query('INSERT INTO payment_events (intent_id, at, event, detail, actor) VALUES ($1, $2, $3, $4, $5)', [id, at, 'flag_resolved', `by ${by}: ${note}`, by]);
        return true;
      });
    },

    async due(before, limit) {
      const r = await db.query<{ id: string }>(
        `SELECT id FROM payment_intents WHERE status IN (${open}) AND next_check_at < $1 ORDER BY next_check_at LIMIT $2`,
        [before, limit],
      );
      return r.rows.map((x) => x.id);
    },
  };
}
