import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { PROVIDERS, type Provider } from '../collections/types';
import { LANGUAGES } from '../language';
import { PROVINCE_CODES } from '../provinces';
import { REFUSAL_REASONS, type ConfirmOutcome, type PaymentRecord, type PaymentRequest, type PaymentStatus } from './types';

/**
 * A payment intent as the ledger holds it: the public record plus what the job needs to move it
 * forward exactly once. Read from PostgreSQL through this schema: a row the code cannot read
 * fails loudly rather than pay.
 *
 *   pending ──(wallet)──▶ collecting ──▶ collected ──▶ submitted ──▶ succeeded
 *      │                     │                          │  ▲   └──▶ uncertain ──▶ reconciled / partial
 *      └──(none)─────────────┼─────────────────────────▶┘  └───────────┘ (not landed: pay again)
 *                            └──▶ failed (nothing taken)        refused after collection ──▶ refunding ──▶ refunded / refund_failed
 */
export const OPEN_STATUSES = ['pending', 'collecting', 'collected', 'submitted', 'uncertain', 'refunding'] as const satisfies readonly PaymentStatus[];
export const FINAL_STATUSES = ['succeeded', 'reconciled', 'failed', 'refunded', 'refund_failed', 'partial'] as const satisfies readonly PaymentStatus[];
const STATUSES = [...OPEN_STATUSES, ...FINAL_STATUSES] as const;

const balanceSchema = z.object({ faeId: z.string(), balanceCentimes: z.number().int() });
const billSchema = balanceSchema.extend({ billNumber: z.string(), issuedOn: z.string() });
export type Balance = z.infer<typeof balanceSchema>;

const date = z.date();
const nullableDate = z.date().nullable();

export const intentSchema = z.object({
  id: z.string(),
  sessionId: z.string(),
  phone: z.string(),
  language: z.enum(LANGUAGES),
  refClient: z.string(),
  province: z.enum(PROVINCE_CODES),
  subscriberName: z.string(),
  operator: z.string(),
  bills: z.array(billSchema),
  amountCentimes: z.number().int().positive(),
  collection: z.enum(['wallet', 'none']),
  status: z.enum(STATUSES),
  version: z.number().int(),
  holdsAccount: z.boolean(),
  baseline: z.array(balanceSchema).nullable(),
  payAttempts: z.number().int(),
  submittedAt: nullableDate,
  numAcquit: z.string().nullable(),
  ownReference: z.boolean(),
  remainingCentimes: z.number().int().nullable(),
  refusalReason: z.enum(REFUSAL_REASONS).nullable(),
  failureMessage: z.string().nullable(),
  provider: z.enum(PROVIDERS).nullable(),
  depositId: z.string().nullable(),
  depositStatus: z.string().nullable(),
  depositFailureCode: z.string().nullable(),
  providerTxnId: z.string().nullable(),
  collectedCentimes: z.number().int().nullable(),
  collectingSince: nullableDate,
  refundId: z.string().nullable(),
  refundStatus: z.string().nullable(),
  refundFailureCode: z.string().nullable(),
  unresolved: z.boolean(),
  flagReason: z.string().nullable(),
  flaggedAt: nullableDate,
  resolvedAt: nullableDate,
  resolvedBy: z.string().nullable(),
  resolutionNote: z.string().nullable(),
  nextCheckAt: date,
  createdAt: date,
  updatedAt: date,
});

export type Intent = z.infer<typeof intentSchema>;
/** The fields a step may change; `version` and `updatedAt` belong to the ledger. */
export type IntentPatch = Partial<Omit<Intent, 'id' | 'version' | 'updatedAt' | 'createdAt'>>;

export function newIntent(req: PaymentRequest, id: string, opts: { operator: string; collection: 'wallet' | 'none'; at: Date }): Intent {
  return {
    id,
    sessionId: req.sessionId,
    phone: req.phoneNumber,
    language: req.language,
    refClient: req.refClient,
    province: req.province,
    subscriberName: req.subscriberName,
    operator: opts.operator,
    bills: req.bills.map((b) => ({ faeId: b.faeId, billNumber: b.billNumber, issuedOn: b.issuedOn, balanceCentimes: b.balanceCentimes })),
    amountCentimes: req.amountCentimes,
    collection: opts.collection,
    status: 'pending',
    version: 1,
    holdsAccount: false,
    baseline: null,
    payAttempts: 0,
    submittedAt: null,
    numAcquit: null,
    ownReference: false,
    remainingCentimes: null,
    refusalReason: null,
    failureMessage: null,
    provider: opts.collection === 'wallet' ? (req.provider ?? null) : null,
    // Drawn and stored before any call to the wallet that uses it: a lost answer is resent under the same id.
    depositId: opts.collection === 'wallet' ? randomUUID() : null,
    depositStatus: null,
    depositFailureCode: null,
    providerTxnId: null,
    collectedCentimes: null,
    collectingSince: null,
    refundId: null,
    refundStatus: null,
    refundFailureCode: null,
    unresolved: false,
    flagReason: null,
    flaggedAt: null,
    resolvedAt: null,
    resolvedBy: null,
    resolutionNote: null,
    nextCheckAt: opts.at,
    createdAt: opts.at,
    updatedAt: opts.at,
  };
}

