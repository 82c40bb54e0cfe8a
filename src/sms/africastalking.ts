import { z } from 'zod';
import type { Logger } from '../logging/logger';
import { maskPhone } from '../logging/mask';
import type { SmsSendOutcome, SmsTransport } from './transport';

/**
 * Africa's Talking through its official SDK (`africastalking` 0.8.3). The SDK has no types, no
 * timeout and hard-coded URLs: it posts form-encoded `username, to, message[, from]` and
 * `bulkSMSMode=1` to `https://api.africastalking.com/version1/messaging` (`api.sandbox.…` when
 * the username is `sandbox`, a switch it makes process-wide) with an `apikey` header, resolves
 * with the JSON answer on `201` and rejects otherwise. This wrapper types that answer with zod,
 * races the call against a timeout, and turns every recipient status and HTTP failure into a
 * `SmsSendOutcome`.
 */
export interface AfricasTalkingOptions {
  username: string;
  apiKey: string;
  senderId?: string;
  timeoutMs?: number;
  logger: Logger;
}

interface SdkSms {
  send(params: { to: string[]; message: string; from?: string }): Promise<unknown>;
}

const DEFAULT_TIMEOUT_MS = 10_000;

const answerSchema = z.object({
  SMSMessageData: z.object({
    Message: z.string().optional(),
    Recipients: z.array(
      z.object({
        statusCode: z.coerce.number().int(),
        status: z.string().optional(),
        number: z.string().optional(),
        messageId: z.string().optional(),
        cost: z.string().optional(),
      }),
    ),
  }),
});

const axiosErrorSchema = z.object({
  isAxiosError: z.literal(true),
  message: z.string(),
  code: z.string().optional(),
  response: z.object({ status: z.number().int() }).optional(),
});

/**
 * Per-recipient status codes. 100 Processed, 101 Sent, 102 Queued are successes. Gateway-side
 * faults (500 InternalServerError, 501 GatewayError, 502 RejectedByGateway, 407 CouldNotRoute) may
 * pass on a later try; the others are about the number or the account and will not.
 */
const SUCCESS_CODES = new Set([100, 101, 102]);
const TRANSIENT_CODES = new Set([407, 500, 501, 502]);

export function createAfricasTalkingTransport(opts: AfricasTalkingOptions): SmsTransport {
  const sms = loadSdk(opts.username, opts.apiKey);
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;

  return {
    name: 'africastalking',
    async send(to: string, message: string): Promise<SmsSendOutcome> {
      const params = { to: [to], message, ...(opts.senderId !== undefined ? { from: opts.senderId } : {}) };
      const settled = await withTimeout(sms.send(params), timeoutMs);
      const outcome = settled.kind === 'timeout'
        ? { kind: 'transient_failure' as const, message: `Africa's Talking did not answer within ${timeoutMs} ms` }
        : settled.kind === 'rejected'
          ? outcomeOfSdkError(settled.error)
          : outcomeOfAnswer(settled.value);
      if (outcome.kind !== 'sent') {
        opts.logger.warn('sms not sent', { transport: 'africastalking', phone: maskPhone(to), outcome: outcome.kind, reason: outcome.message });
      }
      return outcome;
    },
  };
}

function outcomeOfAnswer(value: unknown): SmsSendOutcome {
  const parsed = answerSchema.safeParse(value);
  if (!parsed.success) return { kind: 'transient_failure', message: "unexpected answer from Africa's Talking" };
  const [recipient] = parsed.data.SMSMessageData.Recipients;
  if (recipient === undefined) {
    // No recipient at all: the request itself was refused (e.g. InvalidSenderId).
    return { kind: 'permanent_failure', message: parsed.data.SMSMessageData.Message ?? 'no recipient accepted' };
  }
  const label = `${recipient.statusCode} ${recipient.status ?? ''}`.trim();
  if (SUCCESS_CODES.has(recipient.statusCode)) return { kind: 'sent', messageId: recipient.messageId };
  if (TRANSIENT_CODES.has(recipient.statusCode)) return { kind: 'transient_failure', message: label };
  return { kind: 'permanent_failure', message: label };
}

/** What a rejection of the SDK's promise means; exported for tests of the cases nock cannot stage reliably. */
export function outcomeOfSdkError(error: unknown): SmsSendOutcome {
  const axiosError = axiosErrorSchema.safeParse(error);
  if (axiosError.success) {
    // The error object carries the request config and its apikey header: only the status leaves here.
    const status = axiosError.data.response?.status;
    if (status === undefined) return { kind: 'transient_failure', message: `network: ${axiosError.data.code ?? 'no answer'}` };
    if (status === 408 || status === 429 || status >= 500) return { kind: 'transient_failure', message: `HTTP ${status}` };
    if (status === 401 || status === 403) return { kind: 'permanent_failure', message: `HTTP ${status}: credentials refused` };
    return { kind: 'permanent_failure', message: `HTTP ${status}` };
  }
  // The SDK rejects with an Error when its own validation fails (a bad number): trying again is useless.
  // (Network errors are AxiosErrors, handled above.)
  if (error instanceof Error) return { kind: 'permanent_failure', message: error.message.slice(0, 200) };
  // Any other rejection is the body of a non-201 2xx answer.
  return { kind: 'transient_failure', message: "unexpected status from Africa's Talking" };
}

type Settled = { kind: 'ok'; value: unknown } | { kind: 'rejected'; error: unknown } | { kind: 'timeout' };

async function withTimeout(promise: Promise<unknown>, ms: number): Promise<Settled> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<Settled>((resolve) => {
    timer = setTimeout(() => resolve({ kind: 'timeout' }), ms);
  });
  try {
    return await Promise.race([
      promise.then(
        (value): Settled => ({ kind: 'ok', value }),
        (error: unknown): Settled => ({ kind: 'rejected', error }),
      ),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

function loadSdk(username: string, apiKey: string): SdkSms {
  // The SDK ships no type declarations; its shape is checked here instead.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const factory: unknown = require('africastalking');
  if (typeof factory !== 'function') throw new Error('africastalking SDK: unexpected module shape');
  const client: unknown = factory({ apiKey, username });
  if (!isRecord(client) || !isRecord(client.SMS) || typeof client.SMS.send !== 'function') {
    throw new Error('africastalking SDK: no SMS.send');
  }
  const smsObject = client.SMS;
  const send = client.SMS.send;
  return { send: (params) => Promise.resolve(send.call(smsObject, params) as unknown) };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null;
}
