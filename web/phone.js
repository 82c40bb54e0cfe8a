// @ts-check
import { answerPrompt, newId, sessionEnded, ussdHop, walletPrompts } from './gateway.js';
import { warningOf } from './gsm7.js';
import { createInbox } from './inbox.js';

/** @typedef {import('./gsm7.js').Measure} Measure */
/** @typedef {import('./gateway.js').WalletPrompt} WalletPrompt */
/** @typedef {{ id: string, code: string, inputs: string[], startedAt: number, hops: number, last: string }} Session */

const KEYS = ['1', '2', '3', '4', '5', '6', '7', '8', '9', '*', '0', '#'];
const POLL_MS = 1000;
const NETWORK_NAMES = /** @type {Record<string, string>} */ ({ 63001: 'Vodacom', 63002: 'Airtel', 63086: 'Orange', 63090: 'Africell' });
/** How long the END stays readable before the wallet's PIN prompt covers it, as a handset leaves it up. */
const END_READ_MS = 2000;
/** @typedef {{ ask: (amount: string, currency: string) => string, approve: string, decline: string, pin: string }} PromptTexts */
/** @type {PromptTexts} */
const FRENCH = { ask: (a, c) => `Payer ${a} ${c}? Entrez votre PIN:`, approve: 'Approuver', decline: 'Refuser', pin: 'Entrez 4 chiffres.' };
/**
 * The wallet's prompt in the phone's language (the one its number chose in the menu; French until then).
 * @type {Record<string, PromptTexts>}
 */
const PROMPT_TEXTS = {
  fr: FRENCH,
  en: { ask: (a, c) => `Pay ${a} ${c}? Enter your PIN:`, approve: 'Approve', decline: 'Decline', pin: 'Enter 4 digits.' },
  sw: { ask: (a, c) => `Lipa ${a} ${c}? Weka PIN yako:`, approve: 'Idhinisha', decline: 'Kataa', pin: 'Weka tarakimu 4.' },
  ln: { ask: (a, c) => `Kofuta ${a} ${c}? Tia PIN na yo:`, approve: 'Ndima', decline: 'Boya', pin: 'Tia bitalaka 4.' },
};

/**
 * One handset: the USSD session (every input so far joined by `*`, as the gateway sends it), the
 * screen as a handset shows it, the wallet's PIN prompt (only between sessions: a phone holds one
 * USSD transaction at a time), its SMS and a timeline of what went over the wire.
 * @param {HTMLElement} root the phone's section, cloned from the page's template
 * @param {{ number: string, meter: (text: string, limit: number) => Measure, screenLimit: number }} opts
 */
