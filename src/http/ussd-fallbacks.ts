import type { Messages } from '../texts/catalogue';
import { SCREEN_PREFIX } from '../texts/messages';

/**
 * What the HTTP layer answers a USSD hop itself, when the engine cannot: a request it could not
 * read, or a hop that broke or ran out of time. The gateway shows the answer to the subscriber, so
 * it is a sentence from the catalogue (GSM-7, one screen, checked by `menus:check`), never an HTTP
 * error that kills the session with the telco's own message. French, the default language: this
 * layer answers without the session, so without the phone's language (unknown anyway when the
 * request cannot be read).
 */
export interface UssdFallbacks {
  badRequest: string;
  unavailable: string;
}

export function ussdFallbacks(messages: Messages): UssdFallbacks {
  return {
    badRequest: SCREEN_PREFIX + messages.text('fr', 'http.bad_request', {}),
    unavailable: SCREEN_PREFIX + messages.text('fr', 'http.unavailable', {}),
  };
}
