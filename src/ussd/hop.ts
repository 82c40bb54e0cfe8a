import { z } from 'zod';

/** One USSD request as Africa's Talking posts it (form-encoded). */
export const ussdHopSchema = z.object({
  sessionId: z.string().trim().min(1).max(128),
  serviceCode: z.string().trim().max(64).default(''),
  phoneNumber: z.string().trim().regex(/^\+?\d{6,20}$/, 'not a phone number'),
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

export type InputStep =
  /** A gateway retry: answer with the stored screen, change nothing. */
  | { kind: 'retry'; response: string }
  /** A late or conflicting hop from an older point of the path: answer with the current screen. */
  | { kind: 'stale' }
  | { kind: 'input'; input: string; mode: 'cumulative' | 'last' };

export type GatewayMode = 'auto' | 'cumulative' | 'last';

/**
 * The new input of a hop, from the stored cursor: Africa's Talking sends every input so far
 * joined by `*`, so the new input is what follows the previous text and a `*` (and may itself
 * contain `*`). Gateways that send only the newest input are recognised when the text is not an
 * extension of the cursor (mode `auto`), or declared (`last`).
 */
export function nextInput(
  session: { text: string; mode: 'cumulative' | 'last'; responses: Array<[string, string]> },
  text: string,
  configured: GatewayMode,
): InputStep {
  const mode = configured === 'auto' ? session.mode : configured;
  if (mode === 'last') return { kind: 'input', input: text, mode: 'last' };
  // Sessions saved before `#` was stripped from every input may hold one in their cursor.
  const cursor = normalizeInputs(session.text);
  const stored = session.responses.find(([t]) => normalizeInputs(t) === text);
  if (stored !== undefined) return { kind: 'retry', response: stored[1] };
  if (cursor === '') return { kind: 'input', input: text, mode: 'cumulative' };
  if (text.startsWith(cursor + '*')) return { kind: 'input', input: text.slice(cursor.length + 1), mode: 'cumulative' };
  const fromOlderPoint = session.responses.some(([r]) => {
    const t = normalizeInputs(r);
    return t !== '' && (text.startsWith(t + '*') || cursor.startsWith(text + '*'));
  });
  if (fromOlderPoint || configured === 'cumulative') return { kind: 'stale' };
  return { kind: 'input', input: text, mode: 'last' };
}
