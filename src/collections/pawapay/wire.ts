import { z } from 'zod';

/**
 * pawaPay Merchant API v2 bodies, as zod schemas: every answer is parsed through one of these
 * before anything is believed. Objects strip fields we do not use (pawaPay adds fields over time;
 * an addition must not break collection), and only what the decisions rest on is required.
 */

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const uuidSchema = z.string().regex(UUID, 'must be a UUID');

export const failureReasonSchema = z.object({
  failureCode: z.string().min(1),
  failureMessage: z.string().optional(),
});
export type FailureReason = z.infer<typeof failureReasonSchema>;

/** POST /v2/deposits and POST /v2/refunds answer (HTTP 200). */
export const initiationAnswerSchema = z.object({
  depositId: z.string().optional(),
  refundId: z.string().optional(),
  status: z.enum(['ACCEPTED', 'REJECTED', 'DUPLICATE_IGNORED']),
  failureReason: failureReasonSchema.optional(),
  created: z.string().optional(),
});

/** What a 4xx/5xx carries when pawaPay itself answers (not a proxy): a failure reason. */
export const errorAnswerSchema = z.object({ failureReason: failureReasonSchema });

const partySchema = z.object({
  type: z.string(),
  accountDetails: z.object({ phoneNumber: z.string(), provider: z.string() }),
});

/** A deposit as pawaPay reports it: `data` of GET /v2/deposits/{id}, and the deposit callback body. */
export const depositSchema = z.object({
  depositId: uuidSchema,
  /** ACCEPTED, PROCESSING, IN_RECONCILIATION, COMPLETED, FAILED (callbacks: COMPLETED, FAILED, PROCESSING). */
  status: z.string().min(1),
  amount: z.string(),
  currency: z.string(),
  country: z.string().optional(),
  payer: partySchema.optional(),
  customerMessage: z.string().optional(),
  clientReferenceId: z.string().optional(),
  created: z.string().optional(),
  providerTransactionId: z.string().optional(),
  failureReason: failureReasonSchema.optional(),
  metadata: z.record(z.string(), z.unknown()).optional(),
});
export type PawapayDeposit = z.infer<typeof depositSchema>;

/** A refund as pawaPay reports it: `data` of GET /v2/refunds/{id}, and the refund callback body. */
export const refundSchema = z.object({
  refundId: uuidSchema,
  status: z.string().min(1),
  amount: z.string(),
  currency: z.string(),
  country: z.string().optional(),
  recipient: partySchema.optional(),
  customerMessage: z.string().optional(),
  clientReferenceId: z.string().optional(),
  created: z.string().optional(),
  providerTransactionId: z.string().optional(),
  failureReason: failureReasonSchema.optional(),
  metadata: z.record(z.string(), z.unknown()).optional(),
});
export type PawapayRefund = z.infer<typeof refundSchema>;

/**
 * The bodies pawaPay POSTs to our callback URLs when a deposit or a refund reaches a final status.
 * A callback is only a hint (it can be lost, repeated, reordered or forged): parse it to learn the
 * id, then read the status from pawaPay before changing anything.
 */
export const depositCallbackSchema = depositSchema;
export const refundCallbackSchema = refundSchema;
export type DepositCallback = PawapayDeposit;
export type RefundCallback = PawapayRefund;

/** GET /v2/deposits/{id} and GET /v2/refunds/{id}. */
export const depositStatusAnswerSchema = z.discriminatedUnion('status', [
  z.object({ status: z.literal('FOUND'), data: depositSchema }),
  z.object({ status: z.literal('NOT_FOUND') }),
]);
export const refundStatusAnswerSchema = z.discriminatedUnion('status', [
  z.object({ status: z.literal('FOUND'), data: refundSchema }),
  z.object({ status: z.literal('NOT_FOUND') }),
]);

/** POST /v2/predict-provider. */
export const predictAnswerSchema = z.object({
  country: z.string(),
  provider: z.string(),
  phoneNumber: z.string(),
});

/** One operation type's settings in the active configuration. */
export const operationConfSchema = z.object({
  minAmount: z.string().optional(),
  maxAmount: z.string().optional(),
  // Older examples in pawaPay's reference name the limits this way.
  minTransactionLimit: z.string().optional(),
  maxTransactionLimit: z.string().optional(),
  decimalsInAmount: z.string().optional(),
  /** OPERATIONAL, DELAYED or CLOSED. */
  status: z.string().optional(),
  /** Deposits: AUTOMATIC (the wallet raises the prompt) or MANUAL (the subscriber must dial a code). */
  pinPrompt: z.string().optional(),
  pinPromptRevivable: z.boolean().optional(),
  /** Per channel (USSD, APP), texts per language with their variables; read by dialCodeFrom (pin-prompt.ts). */
  pinPromptInstructions: z.unknown().optional(),
});
export type OperationConf = z.infer<typeof operationConfSchema>;

/**
 * GET /v2/active-conf. `operationTypes` is read by `operationConf` (rules.ts): the live API keys it
 * by operation type, pawaPay's reference shows a list; both are accepted.
 */
export const activeConfSchema = z.object({
  countries: z.array(
    z.object({
      country: z.string(),
      providers: z.array(
        z.object({
          provider: z.string(),
          currencies: z.array(z.object({ currency: z.string(), operationTypes: z.unknown() })),
        }),
      ),
    }),
  ),
});
export type ActiveConf = z.infer<typeof activeConfSchema>;
