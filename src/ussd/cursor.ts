import type { TextShape } from '../sessions/types';

export type GatewayMode = 'auto' | 'cumulative' | 'last';

export type PathStep =
  /** A late or conflicting hop from an older point of the path: answer with the current screen. */
  | { kind: 'stale' }
  /** What is new in this hop: one input, or several joined by `*`; and the gateway's shape as now known. */
  | { kind: 'inputs'; path: string; shape: TextShape };

/**
 * The new part of a hop's text, from the stored cursor. Retries of the last two hops never get here
 * (the begin script answers them), so a text that is neither the cursor nor one of them is either an
 * extension of the cursor (`cumulative`: Africa's Talking sends every input so far), or a gateway
 * that sends only the newest input (`last`), or a stale hop.
 *
 * `auto` decides once per session, and only on evidence: a hop extending a non-empty cursor proves
 * `cumulative` for good (after that, anything else is stale); while unproven, a text that does not
 * extend the cursor shows `last`. Until then at most two texts have been answered, the cursor and
 * the one before, both answered as retries: a stale or out-of-order cumulative hop can never be
 * taken for a new `last` input, nor switch the session. An empty text is only ever a first hop.
 */
export function nextPath(session: { text: string; shape: TextShape }, text: string, configured: GatewayMode): PathStep {
  if (configured === 'last' || session.shape === 'last') return { kind: 'inputs', path: text, shape: 'last' };
  const cursor = session.text;
  if (text === '' || text === cursor) return { kind: 'stale' };
  if (cursor === '') return { kind: 'inputs', path: text, shape: session.shape };
  if (text.startsWith(`${cursor}*`)) return { kind: 'inputs', path: text.slice(cursor.length + 1), shape: 'cumulative' };
  if (configured === 'cumulative' || session.shape === 'cumulative') return { kind: 'stale' };
  return { kind: 'inputs', path: text, shape: 'last' };
}
