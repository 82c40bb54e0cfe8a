import express from 'express';
import { z } from 'zod';
import type { Logger } from '../logging/logger';
import { centimesToCdfText } from '../money';
import type { Role } from '../operators/store';
import type { PaymentDetail } from '../payments/detail';
import { INTENT_ID } from '../payments/ids';
import type { ResendOutcome } from '../payments/receipt-resend';
import { phoneSchema } from '../phone';
import type { LedgerQuery } from '../payments/ledger';
import type { PaymentRecord, PaymentStatus } from '../payments/types';
import { toCsv } from './csv';

/**
 * The operator's views of the ledger, each behind an operator key of at least a role
 * (src/http/operator-auth.ts), never the webhook token:
 * - `GET /payments?from=&to=&status=&phone=&ref=&numAcquit=&depositId=&limit=&cursor=` (viewer): payments by creation date, oldest
 *   first, a page at a time: JSON `{ payments, next }`, or CSV with `Accept: text/csv`, for the
 *   daily reconciliation with REGIDESO; the next page, when there is one, is also in a
 *   `Link: <…>; rel="next"` header. A bare date is a whole day in Kinshasa time (UTC+1), `to`
 *   included; a full ISO timestamp is taken as it is. `phone`, `ref` (ref_client), `numAcquit`
 *   (REGIDESO's receipt number or our own `RGD-…` reference) and `depositId` match exactly.
 * - `GET /payments/flagged?limit=N[&resolved=true][&order=oldest]` (viewer): the payments a person must
 *   look at, newest first (`order=oldest`: the longest-waiting first); `resolved=true`: the ones
 *   already handled, newest resolution first.
 * - `GET /payments/:intentId` (viewer): one payment, its audit trail, SMS, deposit and refund.
 * - `POST /payments/flagged/:id/resolve` `{"note": "…"}` (resolver): marks one handled; the note,
 *   when, and the operator's name from their key go to its audit trail.
 * - `POST /payments/:intentId/receipt/resend` (resolver): the receipt SMS again, as a new SMS of the
 *   payment through the durable SMS path, with the operator's name in its audit trail.
 */
export interface OperatorPayments {
  list(q: LedgerQuery): Promise<PaymentRecord[]>;
  flagged(limit: number, opts?: { resolved?: boolean; oldestFirst?: boolean }): Promise<PaymentRecord[]>;
  resolveFlag(intentId: string, note: string, by: string): Promise<boolean>;
}

export interface OperatorRouterDeps {
  payments: OperatorPayments;
  details: (intentId: string) => Promise<PaymentDetail | undefined>;
  /** From createOperatorGuard: sets `req.operator`, or answers 401/403. */
  requireOperator: (minRole: Role) => express.RequestHandler;
  /** Queues the payment's receipt SMS again (src/payments/receipt-resend.ts); absent: the route answers 404. */
  resendReceipt?: (intentId: string, by: string) => Promise<ResendOutcome>;
  logger: Logger;
}

const STATUSES: readonly PaymentStatus[] = ['pending', 'collecting', 'collected', 'submitted', 'uncertain', 'refunding', 'succeeded', 'reconciled', 'failed', 'refunded', 'refund_failed', 'partial'];
const KINSHASA = '+01:00';
/** A page of /payments: never more than this at once, and never a silent cut (`next`, `Link`). */
const DEFAULT_PAGE = 100;
const MAX_PAGE = 1000;
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
  phone: phoneSchema.optional(),
  ref: z.string().trim().min(1).max(40).optional(),
  numAcquit: z.string().trim().min(1).max(64).optional(),
  depositId: z.uuid({ error: 'must be a deposit id (a UUID such as 0b9f...-...)' }).transform((v) => v.toLowerCase()).optional(),
  limit: limit(MAX_PAGE).optional(),
  cursor: z.string().max(300).transform((v, ctx) => {
    const after = decodeCursor(v);
    if (after === undefined) {
      ctx.addIssue({ code: 'custom', message: 'not a cursor this server gave (take `next` from the previous page as it is)' });
      return z.NEVER;
    }
    return after;
  }).optional(),
});
const flaggedQuery = z.object({
  limit: limit(500).optional(),
  resolved: z.enum(['true', 'false'], { error: 'must be true or false' }).optional(),
  order: z.enum(['newest', 'oldest'], { error: 'must be newest or oldest' }).optional(),
});
const resolveBody = z.object({
  note: z.string().trim().min(3, 'say what was done (3 characters at least)').max(1000),
  by: z.never({ error: 'not accepted: the resolution is recorded under the name of your operator key' }).optional(),
});

/**
 * The position after a row, opaque to the client: base64url of `[createdAt, intentId]`. Payments
 * are written with millisecond times (JavaScript's), so the ISO text holds the key exactly.
 */
function encodeCursor(r: PaymentRecord): string {
  return Buffer.from(JSON.stringify([r.createdAt, r.intentId])).toString('base64url');
}

const cursorSchema = z.tuple([z.iso.datetime(), z.string().regex(INTENT_ID)]);

function decodeCursor(v: string): { createdAt: Date; id: string } | undefined {
  try {
    const parsed = cursorSchema.safeParse(JSON.parse(Buffer.from(v, 'base64url').toString('utf8')));
    return parsed.success ? { createdAt: new Date(parsed.data[0]), id: parsed.data[1] } : undefined;
  } catch {
    return undefined;
  }
}

