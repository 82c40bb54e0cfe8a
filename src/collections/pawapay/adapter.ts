import type { Logger } from '../../logging/logger';
import { maskPhone } from '../../logging/mask';
import { exactAmountString } from '../amounts';
import { isValidCustomerMessage } from '../customer-message';
import { FALLBACK_PROVIDER_RULES } from '../fallback-rules';
import { createRefreshing } from '../refreshing';
import { msisdnFromE164 } from '../msisdn';
import { providerFromPrefix } from '../prefixes';
import { isProvider, type CollectionPort, type DepositRequest, type InitiateOutcome, type Provider, type ProviderRules, type RefundRequest, type TransferState } from '../types';
import { availabilityFrom, type DepositAvailability } from './availability';
import { createPawapayHttp, type PawapayHttpResult } from './http';
import { interpretDepositStatus, interpretInitiation, interpretRefundStatus } from './interpret';
import { CDF, DRC_COUNTRY, rulesFromActiveConf } from './rules';
import { errorAnswerSchema, predictAnswerSchema } from './wire';

export interface PawapayCollectionOptions {
  /** PAWAPAY_BASE_URL: https://api.sandbox.pawapay.io, https://api.pawapay.io, or the sandbox wallet. */
  baseUrl: string;
  /** PAWAPAY_API_TOKEN, sent as a Bearer token and nowhere else. */
  apiToken: string;
  /** Whole-call timeout for deposits, refunds and status reads (run by the payment job). */
  timeoutMs: number;
  /**
   * Whole-call timeout for predict-provider and active-conf, which run inside a USSD hop: short,
   * because both have a fallback. Default 2500 ms.
   */
  lookupTimeoutMs?: number;
  /** How long a good active configuration is used before it is read again. Default 10 min. */
  rulesTtlMs?: number;
  /** How long the built-in fallback is used before pawaPay is asked again. Default 30 s. */
  fallbackRetryMs?: number;
  /** How long pawaPay's availability (OPERATIONAL, DELAYED, CLOSED) is used before it is read again. Default 60 s. */
  availabilityTtlMs?: number;
  logger: Logger;
  /** For tests: the clock the rules cache reads. */
  now?: () => number;
}

type Op = 'predictProvider' | 'activeConf' | 'availability' | 'initiateDeposit' | 'depositStatus' | 'initiateRefund' | 'refundStatus';

/** The port, and what the composition root and tests see of its caches. */
export interface PawapayCollection extends CollectionPort {
  /** Settles once the background reads under way are done. */
  settled(): Promise<void>;
}

