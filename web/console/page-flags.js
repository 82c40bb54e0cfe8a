// @ts-check
import { getJson } from './api.js';
import { h } from './dom.js';
import { resolveForm } from './flag-resolve.js';
import { cdf, when } from './format.js';
import { flagText, statusText, t } from './i18n.js';
import { paymentLink } from './page-payments.js';

/** @typedef {import('./app.js').PageContext} PageContext */
/** @typedef {import('./page-payments.js').Payment} Payment */

const LIMIT = 500;

/** The open flags, the longest-waiting first, each explained, each resolvable by a resolver with a note. @param {PageContext} ctx */
export async function flagsPage(ctx) {
  /** @type {Payment[]} */
  const flags = await getJson(`/payments/flagged?order=oldest&limit=${LIMIT}`);
  const list = h('ul', { class: 'flags', 'aria-label': t('flags.title') });
  for (const f of flags) {
    const reason = f.flagReason ?? '';
    const explained = flagText(reason);
    const item = h(
      'li',
      { class: 'card flag open', 'data-intent': f.intentId },
      h('h3', {}, h('a', { href: paymentLink(f.intentId) }, `${f.refClient} (${f.province}) — ${cdf(f.amountCentimes)}`), ' ', h('code', {}, reason)),
      h('p', { class: 'meta' }, t('flags.since', { at: when(f.flaggedAt) }), ' · ', f.phoneNumber, ' · ', statusText(f.status), f.numAcquit !== null ? ` · ${f.numAcquit}` : ''),
      h('p', {}, explained.what),
      explained.check !== '' ? h('p', {}, h('strong', {}, `${t('flags.check')} `), explained.check) : null,
      h('p', {}, h('a', { href: paymentLink(f.intentId) }, t('flags.open'))),
    );
    if (ctx.canResolve) {
      item.append(
        resolveForm(f.intentId, async (by) => {
          // The list as the ledger has it now: the resolved one is gone.
          await flagsPage(ctx);
          ctx.main.querySelector('h2')?.after(h('p', { role: 'status', class: 'ok' }, t('flags.resolved', { by }), ' ', h('a', { href: paymentLink(f.intentId) }, t('flags.open'))));
        }),
      );
    }
    list.append(item);
  }
  ctx.main.replaceChildren(
    h('h2', {}, t('flags.title')),
    h('p', {}, t('flags.intro')),
    flags.length === 0 ? h('p', { role: 'status' }, t('flags.empty')) : list,
    flags.length >= LIMIT ? h('p', { role: 'status' }, t('flags.more', { n: LIMIT })) : '',
  );
}
