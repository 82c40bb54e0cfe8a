import { z } from 'zod';
import type { Db } from '../db/types';
import type { MismatchKind } from './check';

/**
 * Reconciliation runs and their mismatches in the ledger (migrations/006_reconciliation.sql).
 * Who may run a day is decided by PostgreSQL's unique indexes, not by a lock in one process: one
 * scheduled run per day, one running run per day, across every instance.
 */
export interface Totals {
  ledger: { count: number; amountCentimes: number };
  matched: { count: number; amountCentimes: number };
  mismatched: { count: number; amountCentimes: number };
  open: { count: number };
  unchecked: { count: number };
  /** Per wallet provider, `none` for payments the operator collected upstream. */
  byProvider: Record<string, { count: number; amountCentimes: number; matched: number; mismatched: number }>;
}

export const emptyTotals = (): Totals => ({
  ledger: { count: 0, amountCentimes: 0 },
  matched: { count: 0, amountCentimes: 0 },
  mismatched: { count: 0, amountCentimes: 0 },
  open: { count: 0 },
  unchecked: { count: 0 },
  byProvider: {},
});

const count = z.number().int().nonnegative();
const amount = z.object({ count, amountCentimes: z.number().int() });
const totalsSchema = z.object({
  ledger: amount,
  matched: amount,
  mismatched: amount,
  open: z.object({ count }),
  unchecked: z.object({ count }),
  byProvider: z.record(z.string(), z.object({ count, amountCentimes: z.number().int(), matched: count, mismatched: count })),
});

const runSchema = z.object({
  id: z.number().int(),
  // node-postgres gives a `date` as a Date at local midnight, PGlite as a Date at UTC midnight: read as text instead.
  day: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
  kind: z.enum(['scheduled', 'manual']),
  status: z.enum(['running', 'done', 'failed']),
  started_at: z.date(),
  finished_at: z.date().nullable(),
  started_by: z.string(),
  heartbeat_at: z.date(),
  totals: totalsSchema,
  error: z.string().nullable(),
});
export type RunRow = z.infer<typeof runSchema>;

export interface MismatchRow {
  intentId: string;
  kind: MismatchKind | string;
  detail: string;
  numAcquit: string | null;
  amountCentimes: number;
  provider: string | null;
}

const mismatchSchema = z.object({
  intent_id: z.string(),
  kind: z.string(),
  detail: z.string(),
  num_acquit: z.string().nullable(),
  amount_centimes: z.number().int(),
  provider: z.string().nullable(),
});

const RUN_COLUMNS = `id, to_char(day, 'YYYY-MM-DD') AS day, kind, status, started_at, finished_at, started_by, heartbeat_at, totals, error`;

export interface ReconciliationStore {
  /**
   * The nightly run of `day`, if this instance is the one to do it: a new row (the unique index lets
   * one instance in), or the row of a run whose instance stopped beating before `staleBefore`
   * (taken over, its mismatches cleared). Undefined when another instance has it or had it.
   */
  claimScheduled(day: string, at: Date, staleBefore: Date): Promise<RunRow | undefined>;
  /** A new manual run of `day`, or the one already running (a dead one is closed as failed first). */
  startManual(day: string, by: string, at: Date, staleBefore: Date): Promise<{ started: boolean; run: RunRow }>;
  /** False when the run is no longer this runner's (closed or taken over). */
  heartbeat(id: number, totals: Totals, at: Date): Promise<boolean>;
  addMismatches(runId: number, rows: MismatchRow[]): Promise<void>;
  finish(id: number, status: 'done' | 'failed', totals: Totals, at: Date, error?: string): Promise<void>;
  latest(day: string): Promise<RunRow | undefined>;
  mismatches(runId: number): Promise<MismatchRow[]>;
  /** The most recent finished run of any day, with its mismatch count (for the gauges). */
  lastDone(): Promise<(RunRow & { mismatchCount: number }) | undefined>;
}

