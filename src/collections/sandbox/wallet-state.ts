import { randomBytes } from 'node:crypto';
import { decimalsOf, exactAmountString, parseApiAmount } from '../amounts';
import { isValidCustomerMessage } from '../customer-message';
import { e164FromMsisdn } from '../msisdn';
import { toE164 } from '../../phone';
import { uuidSchema } from '../pawapay/wire';
import { isProvider, type Provider } from '../types';
import type { SandboxProviderConf } from './provider-conf';
import { depositRequestSchema, failureBody, readBody, refundRequestSchema, type Reply } from './requests';
import { scenarioFor, type DepositScenario } from './test-numbers';

/**
 * The sandbox wallet's deposits and refunds, and the timers that move them to a final status. The
 * HTTP layer (server.ts) only translates; every rule of the fake wallet lives here.
 */

export type DepositStatus = 'ACCEPTED' | 'PROCESSING' | 'COMPLETED' | 'FAILED';
export type RefundStatus = 'ACCEPTED' | 'PROCESSING' | 'COMPLETED' | 'FAILED';

interface FailureReason {
  failureCode: string;
  failureMessage: string;
}

export interface DepositRecord {
  depositId: string;
  amount: string;
  amountCentimes: number;
  currency: 'CDF';
  provider: Provider;
  /** As pawaPay carries it: `243812345990`. */
  phoneNumber: string;
  customerMessage: string | undefined;
  clientReferenceId: string | undefined;
  created: string;
  status: DepositStatus;
  failureReason: FailureReason | undefined;
  providerTransactionId: string | undefined;
  scenario: DepositScenario;
  /** The wallet's PIN prompt: `waiting` until a phone shows it, `shown` until answered. */
  prompt: 'none' | 'waiting' | 'shown';
  /** The duplicateCallback fault hit this deposit's initiation. */
  duplicateCallback: boolean;
  refundedCentimes: number;
}

export interface RefundRecord {
  refundId: string;
  depositId: string;
  amount: string;
  amountCentimes: number;
  currency: 'CDF';
  created: string;
  status: RefundStatus;
  failureReason: FailureReason | undefined;
  providerTransactionId: string | undefined;
  duplicateCallback: boolean;
}

export interface WalletPrompt {
  depositId: string;
  phoneE164: string;
  amount: string;
  currency: 'CDF';
  provider: Provider;
  customerMessage: string;
  createdAt: string;
}

export interface WalletStateOptions {
  providers: () => readonly SandboxProviderConf[];
  approveDelayMs: number;
  promptTimeoutMs: number;
  refundDelayMs: number;
  now: () => Date;
  /** A deposit or a refund reached COMPLETED or FAILED. */
  onFinal: (kind: 'deposit' | 'refund', id: string) => void;
}

const PIN = /^\d{4}$/;
const NOT_APPROVED: FailureReason = { failureCode: 'PAYMENT_NOT_APPROVED', failureMessage: 'The customer did not authorize the payment.' };

