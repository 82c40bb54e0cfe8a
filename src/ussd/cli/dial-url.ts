/**
 * Where `npm run dial -- --url …` posts its hops. People give the address the server announced
 * (`http://localhost:3000`), the callback Africa's Talking is given (`…/ussd`), or the token's base
 * (`https://host/<WEBHOOK_TOKEN>/`): each names the same USSD route, so the route is added when the
 * address does not end with it. A query (`?token=…`) is kept. Undefined: not an http(s) address.
 */
export function ussdUrl(given: string): string | undefined {
  let url: URL;
  try {
    url = new URL(given);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined;
  if (!/\/ussd\/?$/.test(url.pathname)) url.pathname = `${url.pathname.replace(/\/+$/, '')}/ussd`;
  return url.toString();
}