/** The real collection port: pawaPay Merchant API v2 over HTTPS. */
export function createPawapayCollection(opts: PawapayCollectionOptions): PawapayCollection {
  const http = createPawapayHttp({ baseUrl: opts.baseUrl, apiToken: opts.apiToken, timeoutMs: opts.timeoutMs });
  const lookupTimeoutMs = opts.lookupTimeoutMs ?? 2500;
  const rulesTtlMs = opts.rulesTtlMs ?? 10 * 60_000;
  const fallbackRetryMs = opts.fallbackRetryMs ?? 30_000;
  const now = opts.now ?? Date.now;
  const log = opts.logger;

  const availabilityTtlMs = opts.availabilityTtlMs ?? 60_000;
  let lastGood: ProviderRules[] | undefined;

  function logCall(op: Op, result: PawapayHttpResult, outcome: string, fields: Record<string, unknown>, expected: boolean): void {
    const level = !expected ? 'warn' : op === 'initiateDeposit' || op === 'initiateRefund' ? 'info' : 'debug';
    log.log(level, 'pawapay call', {
      op,
      outcome,
      httpStatus: result.kind === 'answer' ? result.status : undefined,
      detail: result.kind === 'no_answer' ? result.message : undefined,
      durationMs: result.durationMs,
      ...fields,
    });
  }

  async function loadRules(): Promise<{ value: ProviderRules[]; keepMs: number }> {
    const result = await http.send({
      method: 'GET',
      path: '/v2/active-conf',
      params: { country: DRC_COUNTRY, operationType: 'DEPOSIT' },
      timeoutMs: lookupTimeoutMs,
    });
    const reading = result.kind === 'answer' && result.status === 200 ? rulesFromActiveConf(result.body) : undefined;
    if (reading) {
      logCall('activeConf', result, 'ok', { providers: reading.rules.map((r) => r.provider), skipped: reading.skipped }, reading.skipped.length === 0);
      lastGood = reading.rules;
      return { value: reading.rules, keepMs: rulesTtlMs };
    }
    // pawaPay could not say: its last word if we ever had one, else the strict built-in rules.
    const rules = lastGood ?? FALLBACK_PROVIDER_RULES.map((r) => ({ ...r }));
    logCall('activeConf', result, lastGood ? 'stale' : 'fallback', {}, false);
    // Not pawaPay's word: asked again sooner.
    return { value: rules, keepMs: fallbackRetryMs };
  }

  /** pawaPay's availability; an empty map (nothing known) when it cannot be read. */
  async function loadAvailability(): Promise<{ value: Map<Provider, DepositAvailability>; keepMs: number }> {
    const result = await http.send({ method: 'GET', path: '/v2/availability', params: { country: DRC_COUNTRY, operationType: 'DEPOSIT' }, timeoutMs: lookupTimeoutMs });
    const reading = result.kind === 'answer' && result.status === 200 ? availabilityFrom(result.body) : undefined;
    logCall('availability', result, reading ? 'ok' : 'unknown', reading ? Object.fromEntries(reading) : {}, reading !== undefined);
    return reading ? { value: reading, keepMs: availabilityTtlMs } : { value: new Map(), keepMs: fallbackRetryMs };
  }

  const onRefreshError = (err: unknown) => log.warn('pawapay background read failed', { err });
  const conf = createRefreshing({ load: loadRules, now, onError: onRefreshError });
  const availability = createRefreshing({ load: loadAvailability, now, onError: onRefreshError });

  /** The configuration's rules as availability says now: a CLOSED provider left out, a DELAYED one marked. */
  function merged(rules: ProviderRules[], status: Map<Provider, DepositAvailability>): ProviderRules[] {
    return rules.flatMap((r): ProviderRules[] => {
      const now = status.get(r.provider);
      if (now === 'CLOSED') return [];
      const copy: ProviderRules = { ...r, ...(r.pinPrompt ? { pinPrompt: { ...r.pinPrompt } } : {}) };
      if (now === 'DELAYED') copy.delayed = true;
      return [copy];
    });
  }

  async function predict(phoneE164: string): Promise<Provider | undefined> {
    const msisdn = msisdnFromE164(phoneE164);
    if (msisdn === undefined) return undefined;
    const result = await http.send({ method: 'POST', path: '/v2/predict-provider', body: { phoneNumber: msisdn }, timeoutMs: lookupTimeoutMs });
    const phone = maskPhone(phoneE164);
    if (result.kind === 'answer' && result.status === 200) {
      const parsed = predictAnswerSchema.safeParse(result.body);
      if (parsed.success) {
        const { country, provider } = parsed.data;
        // A number pawaPay places outside the DRC, or with a wallet we do not collect from: ask.
        const ours = country === DRC_COUNTRY && isProvider(provider) ? provider : undefined;
        logCall('predictProvider', result, ours ?? 'not_ours', { phone, country, provider }, true);
        return ours;
      }
    }
    if (result.kind === 'answer' && result.status >= 400 && result.status < 500) {
      const refusal = errorAnswerSchema.safeParse(result.body);
      // pawaPay's definitive "this is not a phone number it knows": nothing to guess from.
      if (refusal.success && refusal.data.failureReason.failureCode === 'INVALID_PHONE_NUMBER') {
        logCall('predictProvider', result, 'invalid_phone', { phone }, true);
        return undefined;
      }
    }
    const guess = providerFromPrefix(phoneE164);
    logCall('predictProvider', result, 'prefix_fallback', { phone, provider: guess }, false);
    return guess;
  }

  async function initiate(op: 'initiateDeposit' | 'initiateRefund', path: string, idField: 'depositId' | 'refundId', id: string, body: Record<string, unknown>, fields: Record<string, unknown>): Promise<InitiateOutcome> {
    const result = await http.send({ method: 'POST', path, body });
    const outcome = interpretInitiation(result, idField, id);
    const expected = outcome.kind !== 'unknown';
    logCall(op, result, outcome.kind, { [idField]: id, code: outcome.kind === 'rejected' ? outcome.code : undefined, reason: outcome.kind === 'unknown' ? outcome.reason : undefined, ...fields }, expected);
    return outcome;
  }

  async function read(op: 'depositStatus' | 'refundStatus', path: string, idField: 'depositId' | 'refundId', id: string): Promise<TransferState> {
    const result = await http.send({ method: 'GET', path });
    const state = op === 'depositStatus' ? interpretDepositStatus(result, id) : interpretRefundStatus(result, id);
    logCall(op, result, state.kind, { [idField]: id, status: state.kind === 'in_progress' ? state.status : undefined, code: state.kind === 'failed' ? state.code : undefined }, state.kind !== 'unavailable');
    return state;
  }

  return {
    predictProvider: predict,

    async providerRules() {
      // One read of each at a time: a burst of hops shares it, and once read, none waits for one.
      const [rules, status] = await Promise.all([conf.get(), availability.get()]);
      return merged(rules, status);
    },

    async settled() {
      await Promise.all([conf.settled(), availability.settled()]);
    },

    async initiateDeposit(req: DepositRequest) {
      const msisdn = msisdnFromE164(req.phoneE164);
      const amount = exactAmountString(req.amountCentimes);
      // Checked here because pawaPay would refuse them anyway: better a clear local reason.
      if (msisdn === undefined) return { kind: 'rejected', code: 'INVALID_PHONE_NUMBER', message: 'not an E.164 phone number' };
      if (amount === undefined) return { kind: 'rejected', code: 'INVALID_AMOUNT', message: `not a positive amount in centimes: ${req.amountCentimes}` };
      if (!isValidCustomerMessage(req.customerMessage)) return { kind: 'rejected', code: 'INVALID_PARAMETER', message: 'customerMessage must be 4-22 letters, digits or spaces' };
      return initiate(
        'initiateDeposit',
        '/v2/deposits',
        'depositId',
        req.depositId,
        {
          depositId: req.depositId,
          amount,
          currency: CDF,
          payer: { type: 'MMO', accountDetails: { phoneNumber: msisdn, provider: req.provider } },
          customerMessage: req.customerMessage,
          clientReferenceId: req.clientReferenceId,
        },
        { provider: req.provider, amountCentimes: req.amountCentimes, phone: maskPhone(req.phoneE164) },
      );
    },

    depositStatus(depositId: string) {
      return read('depositStatus', `/v2/deposits/${encodeURIComponent(depositId)}`, 'depositId', depositId);
    },

    async initiateRefund(req: RefundRequest) {
      const amount = exactAmountString(req.amountCentimes);
      if (amount === undefined) return { kind: 'rejected', code: 'INVALID_AMOUNT', message: `not a positive amount in centimes: ${req.amountCentimes}` };
      // The amount is always named, so pawaPay refunds what we decided and not "the remainder".
      return initiate(
        'initiateRefund',
        '/v2/refunds',
        'refundId',
        req.refundId,
        { refundId: req.refundId, depositId: req.depositId, amount, currency: CDF },
        { depositId: req.depositId, amountCentimes: req.amountCentimes },
      );
    },

    refundStatus(refundId: string) {
      return read('refundStatus', `/v2/refunds/${encodeURIComponent(refundId)}`, 'refundId', refundId);
    },
  };
}