export function createPhone(root, opts) {
  const el = parts(root);
  el.number.value = opts.number;
  /** @type {Session | undefined} */
  let session;
  let screenText = '';
  /** @type {WalletPrompt | undefined} */
  let prompt;
  /** Turned off for good when the product runs no sandbox wallet. */
  let wallet = true;
  const answered = new Set();
  /** After a dial, the first key pressed while idle starts a new code, as a handset's dial screen does. */
  let freshCode = true;
  /** Until then the END stays on screen: a prompt found meanwhile is taken (so the wallet waits for its PIN) and shown after. */
  let readUntil = 0;
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  let promptTimer;

  /** @returns {string | undefined} */
  const phone = () => (/^\+\d{8,15}$/.test(el.number.value.trim()) ? el.number.value.trim() : undefined);
  const networkCode = () => el.networkCode.value;
  const shortCode = () => el.code.value.replace(/[^\d]/g, '');

  /** @param {string} line @param {number} [ms] */
  function log(line, ms) {
    const li = document.createElement('li');
    li.textContent = ms === undefined ? line : `${line} \u00b7 ${ms} ms`;
    el.timeline.append(li);
  }

  function measureScreen() {
    const m = opts.meter(screenText, opts.screenLimit);
    el.count.textContent = `${m.length}/${m.limit} characters`;
    el.count.classList.toggle('over', m.length > m.limit);
    el.warning.textContent = warningOf(m) || warningOf(opts.meter(el.reply.value, opts.screenLimit));
    return m;
  }

  /** @param {string} text @param {string} state */
  function show(text, state) {
    screenText = text;
    const m = measureScreen();
    // A handset shows what fits and drops the rest: shown struck through, so a menu writer sees it.
    const cut = document.createElement('s');
    cut.className = 'overflow';
    cut.title = 'beyond the limit: a handset never shows this';
    cut.textContent = text.slice(m.fits);
    el.screen.replaceChildren(document.createTextNode(text.slice(0, m.fits)), ...(m.fits < text.length ? [cut] : []));
    el.state.textContent = state;
    const open = session !== undefined;
    el.reply.disabled = !open;
    el.send.disabled = !open;
    el.dial.disabled = open;
    el.number.disabled = open;
    root.dataset.session = open ? 'open' : 'idle';
  }

  async function dial() {
    if (session !== undefined) return;
    const code = el.code.value.trim();
    if (phone() === undefined) return show('Enter a phone number such as +243812345678.', 'Ready');
    if (!/^\*[\d*]+#$/.test(code)) return show('Invalid MMI code.', 'Ready');
    freshCode = true;
    hidePrompt();
    el.timeline.replaceChildren();
    // As the gateway does: the service code is the dial string's first field; what follows it
    // (`*123*83262#`) is the first hop's text (`83262`).
    const [base, ...extra] = code.slice(1, -1).split('*');
    session = { id: newId('sim'), code: `*${base}#`, inputs: extra.filter((x) => x !== ''), startedAt: Date.now(), hops: 0, last: '' };
    show(`Calling ${code}\u2026`, 'USSD running');
    await hop(session);
  }

  /** @param {Session} s */
  async function hop(s) {
    const text = s.inputs.join('*');
    const started = performance.now();
    el.send.disabled = true;
    const hopFields = { sessionId: s.id, serviceCode: s.code, phoneNumber: phone() ?? '', networkCode: networkCode(), text };
    const answer = await ussdHop(hopFields).catch((err) => /** @type {const} */ ({ kind: 'broken', status: 0, body: String(err) }));
    const ms = Math.round(performance.now() - started);
    if (session !== s) return; // hung up while the hop was on its way
    s.hops += 1;
    if (answer.kind === 'broken') {
      log(`text=${JSON.stringify(text)} \u2192 HTTP ${answer.status} ${answer.body.slice(0, 60)}`, ms);
      // What a handset says when the network drops the session.
      return end('Connection problem or invalid MMI code.', 'Failed');
    }
    log(`text=${JSON.stringify(text)} \u2192 ${answer.end ? 'END' : 'CON'}`, ms);
    s.last = answer.text;
    if (answer.end) return end(answer.text, 'Success');
    show(answer.text, 'Session open');
    el.reply.focus();
  }

  function send() {
    const s = session;
    if (s === undefined || el.send.disabled) return;
    s.inputs.push(el.reply.value.trim());
    el.reply.value = '';
    void hop(s);
  }

  /**
   * @param {string} text
   * @param {'Success' | 'Incomplete' | 'Failed'} status
   */
  function end(text, status) {
    const s = session;
    if (s === undefined) return;
    session = undefined;
    show(text, status === 'Incomplete' ? 'Cancelled' : 'Session ended');
    readUntil = status === 'Success' ? Date.now() + END_READ_MS : 0;
    // The gateway tells the product how the session ended, as Africa's Talking does.
    const notice = { sessionId: s.id, serviceCode: s.code, phoneNumber: phone() ?? '', networkCode: networkCode(), status, input: s.inputs.join('*'), lastAppResponse: s.last, durationInMillis: Date.now() - s.startedAt, hopsCount: s.hops };
    sessionEnded(notice).then((code) => log(`ussd/events ${status} \u2192 HTTP ${code}`), (err) => log(`ussd/events not sent: ${String(err)}`));
    void pollWallet();
  }

  function cancel() {
    if (session !== undefined) end('', 'Incomplete');
    else if (prompt !== undefined) void answer({ decline: true });
    else show('', 'Ready');
  }

  /** @param {WalletPrompt} p */
  const textsOf = (p) => PROMPT_TEXTS[p.language ?? 'fr'] ?? FRENCH;

  /** @param {WalletPrompt} p */
  function showPrompt(p) {
    prompt = p;
    const texts = textsOf(p);
    el.promptText.textContent = `${p.walletName ?? p.provider}\n${p.customerMessage}\n${texts.ask(p.amount, p.currency)}`;
    el.approve.textContent = texts.approve;
    el.decline.textContent = texts.decline;
    el.prompt.hidden = false;
    el.pin.value = '';
    el.pin.focus();
  }

  function hidePrompt() {
    prompt = undefined;
    clearTimeout(promptTimer);
    promptTimer = undefined;
    el.prompt.hidden = true;
  }

  /** @param {{ pin: string } | { decline: true }} reply */
  async function answer(reply) {
    const p = prompt;
    if (p === undefined) return;
    if ('pin' in reply && !/^\d{4}$/.test(reply.pin)) return void (el.promptText.textContent = textsOf(p).pin);
    answered.add(p.depositId);
    hidePrompt();
    const outcome = await answerPrompt(p.depositId, reply).catch((err) => String(err));
    log(`wallet ${p.depositId}: ${outcome}`);
    show(outcome === 'approved' ? `Payment of ${p.amount} ${p.currency} approved.` : outcome === 'declined' ? 'Payment declined.' : `Wallet: ${outcome}`, 'Ready');
  }

  async function pollWallet() {
    const number = phone();
    if (!wallet || session !== undefined || prompt !== undefined || promptTimer !== undefined || number === undefined) return;
    const prompts = await walletPrompts(number);
    if (prompts === 'no_wallet') wallet = false;
    else {
      const next = prompts.find((p) => !answered.has(p.depositId));
      if (next === undefined || session !== undefined || prompt !== undefined || promptTimer !== undefined || number !== phone()) return;
      // Asking took the prompt (the wallet now waits for the PIN): it covers the END only once that was read.
      const wait = readUntil - Date.now();
      if (wait <= 0) return showPrompt(next);
      promptTimer = setTimeout(() => {
        promptTimer = undefined;
        if (session === undefined && prompt === undefined && number === phone()) showPrompt(next);
      }, wait);
    }
  }

  /** @param {string} key */
  function press(key) {
    if (prompt !== undefined) el.pin.value = (el.pin.value + key).slice(0, 4);
    else if (session !== undefined) {
      el.reply.value += key;
      measureScreen();
    } else {
      el.code.value = freshCode ? key : el.code.value + key;
      freshCode = false;
    }
  }

  const inbox = createInbox({
    list: el.inbox, form: el.smsForm, text: el.smsText, count: el.smsCount, warning: el.smsWarning,
    phone, shortCode, networkCode, meter: opts.meter, log,
  });
  inbox.wire();
  el.keypad.replaceChildren(...KEYS.map((key) => {
    const b = document.createElement('button');
    b.type = 'button';
    b.textContent = key;
    b.addEventListener('click', () => press(key));
    return b;
  }));
  el.dial.addEventListener('click', () => void dial());
  el.send.addEventListener('click', send);
  el.cancel.addEventListener('click', cancel);
  el.reply.addEventListener('input', measureScreen);
  el.reply.addEventListener('keydown', (ev) => {
    if (ev.key === 'Enter') send();
    if (ev.key === 'Escape') cancel();
  });
  el.prompt.addEventListener('submit', (ev) => {
    ev.preventDefault();
    void answer({ pin: el.pin.value });
  });
  el.decline.addEventListener('click', () => void answer({ decline: true }));
  const showNetwork = () => (el.network.textContent = NETWORK_NAMES[networkCode()] ?? networkCode());
  el.networkCode.addEventListener('change', showNetwork);
  el.number.addEventListener('input', () => el.number.setAttribute('aria-invalid', String(phone() === undefined)));
  showNetwork();
  show(`Dial ${el.code.value} to start.`, 'Ready');

  // One loop for the inbox and the wallet, never two reads of the same kind in flight.
  let polling = false;
  setInterval(() => {
    if (polling) return;
    polling = true;
    Promise.allSettled([inbox.poll(), pollWallet()]).finally(() => (polling = false));
  }, POLL_MS);
  void inbox.poll();
}

/** The template's elements by `data-part`, typed: a renamed part fails here, at once, not later. */
/** @param {HTMLElement} root */
function parts(root) {
  /**
   * @template {HTMLElement} T
   * @param {string} name
   * @param {new () => T} type
   * @returns {T}
   */
  const get = (name, type) => {
    const found = root.querySelector(`[data-part="${name}"]`);
    if (!(found instanceof type)) throw new Error(`phone template: no ${type.name} data-part="${name}"`);
    return found;
  };
  return {
    screen: get('screen', HTMLElement), state: get('state', HTMLElement), network: get('network', HTMLElement),
    reply: get('reply', HTMLInputElement), count: get('count', HTMLElement), warning: get('warning', HTMLElement),
    dial: get('dial', HTMLButtonElement), send: get('send', HTMLButtonElement), cancel: get('cancel', HTMLButtonElement),
    keypad: get('keypad', HTMLElement), number: get('number', HTMLInputElement), networkCode: get('network-code', HTMLSelectElement),
    code: get('code', HTMLInputElement), inbox: get('inbox', HTMLOListElement), smsForm: get('sms-form', HTMLFormElement),
    smsText: get('sms-text', HTMLInputElement), smsCount: get('sms-count', HTMLElement), smsWarning: get('sms-warning', HTMLElement),
    timeline: get('timeline', HTMLOListElement), prompt: get('prompt', HTMLFormElement), promptText: get('prompt-text', HTMLElement),
    pin: get('pin', HTMLInputElement), approve: get('approve', HTMLButtonElement), decline: get('decline', HTMLButtonElement),
  };
}
