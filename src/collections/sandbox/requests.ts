import { z } from 'zod';

/**
 * The sandbox's reading of initiation bodies, with pawaPay's answers to a malformed one: HTTP 400
 * with MISSING_PARAMETER or INVALID_PARAMETER (a technical failure), as opposed to a well-formed
 * request pawaPay refuses (HTTP 200, status REJECTED).
 */

export interface Reply {
  status: number;
  body: Record<string, unknown>;
}

export function failureBody(code: string, message: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { ...extra, status: 'REJECTED', failureReason: { failureCode: code, failureMessage: message } };
}

const party = z.object({
  type: z.literal('MMO'),
  accountDetails: z.object({ phoneNumber: z.string(), provider: z.string() }),
});

export const depositRequestSchema = z.object({
  depositId: z.string(),
  amount: z.string(),
  currency: z.string(),
  payer: party,
  customerMessage: z.string().optional(),
  clientReferenceId: z.string().max(36).optional(),
  preAuthorisationCode: z.string().optional(),
  metadata: z.array(z.record(z.string(), z.unknown())).max(10).optional(),
});
export type DepositRequestBody = z.infer<typeof depositRequestSchema>;

export const refundRequestSchema = z.object({
  refundId: z.string(),
  depositId: z.string(),
  amount: z.string().optional(),
  currency: z.string().optional(),
  clientReferenceId: z.string().max(36).optional(),
  metadata: z.array(z.record(z.string(), z.unknown())).max(10).optional(),
});
export type RefundRequestBody = z.infer<typeof refundRequestSchema>;

export const predictRequestSchema = z.object({ phoneNumber: z.string() });

function valueAt(body: unknown, path: readonly PropertyKey[]): unknown {
  let v: unknown = body;
  for (const key of path) {
    if (typeof v !== 'object' || v === null) return undefined;
    v = (v as Record<PropertyKey, unknown>)[key];
  }
  return v;
}

/** The parsed body, or pawaPay's 400 naming the first missing or invalid parameter. */
export function readBody<T>(schema: z.ZodType<T>, body: unknown, idField: string): { ok: true; value: T } | { ok: false; reply: Reply } {
  const parsed = schema.safeParse(body ?? {});
  if (parsed.success) return { ok: true, value: parsed.data };
  const issue = parsed.error.issues[0];
  const path = issue?.path ?? [];
  const name = path.map(String).join('.') || 'body';
  const missing = path.length > 0 && valueAt(body, path) === undefined;
  const id = valueAt(body, [idField]);
  const extra = typeof id === 'string' ? { [idField]: id } : {};
  return {
    ok: false,
    reply: {
      status: 400,
      body: missing ? failureBody('MISSING_PARAMETER', `Request body is missing ${name}`, extra) : failureBody('INVALID_PARAMETER', `Request body has an invalid ${name}`, extra),
    },
  };
}
