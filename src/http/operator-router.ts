import express from 'express';
import { z } from 'zod';
import type { Logger } from '../logging/logger';
import type { LedgerQuery } from '../payments/ledger';
import type { PaymentRecord, PaymentStatus } from '../payments/types';
import { toCsv } from './csv';

/**
 * The operator's views of the ledger, behind the webhook token with the callbacks:
 * - `GET /payments?from=&to=&status=&limit=`: payments by creation date, JSON, or CSV with
 *   `Accept: text/csv`, for the daily reconciliation with REGIDESO. A bare date is a whole day in
 *   Kinshasa time (UTC+1), `to` included; a full ISO timestamp is taken as it is.
 * - `GET /payments/flagged?limit=N`: the payments a person must look at, newest first.
 * - `POST /payments/flagged/:id/resolve` `{"note": "…", "by": "…"}`: marks one handled; the note,
 *   who and when go to its audit trail.
 */
export interface OperatorPayments {
  list(q: LedgerQuery): Promise<PaymentRecord[]>;
  flagged(limit: number): Promise<PaymentRecord[]>;
  resolveFlag(intentId: string, note: string, by: string): Promise<boolean>;
}

const STATUSES: readonly PaymentStatus[] = ['pending', 'collecting', 'collected', 'submitted', 'uncertain', 'refunding', 'succeeded', 'reconciled', 'failed', 'refunded', 'refund_failed', 'partial'];
const KINSHASA = '+01:00';
const DAY_MS = 86_400_000;

const limit = (max: number) =>
  z
    .string()
    .regex(/^\d{1,5}$/, `must be a whole number from 1 to ${max}`)
    .transform(Number)
    .pipe(z.number().min(1, `must be a whole number from 1 to ${max}`).max(max, `must be a whole number from 1 to ${max}`));

/** A calendar day that exists: `Date` rolls `2026-02-30` over to March instead of refusing it (and reads `1` as 2001). */
const realDay = (ymd: string) => {
  const d = new Date(`${ymd}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === ymd;
};

/** `2026-12-01` (a day in Kinshasa) or an ISO timestamp; `end` moves a bare date to the next midnight. */
const when = (end: boolean) =>
  z.string().transform((v, ctx) => {
    const day = /^\d{4}-\d{2}-\d{2}$/.test(v);
    const d = new Date(day ? `${v}T00:00:00${KINSHASA}` : v);
    const datePart = /^\d{4}-\d{2}-\d{2}/.exec(v)?.[0];
    if (Number.isNaN(d.getTime()) || datePart === undefined || !realDay(datePart)) {
      ctx.addIssue({ code: 'custom', message: 'must be a date (2026-12-01) or an ISO timestamp' });
      return z.NEVER;
    }
    return day && end ? new Date(d.getTime() + DAY_MS) : d;
  });

const listQuery = z.object({
  from: when(false).optional(),
  to: when(true).optional(),
  status: z.enum(STATUSES as [PaymentStatus, ...PaymentStatus[]]).optional(),
  limit: limit(10_000).optional(),
});
const flaggedQuery = z.object({ limit: limit(500).optional() });
const resolveBody = z.object({
  note: z.string().trim().min(3, 'say what was done (3 characters at least)').max(1000),
  by: z.string().trim().min(1).max(80).optional(),
});

const CSV_COLUMNS: Array<keyof PaymentRecord> = [
  'createdAt', 'intentId', 'status', 'refClient', 'province', 'amountCentimes', 'numAcquit', 'ownReference', 'phoneNumber', 'billIds',
  'collection', 'provider', 'depositId', 'depositStatus', 'providerTransactionId', 'refundId', 'refundStatus', 'flagReason', 'resolvedAt', 'updatedAt',
];

function badRequest(res: express.Response, error: z.ZodError): void {
  res.status(400).json({ error: 'bad_request', message: error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ') });
}

export function createOperatorRouter(payments: OperatorPayments, logger: Logger): express.Router {
  const router = express.Router();
  const unavailable = (res: express.Response, err: unknown) => {
    logger.error('payment records unreadable', { err });
    res.status(503).json({ error: 'unavailable', message: 'Payment records cannot be read right now' });
  };

  router.get('/payments', async (req, res) => {
    const q = listQuery.safeParse(req.query);
    if (!q.success) return badRequest(res, q.error);
    let rows: PaymentRecord[];
    try {
      rows = await payments.list({ ...q.data, limit: q.data.limit ?? 1000 });
    } catch (err) {
      return unavailable(res, err);
    }
    if (req.accepts(['application/json', 'text/csv']) === 'text/csv') {
      res.type('text/csv').send(toCsv(CSV_COLUMNS, rows));
      return;
    }
    res.json(rows);
  });

  router.get('/payments/flagged', async (req, res) => {
    const q = flaggedQuery.safeParse(req.query);
    if (!q.success) return badRequest(res, q.error);
    try {
      res.json(await payments.flagged(q.data.limit ?? 50));
    } catch (err) {
      unavailable(res, err);
    }
  });

  router.post('/payments/flagged/:id/resolve', async (req, res) => {
    const body = resolveBody.safeParse(req.body ?? {});
    if (!body.success) return badRequest(res, body.error);
    const id = String(req.params.id);
    try {
      const ok = await payments.resolveFlag(id, body.data.note, body.data.by ?? `operator@${req.ip ?? 'unknown'}`);
      if (!ok) {
        res.status(404).json({ error: 'not_found', message: 'no flagged payment awaits resolution under this id' });
        return;
      }
      res.json({ resolved: true, intentId: id });
    } catch (err) {
      unavailable(res, err);
    }
  });
  return router;
}
