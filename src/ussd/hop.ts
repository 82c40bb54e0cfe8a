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
 * The gateway's `text` without what some gateways leave of the dialled string: `*123*1*83262#`
 * (or `1*83262#`) with service code `*123#` becomes `1*83262`.
 */
export function normalizeText(text: string, serviceCode: string): string {
  let t = text.trim();
  if (t.endsWith('#')) t = t.slice(0, -1);
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
  const stored = session.responses.find(([t]) => t === text);
  if (stored !== undefined) return { kind: 'retry', response: stored[1] };
  if (session.text === '') return { kind: 'input', input: text, mode: 'cumulative' };
  if (text.startsWith(session.text + '*')) return { kind: 'input', input: text.slice(session.text.length + 1), mode: 'cumulative' };
  const fromOlderPoint = session.responses.some(([t]) => t !== '' && (text.startsWith(t + '*') || session.text.startsWith(text + '*')));
  if (fromOlderPoint || configured === 'cumulative') return { kind: 'stale' };
  return { kind: 'input', input: text, mode: 'last' };
}
