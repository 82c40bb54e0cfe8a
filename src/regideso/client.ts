import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '../logging/logger';
import { maskName } from '../logging/mask';
import { centimesToDecimal } from '../money';
import { provinceLocalTime, type Province } from '../provinces';
import { interpretGetFact, interpretPayFact, interpretVerify } from './answers';
import { createRegidesoHttp, type HttpRequest, type HttpResult } from './http';
import type { GetBillsOutcome, PayOutcome, PayRequest, RegidesoClient, VerifyOutcome } from './types';
import type { PayFactBody } from './wire';

export interface RegidesoClientOptions {
  baseUrl: string;
  apiKey: string;
  /** The `opérateur` PayFact records (the mobile-money operator or bank running the channel). */
  operator: string;
  timeoutMs: number;
  logger: Logger;
  /** Extra attempts for GETs on transient faults; default 1. */
  getRetries?: number;
  /** Default 150, doubled per attempt, with jitter. */
  retryBaseDelayMs?: number;
}

type Op = 'getFact' | 'payFact' | 'verify';
type AnyOutcome = GetBillsOutcome | PayOutcome | VerifyOutcome;

/** Only faults that a second try can cure; a `bad_response` would come back the same. */
function isTransient(o: GetBillsOutcome | VerifyOutcome): boolean {
  return o.kind === 'unavailable' && o.reason !== 'bad_response';
}

export function createRegidesoClient(opts: RegidesoClientOptions): RegidesoClient {
  const http = createRegidesoHttp(opts);
  const getRetries = Math.max(0, opts.getRetries ?? 1);
  const baseDelay = Math.max(0, opts.retryBaseDelayMs ?? 150);
  const log = opts.logger;

  function logCall(op: Op, attempt: number, result: HttpResult, outcome: AnyOutcome, fields: Record<string, unknown>): void {
    const expected = outcome.kind !== 'unavailable' && outcome.kind !== 'uncertain' && outcome.kind !== 'unauthorized';
    const level = !expected ? 'warn' : op === 'payFact' ? 'info' : 'debug';
    // Every GetFact is a debug line: not even built when debug is off.
    if (!log.isLevelEnabled(level)) return;
    log.log(level, 'regideso call', {
      op,
      attempt,
      outcome: outcome.kind,
      reason: 'reason' in outcome ? outcome.reason : undefined,
      detail: expected ? undefined : 'message' in outcome ? outcome.message : undefined,
      httpStatus: result.kind === 'answer' ? result.status : undefined,
      durationMs: result.durationMs,
      ...fields,
    });
  }

  /** GETs are safe to repeat, so transient faults get a few more tries with a growing pause. */
  async function getWithRetries<O extends GetBillsOutcome | VerifyOutcome>(
    op: Op,
    req: HttpRequest,
    interpret: (r: HttpResult) => O,
    fields: Record<string, unknown>,
  ): Promise<O> {
    for (let attempt = 1; ; attempt++) {
      const result = await http.send(req);
      const outcome = interpret(result);
      logCall(op, attempt, result, outcome, fields);
      if (!isTransient(outcome) || attempt > getRetries) return outcome;
      await sleep(baseDelay * 2 ** (attempt - 1) * (0.5 + Math.random() / 2));
    }
  }

  return {
    getBills(refClient: string, province: Province): Promise<GetBillsOutcome> {
      const ref = refClient.trim();
      return getWithRetries(
        'getFact',
        { method: 'GET', path: '/api/factures', params: { ref_client: ref, province } },
        (r) => interpretGetFact(r, province),
        { refClient: ref, province },
      );
    },

    async payBills(req: PayRequest): Promise<PayOutcome> {
      // A bug upstream must not turn into a strange payment; nothing is sent.
      if (!Number.isSafeInteger(req.amountCentimes) || req.amountCentimes <= 0 || req.billIds.length === 0) {
        const outcome: PayOutcome = { kind: 'rejected', message: 'invalid payment request: amount must be positive and at least one bill selected' };
        log.error('regideso payFact refused locally', { refClient: req.refClient, amountCentimes: req.amountCentimes, bills: req.billIds.length });
        return outcome;
      }
      const body: PayFactBody = {
        ref_client: req.refClient.trim(),
        amount: centimesToDecimal(req.amountCentimes),
        date_payement: provinceLocalTime(req.paidAt, req.province),
        province: req.province,
        opérateur: opts.operator,
        bills: req.billIds.map((id) => ({ fae_id: id })),
      };
      // Never retried here: PayFact has no idempotency key, so only the payment job, after reading
      // the bills again, may decide to send it a second time.
      const result = await http.send({ method: 'POST', path: '/api/factures', body });
      const outcome = interpretPayFact(result);
      logCall('payFact', 1, result, outcome, {
        refClient: body.ref_client,
        province: req.province,
        amountCentimes: req.amountCentimes,
        bills: req.billIds.length,
        numAcquit: outcome.kind === 'paid' ? outcome.numAcquit : undefined,
        subscriber: outcome.kind === 'paid' && outcome.bills[0] ? maskName(outcome.bills[0].subscriberName) : undefined,
      });
      return outcome;
    },

    verifyTransaction(numAcquit: string, province: Province): Promise<VerifyOutcome> {
      const n = numAcquit.trim();
      return getWithRetries(
        'verify',
        { method: 'GET', path: '/api/transactionId', params: { num_acquit: n, province } },
        (r) => interpretVerify(r, n),
        { numAcquit: n, province },
      );
    },

    async ping(): Promise<boolean> {
      // Any answer from the API's own route (even a 400 for the missing reference) proves it is up;
      // 5xx usually means a proxy in front of a dead application, and 401/403 a key REGIDESO
      // refuses: every call would fail, so the instance is not ready either.
      const result = await http.send({ method: 'GET', path: '/api/factures' });
      const up = result.kind === 'answer' && result.status < 500 && result.status !== 401 && result.status !== 403;
      log.debug('regideso ping', { up, httpStatus: result.kind === 'answer' ? result.status : undefined, durationMs: result.durationMs });
      return up;
    },
  };
}
