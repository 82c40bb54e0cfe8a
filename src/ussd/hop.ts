import { z } from 'zod';
import { phoneSchema } from '../phone';

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