export function createReconciliationStore(db: Db): ReconciliationStore {
  const runOf = (row: Record<string, unknown> | undefined) => (row === undefined ? undefined : runSchema.parse(row));

  return {
    async claimScheduled(day, at, staleBefore) {
      return db.transaction(async (tx) => {
        const ins = await tx.query<Record<string, unknown>>(
          `INSERT INTO reconciliation_runs (day, kind, status, started_at, started_by, heartbeat_at, totals)
           VALUES ($1, 'scheduled', 'running', $2, 'schedule', $2, $3::jsonb) ON CONFLICT DO NOTHING RETURNING ${RUN_COLUMNS}`,
          [day, at, JSON.stringify(emptyTotals())],
        );
        if (ins.rows[0] !== undefined) return runOf(ins.rows[0]);
        // A compare-and-set on the heartbeat: of two instances that find it dead, one takes it.
        const taken = await tx.query<Record<string, unknown>>(
          `UPDATE reconciliation_runs SET started_at = $2, heartbeat_at = $2, totals = $4::jsonb
           WHERE day = $1 AND kind = 'scheduled' AND status = 'running' AND heartbeat_at < $3 RETURNING ${RUN_COLUMNS}`,
          [day, at, staleBefore, JSON.stringify(emptyTotals())],
        );
        const run = runOf(taken.rows[0]);
        if (run !== undefined) await tx.query('DELETE FROM reconciliation_mismatches WHERE run_id = $1', [run.id]);
        return run;
      });
    },

    async startManual(day, by, at, staleBefore) {
      for (let attempt = 0; ; attempt++) {
        const out = await db.transaction(async (tx) => {
          await tx.query(
            `UPDATE reconciliation_runs SET status = 'failed', finished_at = $2, error = 'abandoned: the instance running it stopped'
             WHERE day = $1 AND status = 'running' AND heartbeat_at < $3`,
            [day, at, staleBefore],
          );
          const ins = await tx.query<Record<string, unknown>>(
            `INSERT INTO reconciliation_runs (day, kind, status, started_at, started_by, heartbeat_at, totals)
             VALUES ($1, 'manual', 'running', $2, $3, $2, $4::jsonb) ON CONFLICT DO NOTHING RETURNING ${RUN_COLUMNS}`,
            [day, at, by, JSON.stringify(emptyTotals())],
          );
          const started = runOf(ins.rows[0]);
          if (started !== undefined) return { started: true, run: started };
          const running = runOf((await tx.query<Record<string, unknown>>(`SELECT ${RUN_COLUMNS} FROM reconciliation_runs WHERE day = $1 AND status = 'running'`, [day])).rows[0]);
          return running === undefined ? undefined : { started: false, run: running };
        });
        if (out !== undefined) return out;
        // The running one finished between our insert and our read: try again.
        if (attempt >= 3) throw new Error(`reconciliation of ${day}: could neither start a run nor find the running one`);
      }
    },

    async heartbeat(id, totals, at) {
      const r = await db.query(`UPDATE reconciliation_runs SET heartbeat_at = $2, totals = $3::jsonb WHERE id = $1 AND status = 'running' RETURNING id`, [id, at, JSON.stringify(totals)]);
      return r.rows.length > 0;
    },

    async addMismatches(runId, rows) {
      for (const m of rows) {
        await db.query(
          'INSERT INTO reconciliation_mismatches (run_id, intent_id, kind, detail, num_acquit, amount_centimes, provider) VALUES ($1, $2, $3, $4, $5, $6, $7)',
          [runId, m.intentId, m.kind, m.detail, m.numAcquit, m.amountCentimes, m.provider],
        );
      }
    },

    async finish(id, status, totals, at, error) {
      await db.query(`UPDATE reconciliation_runs SET status = $2, totals = $3::jsonb, finished_at = $4, heartbeat_at = $4, error = $5 WHERE id = $1 AND status = 'running'`, [
        id,
        status,
        JSON.stringify(totals),
        at,
        error ?? null,
      ]);
    },

    async latest(day) {
      return runOf((await db.query<Record<string, unknown>>(`SELECT ${RUN_COLUMNS} FROM reconciliation_runs WHERE day = $1 ORDER BY id DESC LIMIT 1`, [day])).rows[0]);
    },

    async mismatches(runId) {
      const r = await db.query<Record<string, unknown>>('SELECT intent_id, kind, detail, num_acquit, amount_centimes, provider FROM reconciliation_mismatches WHERE run_id = $1 ORDER BY id', [runId]);
      return r.rows.map((row) => {
        const m = mismatchSchema.parse(row);
        return { intentId: m.intent_id, kind: m.kind, detail: m.detail, numAcquit: m.num_acquit, amountCentimes: m.amount_centimes, provider: m.provider };
      });
    },

    async lastDone() {
      const r = await db.query<Record<string, unknown>>(
        `SELECT ${RUN_COLUMNS}, (SELECT count(*) FROM reconciliation_mismatches m WHERE m.run_id = r.id) AS mismatch_count
         FROM reconciliation_runs r WHERE status = 'done' ORDER BY finished_at DESC LIMIT 1`,
      );
      const row = r.rows[0];
      if (row === undefined) return undefined;
      return { ...runSchema.parse(row), mismatchCount: z.number().int().parse(row.mismatch_count) };
    },
  };
}