/** The wallet fields a deposit needs: chosen and drawn when a wallet payment is confirmed (`newIntent`). */
export type WithDeposit = { provider: Provider; depositId: string };
/** `collecting`: the deposit is asked for under the id drawn at confirmation, from the wallet chosen then. */
export type CollectingIntent = Intent & WithDeposit & { status: 'collecting' };
/** `refunding`: the collected deposit goes back under the refund id drawn when the intent entered this state. */
export type RefundingIntent = Intent & { status: 'refunding'; depositId: string; refundId: string };

export function hasDeposit<T extends Intent>(it: T): it is T & WithDeposit {
  return it.provider !== null && it.depositId !== null;
}

/**
 * Which step moves an open intent on, with the fields that step needs made part of its type. Every
 * way into `collecting` and `refunding` writes those fields in the same change, so `inconsistent`
 * means a row written by hand or by a bug: the job stops on it loudly rather than ask the wallet
 * under an empty id.
 */
export type Phase =
  | { step: 'start_collection' | 'pay' | 'reconcile'; it: Intent }
  | { step: 'collect'; it: CollectingIntent }
  | { step: 'refund'; it: RefundingIntent }
  | { step: 'inconsistent'; it: Intent; missing: string }
  | { step: 'settled'; it: Intent };

export function phaseOf(it: Intent): Phase {
  switch (it.status) {
    case 'pending':
      return { step: it.collection === 'wallet' ? 'start_collection' : 'pay', it };
    case 'collecting':
      if (it.provider === null) return { step: 'inconsistent', it, missing: 'provider' };
      if (it.depositId === null) return { step: 'inconsistent', it, missing: 'depositId' };
      return { step: 'collect', it: { ...it, status: it.status, provider: it.provider, depositId: it.depositId } };
    case 'collected':
      return { step: 'pay', it };
    case 'submitted':
    case 'uncertain':
      return { step: 'reconcile', it };
    case 'refunding':
      if (it.refundId === null) return { step: 'inconsistent', it, missing: 'refundId' };
      if (it.depositId === null) return { step: 'inconsistent', it, missing: 'depositId' };
      return { step: 'refund', it: { ...it, status: it.status, refundId: it.refundId, depositId: it.depositId } };
    default:
      return { step: 'settled', it };
  }
}

export function isOpen(it: Pick<Intent, 'status'>): boolean {
  return (OPEN_STATUSES as readonly string[]).includes(it.status);
}

/** A replayed confirm must be the same payment: same phone, account, bills and amount. */
export function sameRequest(it: Intent, req: PaymentRequest): boolean {
  const ids = (bills: Array<{ faeId: string }>) => bills.map((b) => b.faeId).sort().join(',');
  return (
    it.phone === req.phoneNumber &&
    it.refClient === req.refClient &&
    it.province === req.province &&
    it.amountCentimes === req.amountCentimes &&
    ids(it.bills) === ids(req.bills)
  );
}

export function toRecord(it: Intent): PaymentRecord {
  const iso = (d: Date | null) => (d === null ? null : d.toISOString());
  return {
    intentId: it.id,
    sessionId: it.sessionId,
    phoneNumber: it.phone,
    language: it.language,
    refClient: it.refClient,
    province: it.province,
    subscriberName: it.subscriberName,
    billIds: it.bills.map((b) => b.faeId),
    amountCentimes: it.amountCentimes,
    status: it.status,
    numAcquit: it.numAcquit,
    ownReference: it.ownReference,
    remainingCentimes: it.remainingCentimes,
    failureMessage: it.failureMessage,
    collection: it.collection,
    provider: it.provider,
    depositId: it.depositId,
    depositStatus: it.depositStatus,
    providerTransactionId: it.providerTxnId,
    refundId: it.refundId,
    refundStatus: it.refundStatus,
    flagReason: it.flagReason,
    flaggedAt: iso(it.flaggedAt),
    resolvedAt: iso(it.resolvedAt),
    resolvedBy: it.resolvedBy,
    resolutionNote: it.resolutionNote,
    createdAt: it.createdAt.toISOString(),
    updatedAt: it.updatedAt.toISOString(),
  };
}

/** What the confirm hop answers for an intent in this state. */
export function outcomeOf(it: Intent): ConfirmOutcome {
  switch (it.status) {
    case 'succeeded':
      return { kind: 'succeeded', numAcquit: it.numAcquit ?? '', amountCentimes: it.amountCentimes, remainingCentimes: it.remainingCentimes };
    case 'reconciled':
      return { kind: 'applied_without_receipt', reference: it.numAcquit ?? '', amountCentimes: it.amountCentimes };
    case 'failed':
      return it.refusalReason !== null
        ? { kind: 'refused', reason: it.refusalReason, message: it.failureMessage ?? it.refusalReason }
        : // Failed with nothing taken: the same screen as a payment that could not be recorded.
          { kind: 'failed', message: it.failureMessage ?? 'the payment could not be made' };
    case 'pending':
    case 'collecting':
      if (it.collection === 'wallet' && it.provider !== null) return { kind: 'collecting', amountCentimes: it.amountCentimes, provider: it.provider };
      return { kind: 'pending', amountCentimes: it.amountCentimes };
    default:
      return { kind: 'pending', amountCentimes: it.amountCentimes };
  }
}
