import express from 'express';
import { z } from 'zod';
import type { Logger } from '../logging/logger';
import { centimesToCdfText } from '../money';
import type { Role } from '../operators/store';
import { isRealDay, kinshasaDay } from '../reconciliation/day';
import type { ReconciliationService } from '../reconciliation/service';
import type { MismatchRow } from '../reconciliation/store';
import { toCsv } from './csv';

/**
 * The daily reconciliation over HTTP, behind operator keys (src/http/operator-auth.ts):
 * - `POST /reconciliation/runs` `{"day":"YYYY-MM-DD"}` (resolver): starts a run of that Kinshasa
 *   day, `202` with the run; while one runs for the day, `202` with that one (never a second).
 * - `GET /reconciliation/runs?day=YYYY-MM-DD` (viewer): the day's latest run, its totals and
 *   mismatches; CSV of the mismatches with `Accept: text/csv`; `404` when the day never ran.
 */
export interface ReconciliationRouterDeps {
  reconciliation: Pick<ReconciliationService, 'start' | 'latest'>;
  requireOperator: (minRole: Role) => express.RequestHandler;
  logger: Logger;
  now?: () => Date;
}

type CsvRow = MismatchRow & { amountCdf: string };
const CSV_COLUMNS: Array<keyof CsvRow> = ['intentId', 'kind', 'detail', 'numAcquit', 'amountCentimes', 'amountCdf', 'provider'];

export function createReconciliationRouter(deps: ReconciliationRouterDeps): express.Router {
  const { reconciliation, requireOperator, logger } = deps;
  const now = deps.now ?? (() => new Date());
  const router = express.Router();

  /** A day that exists and has begun in Kinshasa: today (a run in progress) and earlier. */
  const day = z
    .string({ error: 'required: a day as YYYY-MM-DD' })
    .refine(isRealDay, 'must be a calendar day as YYYY-MM-DD (2026-12-01)')
    .refine((d) => d <= kinshasaDay(now()), 'is in the future (Kinshasa time): only today or an earlier day can be reconciled');
  const body = z.object({ day });
  const query = z.object({ day });

  const badRequest = (res: express.Response, error: z.ZodError) =>
    res.status(400).json({ error: 'bad_request', message: error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ') });
  const unavailable = (res: express.Response, err: unknown) => {
    logger.error('reconciliation records unreadable', { err });
    res.status(503).json({ error: 'unavailable', message: 'Reconciliation records cannot be read right now' });
  };

  router.post('/reconciliation/runs', requireOperator('resolver'), async (req, res) => {
    const b = body.safeParse(req.body ?? {});
    if (!b.success) return badRequest(res, b.error);
    const operator = req.operator;
    if (operator === undefined) throw new Error('reconciliation reached without an operator: requireOperator must run first');
    try {
      const { run } = await reconciliation.start(b.data.day, operator.name);
      res.status(202).json(run);
    } catch (err) {
      unavailable(res, err);
    }
  });

  router.get('/reconciliation/runs', requireOperator('viewer'), async (req, res) => {
    const q = query.safeParse(req.query);
    if (!q.success) return badRequest(res, q.error);
    try {
      const run = await reconciliation.latest(q.data.day);
      if (run === undefined) {
        res.status(404).json({ error: 'not_found', message: `no reconciliation of ${q.data.day} yet: POST /reconciliation/runs {"day":"${q.data.day}"} starts one` });
        return;
      }
      if (req.accepts(['application/json', 'text/csv']) === 'text/csv') {
        res.type('text/csv').set('Content-Disposition', `attachment; filename="reconciliation-${run.day}.csv"`);
        res.send(toCsv(CSV_COLUMNS, run.mismatches.map((m) => ({ ...m, amountCdf: centimesToCdfText(m.amountCentimes) }))));
        return;
      }
      res.json(run);
    } catch (err) {
      unavailable(res, err);
    }
  });
  return router;
}
