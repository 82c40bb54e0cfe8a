// @ts-check
import { send } from './api.js';
import { h } from './dom.js';
import { t } from './i18n.js';
import { errorText } from './notify.js';

let forms = 0;

/**
 * The resolve form of one flagged payment: a mandatory note, then `POST /payments/flagged/:id/resolve`.
 * Only built for a resolver; the server refuses a viewer anyway (403).
 * @param {string} intentId
 * @param {(by: string) => void | Promise<void>} done
 */
export function resolveForm(intentId, done) {
  forms += 1;
  const id = `note-${forms}`;
  const note = h('textarea', { id, name: 'note', rows: '2', required: true, minlength: '3', maxlength: '1000' });
  const message = h('p', { class: 'error', role: 'alert' });
  const form = h('form', { class: 'resolve' }, h('label', { for: id }, t('flags.note')), note, h('button', { type: 'submit' }, t('flags.resolve')), message);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    if (note.value.trim().length < 3) {
      message.textContent = t('flags.noteRequired');
      note.focus();
      return;
    }
    try {
      /** @type {{ by: string }} */
      const out = await send('POST', `/payments/flagged/${encodeURIComponent(intentId)}/resolve`, { note: note.value.trim() });
      await done(out.by);
    } catch (err) {
      message.textContent = errorText(err);
    }
  });
  return form;
}
