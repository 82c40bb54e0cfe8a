// @ts-check
import { ApiError, getJson, request, send } from './api.js';
import { h, table } from './dom.js';
import { cdf, count, kinshasaDay, when } from './format.js';
import { mismatchText, t } from './i18n.js';
import { errorText } from './notify.js';
import { paymentLink } from './page-payments.js';

/** @typedef {import('./app.js').PageContext} PageContext */
/**
 * The contract of `GET /reconciliation/runs?day=` (h-recon's src/http router).
 * @typedef {{ id: string; day: string; status: 'running' | 'done' | 'failed'; startedAt: string; finishedAt: string | null; startedBy: string;
 *   totals: { ledger: { count: number; amountCentimes: number }; matched: { count: number; amountCentimes: number }; open: { count: number }; unchecked: { count: number };
 *     byProvider: Record<string, { count: number; amountCentimes: number; matched: number; mismatched: number }> };
 *   mismatches: Array<{ intentId: string; kind: string; detail: string; numAcquit: string | null; amountCentimes: number; provider: string | null }> }} Run
 */

const POLL_MS = 2000;

/** A day's reconciliation: pick a day (yesterday by default), run it (resolver), read it, download it. @param {PageContext} ctx */
export async function reconciliationPage(ctx) {
  const day = ctx.params.get('day') ?? kinshasaDay(-1);
  const input = h('input', { id: 'recon-day', name: 'day', type: 'date', value: day, required: true });
  const form = h('form', { class: 'card inline' }, h('label', { for: 'recon-day' }, t('recon.day')), input, h('button', { type: 'submit' }, t('recon.show')));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    ctx.go(`#/reconciliation?day=${encodeURIComponent(input.value)}`);
  });
  const message = h('p', { role: 'status' });
  const body = h('div', {});
  const controls = h('div', { class: 'actions' });
  if (ctx.canResolve) {
    const run = h('button', { type: 'button' }, t('recon.run'));
    run.addEventListener('click', async () => {
      run.disabled = true;
      try {
        await send('POST', '/reconciliation/runs', { day });
        await show();
      } catch (err) {
        message.textContent = errorText(err);
      } finally {
        run.disabled = false;
      }
    });
    controls.append(run);
  }
  const csv = h('button', { type: 'button', class: 'secondary' }, t('recon.csv'));
  csv.addEventListener('click', async () => {
    try {
      const res = await request('GET', `/reconciliation/runs?day=${encodeURIComponent(day)}`, { accept: 'text/csv' });
      const url = URL.createObjectURL(await res.blob());
      const a = h('a', { href: url, download: `reconciliation-${day}.csv` });
      document.body.append(a);
      a.click();
      a.remove();
      URL.revokeObjectURL(url);
    } catch (err) {
      message.textContent = errorText(err);
    }
  });
  controls.append(csv);
  ctx.main.replaceChildren(h('h2', {}, t('recon.title')), h('p', {}, t('recon.intro')), form, controls, message, body);

  async function show() {
    /** @type {Run} */
    let r;
    try {
      r = await getJson(`/reconciliation/runs?day=${encodeURIComponent(day)}`);
    } catch (err) {
      if (err instanceof ApiError && err.status === 404) {
        message.textContent = t('recon.none');
        body.replaceChildren();
        csv.hidden = true;
        return;
      }
      throw err;
    }
    csv.hidden = false;
    message.textContent = r.status === 'running' ? t('recon.running') : r.status === 'failed' ? t('recon.failed') : t('recon.startedBy', { by: r.startedBy, at: when(r.startedAt), end: when(r.finishedAt) });
    const tt = r.totals;
    const providers = Object.entries(tt.byProvider);
    body.replaceChildren(
      h(
        'section',
        { class: 'card', 'aria-labelledby': 'totals-title' },
        h('h3', { id: 'totals-title' }, t('recon.totals')),
        h(
          'dl',
          { class: 'summary', 'data-part': 'totals' },
          h('dt', {}, t('recon.ledger')),
          h('dd', { 'data-total': 'ledger' }, t('recon.count', { n: count(tt.ledger.count) }), ' — ', h('span', { class: 'amount' }, cdf(tt.ledger.amountCentimes))),
          h('dt', {}, t('recon.matched')),
          h('dd', { 'data-total': 'matched' }, t('recon.count', { n: count(tt.matched.count) }), ' — ', h('span', { class: 'amount' }, cdf(tt.matched.amountCentimes))),
          h('dt', {}, t('recon.open')),
          h('dd', { 'data-total': 'open' }, t('recon.count', { n: count(tt.open.count) })),
          h('dt', {}, t('recon.unchecked')),
          h('dd', { 'data-total': 'unchecked' }, t('recon.count', { n: count(tt.unchecked.count) })),
        ),
        providers.length === 0
          ? null
          : table(
              t('recon.byProvider'),
              [t('recon.col.provider'), t('recon.col.count'), t('recon.col.amount'), t('recon.col.matched'), t('recon.col.mismatched')],
              providers.map(([name, p]) => [name, count(p.count), h('span', { class: 'amount' }, cdf(p.amountCentimes)), count(p.matched), count(p.mismatched)]),
            ),
      ),
      h(
        'section',
        { class: 'card', 'aria-labelledby': 'mismatch-title' },
        h('h3', { id: 'mismatch-title' }, t('recon.mismatches', { n: r.mismatches.length })),
        r.mismatches.length === 0
          ? h('p', {}, t('recon.noMismatch'))
          : table(
              t('recon.mismatches', { n: r.mismatches.length }),
              [t('recon.col.payment'), t('recon.col.reason'), t('recon.col.receipt'), t('recon.col.amount')],
              r.mismatches.map((m) => [
                h('a', { href: paymentLink(m.intentId) }, m.intentId),
                h('span', {}, mismatchText(m.kind) ?? m.kind, m.detail !== '' ? h('span', { class: 'detail' }, m.detail) : null),
                m.numAcquit ?? t('none'),
                h('span', { class: 'amount' }, cdf(m.amountCentimes)),
              ]),
              { titled: true },
            ),
      ),
    );
    // Still running: read again until it is done, as long as this page is the one shown.
    if (r.status === 'running') setTimeout(() => void (body.isConnected ? show().catch(() => undefined) : undefined), POLL_MS);
  }
  await show();
}
