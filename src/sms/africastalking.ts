import { AsyncLocalStorage } from 'node:async_hooks';
import path from 'node:path';
import { z } from 'zod';
import type { Logger } from '../logging/logger';
import type { SmsSendOutcome, SmsTransport } from './transport';

/**
 * Africa's Talking through its official SDK (`africastalking` 0.8.3). The SDK has no types, no
 * timeout and hard-coded URLs: it posts form-encoded `username, to, message[, from]` and
 * `bulkSMSMode=1` to `https://api.africastalking.com/version1/messaging` (`api.sandbox.…` when
 * the username is `sandbox`, a switch it makes process-wide) with an `apikey` header, resolves
 * with the JSON answer on `201` and rejects otherwise. This wrapper types that answer with zod,
 * cancels a request that outlives its timeout, and turns every recipient status and HTTP failure
 * into a `SmsSendOutcome`: ours to retry, or the recipient's and final.
 */
export interface AfricasTalkingOptions {
  username: string;
  apiKey: string;
  senderId?: string;
  timeoutMs?: number;
  logger: Logger;
}

interface SdkSms {
  send(params: { to: string[]; message: string; from?: string }, timeoutMs: number): Promise<unknown>;
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
 * Per-recipient status codes. 100 Processed, 101 Sent, 102 Queued are successes. The recipient's
 * own: 403 InvalidPhoneNumber, 404 UnsupportedNumberType, 406 UserInBlacklist, 409
 * DoNotDisturbRejection: final. Everything else is ours to fix or to wait out (401 RiskHold, 402
 * InvalidSenderId, 405 InsufficientBalance, 407 CouldNotRoute, 500, 501, 502): kept and retried.
 */
const SUCCESS_CODES = new Set([100, 101, 102]);
const RECIPIENT_CODES = new Set([403, 404, 406, 409]);

export function createAfricasTalkingTransport(opts: AfricasTalkingOptions): SmsTransport {
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const sms = loadSdk(opts.username, opts.apiKey);

  return {
    name: 'africastalking',
    async send(to: string, message: string): Promise<SmsSendOutcome> {
      const params = { to: [to], message, ...(opts.senderId !== undefined ? { from: opts.senderId } : {}) };
      // Failures are logged once, by the SMS queue that decides what follows.
      return sms.send(params, timeoutMs).then(outcomeOfAnswer, outcomeOfSdkError);
    },
  };
}

/** The 201 answer. One the gateway accepted but we cannot read is still accepted: sending it again would send it twice. */
function outcomeOfAnswer(value: unknown): SmsSendOutcome {
  const parsed = answerSchema.safeParse(value);
  if (!parsed.success) return { kind: 'sent', messageId: undefined };
  const [recipient] = parsed.data.SMSMessageData.Recipients;
  if (recipient === undefined) {
    // No recipient at all: the request itself was refused (InvalidSenderId and the like): ours.
    return { kind: 'retry', reason: 'sender_id', message: parsed.data.SMSMessageData.Message ?? 'no recipient accepted' };
  }
  const label = `${recipient.statusCode} ${recipient.status ?? ''}`.trim();
  if (SUCCESS_CODES.has(recipient.statusCode)) return { kind: 'sent', messageId: recipient.messageId };
  if (RECIPIENT_CODES.has(recipient.statusCode)) return { kind: 'refused', message: label };
  if (recipient.statusCode === 405) return { kind: 'retry', reason: 'credit', message: label };
  if (recipient.statusCode === 401) return { kind: 'retry', reason: 'credentials', message: label };
  if (recipient.statusCode === 402) return { kind: 'retry', reason: 'sender_id', message: label };
  return { kind: 'retry', reason: 'gateway', message: label };
}

/** What a rejection of the SDK's promise means; exported for tests of the cases nock cannot stage reliably. */
export function outcomeOfSdkError(error: unknown): SmsSendOutcome {
  const axiosError = axiosErrorSchema.safeParse(error);
  if (axiosError.success) {
    // The error object carries the request config and its apikey header: only the status leaves here.
    const status = axiosError.data.response?.status;
    const code = axiosError.data.code;
    if (status === undefined) {
      const timedOut = code === 'ERR_CANCELED' || code === 'ECONNABORTED' || code === 'ETIMEDOUT';
      return { kind: 'retry', reason: timedOut ? 'timeout' : 'network', message: `network: ${code ?? 'no answer'}` };
    }
    if (status === 401 || status === 403) return { kind: 'retry', reason: 'credentials', message: `HTTP ${status}: our API key was refused` };
    if (status === 405 || status === 402) return { kind: 'retry', reason: 'credit', message: `HTTP ${status}: no credit` };
    return { kind: 'retry', reason: 'gateway', message: `HTTP ${status}` };
  }
  // The SDK rejects with an Error when its own validation fails (a number it calls invalid): the recipient's.
  if (error instanceof Error) return { kind: 'refused', message: error.message.slice(0, 200) };
  // Any other rejection is the body of a non-201 2xx answer.
  return { kind: 'retry', reason: 'gateway', message: "unexpected status from Africa's Talking" };
}

/**
 * The SDK posts through its own copy of axios with no timeout and no way to pass one. A request
 * interceptor on that copy gives every request an AbortSignal, so a send that takes too long is
 * cancelled on the wire (its socket closed), not merely abandoned while it goes on. The SDK's
 * axios serves only the SDK and is shared by every transport of the process, so the interceptor is
 * installed once and reads the timeout of the send that made the request from `sendTimeout`
 * (one interceptor per timeout would let the last one installed decide for every transport).
 */
const sendTimeout = new AsyncLocalStorage<number>();
let installed = false;

function giveSdkATimeout(): void {
  if (installed) return;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const sdkAxios: unknown = require(require.resolve('axios', { paths: [path.dirname(require.resolve('africastalking'))] }));
  // axios is a function with properties (`interceptors`, `default`), not a plain object.
  const instance = isObjectLike(sdkAxios) && isObjectLike(sdkAxios.default) ? sdkAxios.default : sdkAxios;
  if (!isObjectLike(instance) || !isRecord(instance.interceptors) || !isRecord(instance.interceptors.request) || typeof instance.interceptors.request.use !== 'function') {
    throw new Error('africastalking SDK: its axios has no request interceptors');
  }
  const use = instance.interceptors.request.use as (f: (config: Record<string, unknown>) => Record<string, unknown>) => unknown;
  use.call(instance.interceptors.request, (config) =>
    config.signal === undefined ? { ...config, signal: AbortSignal.timeout(sendTimeout.getStore() ?? DEFAULT_TIMEOUT_MS) } : config,
  );
  installed = true;
}

function loadSdk(username: string, apiKey: string): SdkSms {
  giveSdkATimeout();
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
  return { send: (params, timeoutMs) => sendTimeout.run(timeoutMs, () => Promise.resolve(send.call(smsObject, params) as unknown)) };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null;
}

function isObjectLike(v: unknown): v is Record<string, unknown> {
  return isRecord(v) || typeof v === 'function';
}
