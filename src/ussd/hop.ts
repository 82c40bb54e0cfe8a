import { z } from 'zod';
import { phoneSchema, toE164 } from '../phone';

/** One USSD request as Africa's Talking posts it (form-encoded). */
export const ussdHopSchema = z.object({
  sessionId: z.string().trim().min(1).max(128),
  serviceCode: z.string().trim().max(64).default(''),
  /** E.164: `243…`, ` 243…` (a `+` a form body turned into a space) and `+243…` are one subscriber. */
  phoneNumber: phoneSchema,
  networkCode: z.string().trim().max(16).optional(),
  text: z.string().max(512).default(''),
});
export type UssdHop = z.infer<typeof ussdHopSchema>;

/** The hop's fields as a form body carried them: a string each, or absent. */
export interface HopFields {
  sessionId?: string | undefined;
  serviceCode?: string | undefined;
  phoneNumber?: string | undefined;
  networkCode?: string | undefined;
  text?: string | undefined;
}

/**
 * `ussdHopSchema` without zod, for the hot path: the same hop when the schema would accept it,
 * undefined when it would not (then the caller asks the schema for the issues to report). Each
 * bound below is the schema's, in the same order of trimming and measuring; test/ussd/hop.test.ts
 * holds the two to the same outcome.
 */
export function readHop(f: HopFields): UssdHop | undefined {
  if (f.sessionId === undefined || f.phoneNumber === undefined) return undefined;
  const sessionId = f.sessionId.trim();
  if (sessionId.length < 1 || sessionId.length > 128) return undefined;
  const serviceCode = f.serviceCode === undefined ? '' : f.serviceCode.trim();
  if (serviceCode.length > 64) return undefined;
  if (f.phoneNumber.length > 32) return undefined;
  const phoneNumber = toE164(f.phoneNumber);
  if (phoneNumber === undefined) return undefined;
  const text = f.text ?? '';
  if (text.length > 512) return undefined;
  if (f.networkCode === undefined) return { sessionId, serviceCode, phoneNumber, text };
  const networkCode = f.networkCode.trim();
  if (networkCode.length > 16) return undefined;
  return { sessionId, serviceCode, phoneNumber, networkCode, text };
}

/**
 * A path with each input as the engine reads it: blanks around it and the `#` a phone may leave at
 * its end removed (`1*83262#*1` and `1*83262*1#` both become `1*83262*1`). Applied to the incoming
 * text and to the stored cursor alike, so neither a `#` nor a blank typed on one screen can make
 * every later hop look like one from an older point of the session.
 */
export function normalizeInputs(text: string): string {
  return text
    .split('*')
    .map((input) => input.trim().replace(/#+$/, '').trimEnd())
    .join('*');
}

/**
 * The gateway's `text` without what some gateways leave of the dialled string: `*123*1*83262#`
 * (or `1*83262#`) with service code `*123#` becomes `1*83262`.
 */
export function normalizeText(text: string, serviceCode: string): string {
  let t = normalizeInputs(text.trim());
  const base = serviceCode.trim().replace(/#$/, '');
  if (base !== '' && t.startsWith(base)) t = t.slice(base.length).replace(/^\*/, '');
  return t;
}
