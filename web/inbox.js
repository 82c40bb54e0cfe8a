// @ts-check
import { readOutbox, sendSms } from './gateway.js';
import { warningOf } from './gsm7.js';

/** @typedef {import('./gsm7.js').Measure} Measure */
/** @typedef {import('./gateway.js').Sms} Sms */

/** An SMS segment: 160 GSM-7 characters (70 in UCS-2). */
const SMS_LIMIT = 160;

/**
 * One phone's SMS: the inbox, fed by the product's outbox (polled: the product has no push), and a
 * box that texts a keyword to the short code. `data-polls` on the inbox counts finished reads, so a
 * test can wait for a read that happened after something, rather than for a length of time.
 * @param {{ list: HTMLOListElement, form: HTMLFormElement, text: HTMLInputElement, count: HTMLElement, warning: HTMLElement,
 *   phone: () => string | undefined, shortCode: () => string, networkCode: () => string,
 *   meter: (text: string, limit: number) => Measure, log: (line: string) => void }} ui
 */
export function createInbox(ui) {
  let polls = 0;
  let shown = '';
  /** @type {string | undefined} */
  let shownFor;

  /** @param {Sms[] | 'no_outbox'} messages */
  function render(messages) {
    const key = JSON.stringify(messages);
    if (key === shown) return;
    shown = key;
    if (messages === 'no_outbox') {
      ui.list.replaceChildren(item('empty', 'SMS are sent through Africa\u2019s Talking here: no outbox to show.'));
      return;
    }
    if (messages.length === 0) {
      ui.list.replaceChildren(item('empty', 'No messages'));
      return;
    }
    // Newest on top, as a handset lists them.
    ui.list.replaceChildren(...[...messages].reverse().map((m) => {
      const li = item('sms', '');
      const time = document.createElement('time');
      time.dateTime = m.at;
      time.textContent = new Date(m.at).toLocaleTimeString();
      const body = document.createElement('p');
      body.textContent = m.message;
      li.append(time, body);
      return li;
    }));
  }

  return {
    async poll() {
      const phone = ui.phone();
      if (phone === undefined) return;
      if (phone !== shownFor) {
        shownFor = phone;
        shown = '';
        ui.list.replaceChildren(item('empty', 'Loading\u2026'));
      }
      const messages = await readOutbox(phone);
      // The number may have changed while the read was on its way.
      if (phone !== ui.phone()) return;
      render(messages);
      ui.list.dataset.polls = String(++polls);
    },
    wire() {
      const measure = () => {
        const m = ui.meter(ui.text.value, SMS_LIMIT);
        ui.count.textContent = `${m.length}/${m.limit}`;
        ui.count.classList.toggle('over', m.length > m.limit);
        ui.warning.textContent = warningOf(m);
      };
      ui.text.addEventListener('input', measure);
      ui.form.addEventListener('submit', (ev) => {
        ev.preventDefault();
        const from = ui.phone();
        const text = ui.text.value.trim();
        if (from === undefined || text === '') return;
        ui.text.value = '';
        measure();
        sendSms({ from, to: ui.shortCode(), text, networkCode: ui.networkCode() }).then(
          (status) => ui.log(`SMS to ${ui.shortCode()}: ${JSON.stringify(text)} \u2192 HTTP ${status}`),
          (err) => ui.log(`SMS not sent: ${String(err)}`),
        );
      });
    },
  };
}

/**
 * @param {string} className
 * @param {string} text
 */
function item(className, text) {
  const li = document.createElement('li');
  li.className = className;
  li.textContent = text;
  return li;
}
