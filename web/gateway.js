// @ts-check
/**
 * Every request the page makes, with relative URLs: served at `/` or at `/<token>/`, the page
 * reaches the routes beside it. USSD and SMS go through the gateway's own routes and fields.
 */

/** @typedef {import('./gsm7.js').Alphabet} Alphabet */
/** @typedef {{ to: string, message: string, at: string }} Sms */
/** @typedef {{ depositId: string, phoneE164: string, amount: string, currency: string, provider: string, customerMessage: string, createdAt: string, walletName?: string, language?: string }} WalletPrompt */
/** @typedef {{ kind: 'screen', end: boolean, text: string, status: number } | { kind: 'broken', status: number, body: string }} HopAnswer */

const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

/** @param {Record<string, string>} fields */
const form = (fields) => new URLSearchParams(fields).toString();

/**
 * @param {{ sessionId: string, serviceCode: string, phoneNumber: string, networkCode: string, text: string }} hop
 * @returns {Promise<HopAnswer>}
 */
export async function ussdHop(hop) {
  const res = await fetch('ussd', { method: 'POST', headers: FORM, body: form(hop) });
  const body = await res.text();
  const m = /^(CON|END) ([\s\S]*)$/.exec(body);
  // Anything else kills the session on a real network, with the telco's own words.
  if (res.status !== 200 || m === null) return { kind: 'broken', status: res.status, body };
  return { kind: 'screen', end: m[1] === 'END', text: m[2] ?? '', status: res.status };
}

/**
 * The gateway's end-of-session notice, as Africa's Talking posts it when a session closes.
 * @param {{ sessionId: string, serviceCode: string, phoneNumber: string, networkCode: string, status: 'Success' | 'Incomplete' | 'Failed', input: string, lastAppResponse: string, durationInMillis: number, hopsCount: number }} e
 * @returns {Promise<number>}
 */
export async function sessionEnded(e) {
  const { durationInMillis, hopsCount, ...rest } = e;
  const fields = { ...rest, durationInMillis: String(durationInMillis), hopsCount: String(hopsCount), date: new Date().toISOString(), errorMessage: '' };
  const res = await fetch('ussd/events', { method: 'POST', headers: FORM, body: form(fields) });
  return res.status;
}

/**
 * @param {{ from: string, to: string, text: string, networkCode: string }} sms
 * @returns {Promise<number>}
 */
export async function sendSms(sms) {
  // A fresh id per message: the product drops an id it has already seen, as a gateway retry.
  const fields = { ...sms, id: newId('sim-sms'), linkId: '', date: new Date().toISOString() };
  const res = await fetch('sms/inbound', { method: 'POST', headers: FORM, body: form(fields) });
  return res.status;
}

/**
 * @param {string} phone
 * @returns {Promise<Sms[] | 'no_outbox'>} oldest first, whatever order the product lists them in
 */
export async function readOutbox(phone) {
  const res = await fetch(`outbox?${new URLSearchParams({ to: phone })}`);
  if (res.status === 404) return 'no_outbox';
  if (!res.ok) throw new Error(`outbox: HTTP ${res.status}`);
  /** @type {unknown} */
  const list = await res.json();
  if (!Array.isArray(list)) throw new Error('outbox: not a list');
  return list.filter(isSms).sort((a, b) => a.at.localeCompare(b.at));
}

/**
 * @param {string} phone
 * @returns {Promise<WalletPrompt[] | 'no_wallet'>}
 */
export async function walletPrompts(phone) {
  const res = await fetch(`simulator/wallet/prompts?${new URLSearchParams({ phone })}`);
  if (res.status === 404) return 'no_wallet';
  if (!res.ok) throw new Error(`wallet: HTTP ${res.status}`);
  /** @type {unknown} */
  const list = await res.json();
  return Array.isArray(list) ? list.filter(isPrompt) : [];
}

/**
 * @param {string} depositId
 * @param {{ pin: string } | { decline: true }} answer
 * @returns {Promise<string>} approved, declined or not_found
 */
export async function answerPrompt(depositId, answer) {
  const res = await fetch(`simulator/wallet/prompts/${encodeURIComponent(depositId)}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(answer),
  });
  if (res.status === 404) return 'not_found';
  /** @type {unknown} */
  const body = await res.json();
  return isRecord(body) && typeof body.status === 'string' ? body.status : `HTTP ${res.status}`;
}

/** @returns {Promise<Alphabet>} */
export async function loadAlphabet() {
  const res = await fetch('simulator/gsm7.json');
  /** @type {unknown} */
  const a = await res.json();
  if (!isRecord(a) || typeof a.basic !== 'string' || typeof a.extended !== 'string' || typeof a.screenLimit !== 'number') {
    throw new Error('simulator/gsm7.json: unexpected answer');
  }
  return { basic: a.basic, extended: a.extended, screenLimit: a.screenLimit };
}

/**
 * Random without crypto.randomUUID, which browsers keep for HTTPS and localhost: the page may be
 * opened over plain HTTP on a LAN address.
 * @param {string} prefix
 */
export function newId(prefix) {
  const bytes = crypto.getRandomValues(new Uint8Array(12));
  return `${prefix}-${[...bytes].map((b) => b.toString(16).padStart(2, '0')).join('')}`;
}

/** @param {unknown} v @returns {v is Record<string, unknown>} */
const isRecord = (v) => typeof v === 'object' && v !== null;

/** @param {unknown} v @returns {v is Sms} */
const isSms = (v) => isRecord(v) && typeof v.to === 'string' && typeof v.message === 'string' && typeof v.at === 'string';

/** @param {unknown} v @returns {v is WalletPrompt} */
const isPrompt = (v) =>
  isRecord(v) && ['depositId', 'phoneE164', 'amount', 'provider', 'customerMessage', 'createdAt'].every((k) => typeof v[k] === 'string');