type CsvRow = PaymentRecord & { amountCdf: string };
/** `amountCdf` (`17865.57`) beside `amountCentimes`: a spreadsheet sums francs, a program the integer. */
const CSV_COLUMNS: Array<keyof CsvRow> = [
  'createdAt', 'intentId', 'status', 'refClient', 'province', 'amountCentimes', 'amountCdf', 'numAcquit', 'ownReference', 'phoneNumber', 'billIds',
  'collection', 'provider', 'depositId', 'depositStatus', 'providerTransactionId', 'refundId', 'refundStatus', 'flagReason', 'resolvedAt', 'updatedAt',
];

/** The request's own query with the next page's cursor: what a `Link` header points at. */
function nextLink(req: express.Request, next: string): string {
  const params = new URLSearchParams();
  for (const k of ['from', 'to', 'status', 'phone', 'ref', 'numAcquit', 'depositId', 'limit']) {
    const v = req.query[k];
    if (typeof v === 'string') params.set(k, v);
  }
  params.set('cursor', next);
  return `<${req.baseUrl}${req.path}?${params.toString()}>; rel="next"`;
}

function badRequest(res: express.Response, error: z.ZodError): void {
  res.status(400).json({ error: 'bad_request', message: error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ') });
}

export function createOperatorRouter(deps: OperatorRouterDeps): express.Router {
  const { payments, logger, requireOperator } = deps;
  const router = express.Router();
  const unavailable = (res: express.Response, err: unknown) => {
    logger.error('payment records unreadable', { err });
    res.status(503).json({ error: 'unavailable', message: 'Payment records cannot be read right now' });
  };

  router.get('/payments', requireOperator('viewer'), async (req, res) => {
    const q = listQuery.safeParse(req.query);
    if (!q.success) return badRequest(res, q.error);
    const { cursor, ref, ...rest } = q.data;
    const filters = { ...rest, ...(ref !== undefined ? { refClient: ref } : {}) };
    const pageSize = filters.limit ?? DEFAULT_PAGE;
    let rows: PaymentRecord[];
    try {
      // One row more than the page: whether a next page exists is known, never guessed.
      rows = await payments.list({ ...filters, ...(cursor !== undefined ? { after: cursor } : {}), limit: pageSize + 1 });
    } catch (err) {
      return unavailable(res, err);
    }
    const page = rows.slice(0, pageSize);
    const last = page.at(-1);
    const next = rows.length > pageSize && last !== undefined ? encodeCursor(last) : null;
    if (next !== null) res.set('Link', nextLink(req, next));
    if (req.accepts(['application/json', 'text/csv']) === 'text/csv') {
      res.type('text/csv').send(toCsv(CSV_COLUMNS, page.map((r) => ({ ...r, amountCdf: centimesToCdfText(r.amountCentimes) }))));
      return;
    }
    res.json({ payments: page, next });
  });

  router.get('/payments/flagged', requireOperator('viewer'), async (req, res) => {
    const q = flaggedQuery.safeParse(req.query);
    if (!q.success) return badRequest(res, q.error);
    try {
      res.json(await payments.flagged(q.data.limit ?? 50, { resolved: q.data.resolved === 'true', oldestFirst: q.data.order === 'oldest' }));
    } catch (err) {
      unavailable(res, err);
    }
  });

  router.get('/payments/:intentId', requireOperator('viewer'), async (req, res) => {
    const id = String(req.params.intentId);
    if (!INTENT_ID.test(id)) {
      res.status(400).json({ error: 'bad_request', message: 'intentId: not a payment id (pi- and 32 hexadecimal digits)' });
      return;
    }
    try {
      const detail = await deps.details(id);
      if (detail === undefined) {
        res.status(404).json({ error: 'not_found', message: 'no payment has this id' });
        return;
      }
      res.json(detail);
    } catch (err) {
      unavailable(res, err);
    }
  });

  router.post('/payments/flagged/:id/resolve', requireOperator('resolver'), async (req, res) => {
    const body = resolveBody.safeParse(req.body ?? {});
    if (!body.success) return badRequest(res, body.error);
    const id = String(req.params.id);
    const operator = req.operator;
    if (operator === undefined) throw new Error('resolve reached without an operator: requireOperator must run first');
    try {
      const ok = await payments.resolveFlag(id, body.data.note, operator.name);
      if (!ok) {
        res.status(404).json({ error: 'not_found', message: 'no flagged payment awaits resolution under this id' });
        return;
      }
      res.json({ resolved: true, intentId: id, by: operator.name });
    } catch (err) {
      unavailable(res, err);
    }
  });
  router.post('/payments/:intentId/receipt/resend', requireOperator('resolver'), async (req, res) => {
    const id = String(req.params.intentId);
    const operator = req.operator;
    if (operator === undefined) throw new Error('resend reached without an operator: requireOperator must run first');
    if (deps.resendReceipt === undefined || !INTENT_ID.test(id)) {
      res.status(404).json({ error: 'not_found', message: 'no payment has this id' });
      return;
    }
    try {
      const out = await deps.resendReceipt(id, operator.name);
      if (out.kind === 'not_found') res.status(404).json({ error: 'not_found', message: 'no payment has this id' });
      else if (out.kind === 'no_receipt') res.status(409).json({ error: 'no_receipt', message: 'this payment has no receipt to send again (it has not succeeded)' });
      else res.status(202).json({ queued: true, intentId: id, smsId: out.smsId, by: operator.name });
    } catch (err) {
      unavailable(res, err);
    }
  });
  return router;
}
