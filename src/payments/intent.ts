import { z } from 'zod';
import { LANGUAGES } from '../language';
import { PROVINCE_CODES } from '../provinces';
import type { ConfirmOutcome, PaymentRecord, PaymentRequest } from './types';

/**
 * A payment intent as kept in Redis: the public `PaymentRecord` plus what the job needs to pay
 * exactly once (the bills' balances right before the first PayFact, the receipt step's state).
 * Parsed with zod on every read: a record written by an older version must fail loudly, not pay.
 */
const REFUSAL_REASONS = [
  'amount_above_balance',
  'amount_below_minimum',
  'no_unpaid_bill',
  'bills_already_paid',
  'bills_not_owned',
  'client_not_found',
  'rejected',
] as const satisfies ReadonlyArray<Extract<ConfirmOutcome, { kind: 'refused' }>['reason']>;

export type RefusalReason = (typeof REFUSAL_REASONS)[number];

const balanceSchema = z.object({ faeId: z.string(), balanceCentimes: z.number().int() });

export const intentSchema = z.object({
  intentId: z.string(),
  sessionId: z.string(),
  phoneNumber: z.string(),
  language: z.enum(LANGUAGES),
  refClient: z.string(),
  province: z.enum(PROVINCE_CODES),
  subscriberName: z.string(),
  operator: z.string(),
  /** The selected bills as the subscriber saw them on the confirm screen. */
  bills: z.array(balanceSchema.extend({ billNumber: z.string(), issuedOn: z.string() })),
  amountCentimes: z.number().int(),
  status: z.enum(['pending', 'submitted', 'succeeded', 'failed', 'uncertain', 'reconciled']),
  /** The selected bills' balances read by the job just before the first PayFact: what reconciliation compares with. */
  baseline: z.array(balanceSchema).optional(),
  payAttempts: z.number().int(),
  /** When the latest PayFact was about to leave: "not landed" is believed only some time after it. */
  submittedAt: z.string().optional(),
  numAcquit: z.string().optional(),
  ownReference: z.boolean(),
  remainingCentimes: z.number().int().optional(),
  refusalReason: z.enum(REFUSAL_REASONS).optional(),
  failureMessage: z.string().optional(),
  /** Needs a person: money landed without a receipt number, or the outcome could not be settled. */
  flagged: z.boolean(),
  /**
   * The job gave up on an `uncertain` intent (REGIDESO unreachable to the end): the recovery sweep
   * reconciles it later, once REGIDESO answers again. Absent on intents written before it existed.
   */
  unresolved: z.boolean().optional(),
  receipt: z.object({
    /** `skipped`: the confirm hop already told the subscriber (nothing was queued). */
    status: z.enum(['none', 'sent', 'failed', 'skipped']),
    attempts: z.number().int(),
    messageId: z.string().optional(),
  }),
  createdAt: z.string(),
  updatedAt: z.string(),
});

export type Intent = z.infer<typeof intentSchema>;

export function newIntent(req: PaymentRequest, intentId: string, operator: string, at: Date): Intent {
  return {
    intentId,
    sessionId: req.sessionId,
    phoneNumber: req.phoneNumber,
    language: req.language,
    refClient: req.refClient,
    province: req.province,
    subscriberName: req.subscriberName,
    operator,
    bills: req.bills.map((b) => ({ faeId: b.faeId, billNumber: b.billNumber, issuedOn: b.issuedOn, balanceCentimes: b.balanceCentimes })),
    amountCentimes: req.amountCentimes,
    status: 'pending',
    payAttempts: 0,
    ownReference: false,
    flagged: false,
    receipt: { status: 'none', attempts: 0 },
    createdAt: at.toISOString(),
    updatedAt: at.toISOString(),
  };
}

/** Nothing more for the payment step to do (the receipt step may still have work). */
export function isSettled(it: Intent): boolean {
  return it.status === 'succeeded' || it.status === 'failed' || it.status === 'reconciled' || (it.status === 'uncertain' && it.flagged);
}

/** Flagged `uncertain` because nobody could tell, not because the balances said "partial": the sweep resolves it. */
export function needsResolution(it: Intent): boolean {
  return it.status === 'uncertain' && it.unresolved === true;
}

/**
 * Whether the intent keeps its account locked: a PayFact of it may be in flight or may yet land
 * (`submitted`, `uncertain` not given up, or given up and awaiting resolution). A `pending` intent
 * has sent nothing; a settled or `partial` one has nothing left that reconciliation could learn.
 */
export function holdsAccount(it: Intent): boolean {
  if (it.status === 'submitted') return true;
  if (it.status === 'uncertain') return !it.flagged || it.unresolved === true;
  return false;
}

export function toRecord(it: Intent): PaymentRecord {
  return {
    intentId: it.intentId,
    sessionId: it.sessionId,
    phoneNumber: it.phoneNumber,
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
    createdAt: it.createdAt,
    updatedAt: it.updatedAt,
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
      return it.refusalReason !== undefined
        ? { kind: 'refused', reason: it.refusalReason, message: it.failureMessage ?? it.refusalReason }
        : { kind: 'failed', message: it.failureMessage ?? 'the payment could not be made' };
    case 'pending':
    case 'submitted':
    case 'uncertain':
      return { kind: 'pending', amountCentimes: it.amountCentimes };
  }
}
