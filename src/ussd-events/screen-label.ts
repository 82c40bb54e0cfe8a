/**
 * The `screen` label of the stop-screen metric. It comes from the menu's own screen id (a small
 * fixed set, resolved by the USSD session store) or is one of the fixed words below: never from the
 * text we sent, whose first line on some screens is the subscriber's name (`CON MUKEBA MUKEBA`) and
 * would reach `/metrics` and the logs.
 */

/** What the menu schema allows for a screen id (`pay_bills`): lower-case, so no name fits it. */
const SCREEN_ID = /^[a-z][a-z0-9_]{0,39}$/;

/** No screen id known and no text either (the session never got a screen). */
export const NO_SCREEN = 'none';
/** No screen id known; the text itself is never turned into a label. */
export const UNKNOWN_SCREEN = 'unknown';

export function isScreenId(id: string): boolean {
  return SCREEN_ID.test(id);
}

/** The label when no screen id is known: only says whether a screen was shown at all. */
export function fallbackScreenLabel(lastAppResponse: string | undefined): string {
  const body = (lastAppResponse ?? '').replace(/^\s*(CON|END)\b/, '').trim();
  return body === '' ? NO_SCREEN : UNKNOWN_SCREEN;
}