function iso(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function providerTransactionId(provider: Provider): string {
  const prefix = provider === 'VODACOM_MPESA_COD' ? 'MP' : provider === 'AIRTEL_COD' ? 'AM' : 'OM';
  return `${prefix}${randomBytes(5).toString('hex').toUpperCase()}`;
}

export function createWalletState(opts: WalletStateOptions) {
  const deposits = new Map<string, DepositRecord>();
  const refunds = new Map<string, RefundRecord>();
  const timers = new Map<string, NodeJS.Timeout>();
  let closed = false;

  /** One pending timer per deposit or refund: a new one replaces the old. */
  function schedule(id: string, ms: number, fn: () => void): void {
    cancel(id);
    if (closed) return;
    const t = setTimeout(() => {
      timers.delete(id);
      if (!closed) fn();
    }, ms);
    timers.set(id, t);
  }

  function cancel(id: string): void {
    const t = timers.get(id);
    if (t) clearTimeout(t);
    timers.delete(id);
  }

  function finishDeposit(d: DepositRecord, failure: FailureReason | undefined): void {
    if (d.status === 'COMPLETED' || d.status === 'FAILED') return;
    cancel(d.depositId);
    d.prompt = 'none';
    if (failure) {
      d.status = 'FAILED';
      d.failureReason = failure;
    } else {
      d.status = 'COMPLETED';
      d.providerTransactionId = providerTransactionId(d.provider);
    }
    opts.onFinal('deposit', d.depositId);
  }

  function startDeposit(d: DepositRecord): void {
    const s = d.scenario;
    switch (s.kind) {
      case 'approve':
        // Approved on its own unless a phone shows the prompt first (then the PIN decides).
        d.prompt = 'waiting';
        schedule(d.depositId, opts.approveDelayMs, () => finishDeposit(d, undefined));
        return;
      case 'fail':
        schedule(d.depositId, opts.approveDelayMs, () => finishDeposit(d, { failureCode: s.code, failureMessage: s.message }));
        return;
      case 'stuck':
        schedule(d.depositId, opts.approveDelayMs, () => {
          d.status = 'PROCESSING';
        });
        return;
      case 'reject':
        return;
    }
  }

  function rejected(idField: string, id: string, code: string, message: string): Reply {
    return { status: 200, body: failureBody(code, message, { [idField]: id }) };
  }

  function initiateDeposit(body: unknown, duplicateCallback: boolean): Reply {
    const read = readBody(depositRequestSchema, body, 'depositId');
    if (!read.ok) return read.reply;
    const req = read.value;
    const id = req.depositId;
    if (!uuidSchema.safeParse(id).success) return { status: 400, body: failureBody('INVALID_PARAMETER', 'depositId must be a UUIDv4', { depositId: id }) };
    const amountCentimes = parseApiAmount(req.amount);
    if (amountCentimes === undefined || amountCentimes === 0) return { status: 400, body: failureBody('INVALID_PARAMETER', `amount "${req.amount}" is not a valid amount`, { depositId: id }) };
    if (req.customerMessage !== undefined && !isValidCustomerMessage(req.customerMessage)) {
      return { status: 400, body: failureBody('INVALID_PARAMETER', 'customerMessage must be 4 to 22 letters, digits or spaces', { depositId: id }) };
    }
    // The same id again: ignored, whatever the body says (pawaPay's idempotency).
    if (deposits.has(id)) return { status: 200, body: { depositId: id, status: 'DUPLICATE_IGNORED', created: deposits.get(id)?.created } };

    const { phoneNumber, provider } = req.payer.accountDetails;
    const conf = opts.providers().find((p) => p.provider === provider);
    if (!isProvider(provider) || !conf) return rejected('depositId', id, 'INVALID_PROVIDER', `Provider ${provider} is not configured for deposits`);
    if (req.currency !== 'CDF') return rejected('depositId', id, 'INVALID_CURRENCY', `Currency ${req.currency} is not supported by ${provider}`);
    if (!/^243\d{9}$/.test(phoneNumber)) return rejected('depositId', id, 'INVALID_PHONE_NUMBER', 'The phone number is not a valid MSISDN for the country');
    if (conf.depositStatus === 'CLOSED') return rejected('depositId', id, 'PROVIDER_TEMPORARILY_UNAVAILABLE', `${provider} is not processing deposits at the moment`);
    if (decimalsOf(req.amount) > conf.decimals) return rejected('depositId', id, 'INVALID_AMOUNT', `${provider} does not support decimals in the amount`);
    const min = parseApiAmount(conf.minAmount) ?? 0;
    const max = parseApiAmount(conf.maxAmount) ?? Number.MAX_SAFE_INTEGER;
    if (amountCentimes < min || amountCentimes > max) {
      return rejected('depositId', id, 'AMOUNT_OUT_OF_BOUNDS', `The amount must be between ${conf.minAmount} and ${conf.maxAmount} CDF`);
    }
    const scenario = scenarioFor(phoneNumber);
    if (scenario.kind === 'reject') return rejected('depositId', id, scenario.code, scenario.message);

    const d: DepositRecord = {
      depositId: id,
      amount: req.amount,
      amountCentimes,
      currency: 'CDF',
      provider,
      phoneNumber,
      customerMessage: req.customerMessage,
      clientReferenceId: req.clientReferenceId,
      created: iso(opts.now()),
      status: 'ACCEPTED',
      failureReason: undefined,
      providerTransactionId: undefined,
      scenario,
      prompt: 'none',
      duplicateCallback,
      refundedCentimes: 0,
    };
    deposits.set(id, d);
    startDeposit(d);
    return { status: 200, body: { depositId: id, status: 'ACCEPTED', nextStep: 'FINAL_STATUS', created: d.created } };
  }

  function depositData(d: DepositRecord): Record<string, unknown> {
    return {
      depositId: d.depositId,
      status: d.status,
      amount: d.amount,
      currency: d.currency,
      country: 'COD',
      payer: { type: 'MMO', accountDetails: { phoneNumber: d.phoneNumber, provider: d.provider } },
      ...(d.customerMessage !== undefined ? { customerMessage: d.customerMessage } : {}),
      ...(d.clientReferenceId !== undefined ? { clientReferenceId: d.clientReferenceId } : {}),
      created: d.created,
      ...(d.providerTransactionId !== undefined ? { providerTransactionId: d.providerTransactionId } : {}),
      ...(d.failureReason !== undefined ? { failureReason: d.failureReason } : {}),
    };
  }

  function refundData(r: RefundRecord): Record<string, unknown> {
    const d = deposits.get(r.depositId);
    return {
      refundId: r.refundId,
      status: r.status,
      amount: r.amount,
      currency: r.currency,
      country: 'COD',
      ...(d ? { recipient: { type: 'MMO', accountDetails: { phoneNumber: d.phoneNumber, provider: d.provider } } } : {}),
      ...(d?.customerMessage !== undefined ? { customerMessage: d.customerMessage } : {}),
      created: r.created,
      ...(r.providerTransactionId !== undefined ? { providerTransactionId: r.providerTransactionId } : {}),
      ...(r.failureReason !== undefined ? { failureReason: r.failureReason } : {}),
    };
  }

  function finishRefund(r: RefundRecord, d: DepositRecord): void {
    if (r.status === 'COMPLETED' || r.status === 'FAILED') return;
    if (d.scenario.kind === 'approve' && d.scenario.refundFails) {
      r.status = 'FAILED';
      r.failureReason = { failureCode: 'UNSPECIFIED_FAILURE', failureMessage: 'The provider could not process the refund.' };
    } else {
      r.status = 'COMPLETED';
      r.providerTransactionId = providerTransactionId(d.provider);
      d.refundedCentimes += r.amountCentimes;
    }
    opts.onFinal('refund', r.refundId);
  }

  function initiateRefund(body: unknown, duplicateCallback: boolean): Reply {
    const read = readBody(refundRequestSchema, body, 'refundId');
    if (!read.ok) return read.reply;
    const req = read.value;
    const id = req.refundId;
    if (!uuidSchema.safeParse(id).success) return { status: 400, body: failureBody('INVALID_PARAMETER', 'refundId must be a UUIDv4', { refundId: id }) };
    if (req.amount !== undefined && req.currency === undefined) return { status: 400, body: failureBody('MISSING_PARAMETER', 'currency is required with amount', { refundId: id }) };
    const requested = req.amount === undefined ? undefined : parseApiAmount(req.amount);
    if (req.amount !== undefined && (requested === undefined || requested === 0)) {
      return { status: 400, body: failureBody('INVALID_PARAMETER', `amount "${req.amount}" is not a valid amount`, { refundId: id }) };
    }
    if (refunds.has(id)) return { status: 200, body: { refundId: id, status: 'DUPLICATE_IGNORED', created: refunds.get(id)?.created } };

    const d = deposits.get(req.depositId);
    if (!d) return rejected('refundId', id, 'INVALID_PARAMETER', `Deposit with ID #${req.depositId} not found`);
    if (d.status !== 'COMPLETED') return rejected('refundId', id, 'INVALID_PARAMETER', `Deposit with ID #${req.depositId} is not COMPLETED`);
    if (req.currency !== undefined && req.currency !== 'CDF') return rejected('refundId', id, 'INVALID_CURRENCY', `Currency ${req.currency} is not the deposit's`);
    const conf = opts.providers().find((p) => p.provider === d.provider);
    if (req.amount !== undefined && decimalsOf(req.amount) > (conf?.decimals ?? 2)) return rejected('refundId', id, 'INVALID_AMOUNT', `${d.provider} does not support decimals in the amount`);
    if ([...refunds.values()].some((r) => r.depositId === d.depositId && (r.status === 'ACCEPTED' || r.status === 'PROCESSING'))) {
      return rejected('refundId', id, 'REFUND_IN_PROGRESS', 'Another refund of this deposit is being processed');
    }
    const remaining = d.amountCentimes - d.refundedCentimes;
    if (remaining <= 0) return rejected('refundId', id, 'DEPOSIT_ALREADY_REFUNDED', 'The deposit has already been refunded in full');
    const amountCentimes = requested ?? remaining;
    if (amountCentimes > remaining) return rejected('refundId', id, 'AMOUNT_TOO_LARGE', 'The amount is larger than what is left to refund of the deposit');

    const r: RefundRecord = {
      refundId: id,
      depositId: d.depositId,
      amount: req.amount ?? (parseApiAmount(d.amount) === amountCentimes ? d.amount : (exactAmountString(amountCentimes) ?? d.amount)),
      amountCentimes,
      currency: 'CDF',
      created: iso(opts.now()),
      status: 'ACCEPTED',
      failureReason: undefined,
      providerTransactionId: undefined,
      duplicateCallback,
    };
    refunds.set(id, r);
    schedule(id, opts.refundDelayMs, () => finishRefund(r, d));
    return { status: 200, body: { refundId: id, status: 'ACCEPTED', created: r.created } };
  }

  function prompt(d: DepositRecord): WalletPrompt {
    return {
      depositId: d.depositId,
      phoneE164: e164FromMsisdn(d.phoneNumber) ?? `+${d.phoneNumber}`,
      amount: d.amount,
      currency: 'CDF',
      provider: d.provider,
      customerMessage: d.customerMessage ?? 'REGIDESO',
      createdAt: d.created,
    };
  }

  return {
    initiateDeposit,
    initiateRefund,

    depositStatus(id: string): Reply {
      const d = deposits.get(id);
      return { status: 200, body: d ? { status: 'FOUND', data: depositData(d) } : { status: 'NOT_FOUND' } };
    },

    refundStatus(id: string): Reply {
      const r = refunds.get(id);
      return { status: 200, body: r ? { status: 'FOUND', data: refundData(r) } : { status: 'NOT_FOUND' } };
    },

    deposit: (id: string) => deposits.get(id),
    refund: (id: string) => refunds.get(id),
    depositData,
    refundData,
    allDeposits: () => [...deposits.values()],
    allRefunds: () => [...refunds.values()],

    /** PIN prompts waiting on a phone; showing them stops the automatic approval. */
    prompts(phone: string): WalletPrompt[] {
      const e164 = toE164(phone);
      if (e164 === undefined) return [];
      const shown: WalletPrompt[] = [];
      for (const d of deposits.values()) {
        if (d.prompt === 'none' || e164FromMsisdn(d.phoneNumber) !== e164) continue;
        if (d.prompt === 'waiting') {
          d.prompt = 'shown';
          d.status = 'PROCESSING';
          // A prompt left unanswered times out on the phone, as a real wallet's does.
          schedule(d.depositId, opts.promptTimeoutMs, () => finishDeposit(d, { failureCode: 'PAYMENT_NOT_APPROVED', failureMessage: 'The customer did not enter the PIN in time.' }));
        }
        shown.push(prompt(d));
      }
      return shown.sort((a, b) => a.createdAt.localeCompare(b.createdAt));
    },

    /** The subscriber's answer to a prompt: any four digits approve; anything else declines. */
    answer(depositId: string, answer: { pin: string } | { decline: true }): 'approved' | 'declined' | 'not_found' {
      const d = deposits.get(depositId);
      if (!d || d.prompt === 'none') return 'not_found';
      if ('pin' in answer && PIN.test(answer.pin)) {
        finishDeposit(d, undefined);
        return 'approved';
      }
      finishDeposit(d, NOT_APPROVED);
      return 'declined';
    },

    close(): void {
      closed = true;
      for (const t of timers.values()) clearTimeout(t);
      timers.clear();
    },
  };
}

export type WalletState = ReturnType<typeof createWalletState>;
