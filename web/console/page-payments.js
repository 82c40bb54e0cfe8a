// @ts-check
import { ApiError, getJson, send } from './api.js';
import { h, table } from './dom.js';
import { resolveForm } from './flag-resolve.js';
import { cdf, when } from './format.js';
import { eventText, flagText, STATUS_CODES, statusText, t } from './i18n.js';
import { errorText } from './notify.js';

/** @typedef {import('./app.js').PageContext} PageContext */
/**
 * @typedef {{ intentId: string; phoneNumber: string; refClient: string; province: string; subscriberName: string; amountCentimes: number; status: string;
 *   numAcquit: string | null; ownReference: boolean; remainingCentimes: number | null; provider: string | null; depositId: string | null; depositStatus: string | null;
 *   refundId: string | null; refundStatus: string | null; flagReason: string | null; flaggedAt: string | null; resolvedAt: string | null; resolvedBy: string | null;
 *   resolutionNote: string | null; billIds: string[]; createdAt: string }} Payment
 */

const FIELDS = /** @type {const} */ (['phone', 'ref', 'numAcquit', 'depositId']);
const FIELD_LABELS = { phone: 'payments.phone', ref: 'payments.ref', numAcquit: 'payments.numAcquit', depositId: 'payments.depositId' };

/** @param {string} intentId */
export const paymentLink = (intentId) => `#/payments/${encodeURIComponent(intentId)}`;

/** The search form, the page of results, and the way to the next page (never a silent cut). @param {PageContext} ctx */
export async function paymentsPage(ctx) {
  const p = ctx.params;
  /** @type {Record<string, HTMLInputElement>} */
  const inputs = {};
  const field = (/** @type {string} */ name, /** @type {string} */ labelKey, /** @type {string} */ type = 'text') => {
    const input = h('input', { id: `q-${name}`, name, type, value: p.get(name) ?? '', autocomplete: 'off' });
    inputs[name] = input;
    return h('div', { class: 'field' }, h('label', { for: `q-${name}` }, t(labelKey)), input);
  };
  const status = h('select', { id: 'q-status', name: 'status' }, h('option', { value: '' }, t('payments.anyStatus')), ...STATUS_CODES.map((s) => h('option', { value: s, selected: p.get('status') === s }, statusText(s))));
  const form = h(
    'form',
    { class: 'card search', role: 'search', 'aria-label': t('payments.search') },
    ...FIELDS.map((f) => field(f, FIELD_LABELS[f])),
    h('div', { class: 'field' }, h('label', { for: 'q-status' }, t('payments.status')), status),
    field('from', 'payments.from', 'date'),
    field('to', 'payments.to', 'date'),
    h('div', { class: 'actions' }, h('button', { type: 'submit' }, t('payments.submit')), h('a', { href: '#/payments', class: 'button secondary' }, t('payments.clear'))),
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const q = new URLSearchParams();
    for (const [name, input] of Object.entries(inputs)) if (input.value.trim() !== '') q.set(name, input.value.trim());
    if (status.value !== '') q.set('status', status.value);
    ctx.go(`#/payments?${q.toString()}`);
  });

  const results = h('section', { 'aria-labelledby': 'results-title' }, h('h3', { id: 'results-title', class: 'visually-hidden' }, t('payments.title')));
  ctx.main.replaceChildren(h('h2', {}, t('payments.title')), form, results);

  const q = new URLSearchParams();
  for (const name of [...FIELDS, 'status', 'from', 'to', 'cursor']) {
    const v = p.get(name);
    if (v !== null && v !== '') q.set(name, v);
  }
  q.set('limit', '50');
  /** @type {{ payments: Payment[]; next: string | null }} */
  let page;
  try {
    page = await getJson(`/payments?${q.toString()}`);
  } catch (err) {
    if (err instanceof ApiError && err.status === 400) {
      results.append(h('p', { class: 'error', role: 'alert' }, err.message));
      return;
    }
    throw err;
  }
  if (page.payments.length === 0) {
    results.append(h('p', { role: 'status' }, t('payments.empty')));
    return;
  }
  results.append(
    h('p', { role: 'status' }, t('payments.shown', { n: page.payments.length }), ' ', page.next !== null ? t('payments.moreExist') : ''),
    table(
      t('payments.title'),
      ['payments.col.date', 'payments.col.phone', 'payments.col.ref', 'payments.col.amount', 'payments.col.status', 'payments.col.receipt', 'payments.col.flag'].map((k) => t(k)),
      page.payments.map((r) => [
        h('a', { href: paymentLink(r.intentId) }, when(r.createdAt)),
        r.phoneNumber,
        `${r.refClient} (${r.province})`,
        h('span', { class: 'amount' }, cdf(r.amountCentimes)),
        statusText(r.status),
        r.numAcquit ?? t('none'),
        r.flagReason !== null && r.resolvedAt === null ? h('span', { class: 'badge warn' }, r.flagReason) : '',
      ]),
    ),
  );
  const pager = h('p', { class: 'pager' });
  if (p.has('cursor')) {
    const first = new URLSearchParams(p);
    first.delete('cursor');
    pager.append(h('a', { href: `#/payments?${first.toString()}`, class: 'button secondary' }, t('payments.first')), ' ');
  }
  if (page.next !== null) {
    const next = new URLSearchParams(p);
    next.set('cursor', page.next);
    pager.append(h('a', { href: `#/payments?${next.toString()}`, class: 'button' }, t('payments.next')));
  }
  results.append(pager);
}

/**
 * @typedef {{ payment: Payment; flag: { reason: string; flaggedAt: string | null; resolvedAt: string | null; resolvedBy: string | null; note: string | null } | null;
 *   trail: Array<{ at: string; event: string; detail: string | null; by: string }>;
 *   sms: Array<{ id: string; kind: string; body: string; status: string; createdAt: string; lastError: string | null;
 *     sends: Array<{ gatewayId: string; sentAt: string; deliveryStatus: string | null; failureReason: string | null; finalStatus: string | null }> }>;
 *   deposit: { id: string; provider: string | null; status: string | null; failureCode: string | null; collectedCentimes: number | null } | null;
 *   refund: { id: string; status: string | null; failureCode: string | null; amountCentimes: number } | null }} Detail
 */

/** One payment's page: the summary, its flag, and its story in order. @param {PageContext} ctx @param {string} intentId */
export async function paymentPage(ctx, intentId) {
  /** @type {Detail} */
  let d;
  try {
    d = await getJson(`/payments/${encodeURIComponent(intentId)}`);
  } catch (err) {
    if (err instanceof ApiError && (err.status === 404 || err.status === 400)) {
      ctx.main.replaceChildren(h('h2', {}, t('payment.title', { id: intentId })), h('p', { role: 'alert' }, t('payment.notFound')), h('p', {}, h('a', { href: '#/payments' }, t('payment.back'))));
      return;
    }
    throw err;
  }
  const p = d.payment;
  const row = (/** @type {string} */ k, /** @type {Node | string} */ v) => [h('dt', {}, t(k)), h('dd', {}, v)];
  const summary = h(
    'dl',
    { class: 'summary' },
    ...row('payment.amount', h('span', { class: 'amount' }, cdf(p.amountCentimes))),
    ...row('payment.status', statusText(p.status)),
    ...row('payment.subscriber', p.subscriberName),
    ...row('payment.ref', p.refClient),
    ...row('payment.province', p.province),
    ...row('payment.phone', p.phoneNumber),
    ...row('payment.receipt', p.numAcquit === null ? t('none') : p.ownReference ? `${p.numAcquit} ${t('payment.ownReference')}` : p.numAcquit),
    ...row('payment.bills', p.billIds.join(', ')),
    ...(p.remainingCentimes !== null ? row('payment.remaining', cdf(p.remainingCentimes)) : []),
    ...(d.deposit !== null ? row('payment.deposit', `${d.deposit.provider ?? ''} ${d.deposit.id} — ${d.deposit.status ?? '…'}${d.deposit.failureCode !== null ? ` (${d.deposit.failureCode})` : ''}`) : []),
    ...(d.refund !== null ? row('payment.refund', `${d.refund.id} — ${cdf(d.refund.amountCentimes)} — ${d.refund.status ?? '…'}${d.refund.failureCode !== null ? ` (${d.refund.failureCode})` : ''}`) : []),
  );

  const flagBox = h('div', {});
  if (d.flag !== null) {
    const f = d.flag;
    const explained = flagText(f.reason);
    flagBox.append(
      h(
        'section',
        { class: `card flag ${f.resolvedAt === null ? 'open' : 'done'}`, 'aria-labelledby': 'flag-title' },
        h('h3', { id: 'flag-title' }, t('payment.flag'), ' ', h('code', {}, f.reason)),
        h('p', {}, explained.what),
        explained.check !== '' ? h('p', {}, h('strong', {}, `${t('flags.check')} `), explained.check) : null,
        f.resolvedAt !== null ? h('p', { class: 'resolved' }, t('payment.flagResolved', { at: when(f.resolvedAt), by: f.resolvedBy ?? '?', note: f.note ?? '' })) : null,
        f.resolvedAt === null && ctx.canResolve ? resolveForm(p.intentId, () => void paymentPage(ctx, p.intentId)) : null,
      ),
    );
  }

  const actions = h('div', { class: 'actions' });
  const hasReceipt = d.sms.some((m) => m.kind === 'receipt');
  if (ctx.canResolve && hasReceipt) {
    const message = h('p', { role: 'status' });
    const button = h('button', { type: 'button' }, t('payment.resend'));
    button.addEventListener('click', async () => {
      button.disabled = true;
      try {
        await send('POST', `/payments/${encodeURIComponent(p.intentId)}/receipt/resend`);
        await paymentPage(ctx, p.intentId);
        ctx.main.querySelector('.actions')?.append(h('p', { role: 'status' }, t('payment.resent')));
      } catch (err) {
        message.textContent = errorText(err);
        button.disabled = false;
      }
    });
    actions.append(button, message);
  }

  // `by`: an operator's name, `subscriber <phone>` for the confirm, `product` for the product's own steps (src/payments/detail.ts).
  const byWhom = (/** @type {string} */ by) => (by === 'product' ? null : by.startsWith('subscriber ') ? t('payment.subscriberBy', { phone: by.slice('subscriber '.length) }) : by);
  /** @type {Array<{ at: string; what: string; detail: string | null; by: string | null; kind: string }>} */
  const story = d.trail.map((e) => ({ at: e.at, what: eventText(e.event), detail: e.detail, by: byWhom(e.by), kind: e.event }));
  for (const m of d.sms) {
    const kind = t(`sms.kind.${m.kind}`);
    story.push({ at: m.createdAt, what: t('sms.queued', { kind, body: m.body }), detail: `${t(`sms.status.${m.status}`)}${m.lastError !== null ? ` — ${m.lastError}` : ''}`, by: null, kind: `sms_${m.kind}` });
    for (const s of m.sends) {
      const delivery = s.deliveryStatus === null ? t('sms.deliveryUnknown') : t('sms.delivery', { status: `${s.finalStatus ?? s.deliveryStatus}${s.failureReason !== null ? ` (${s.failureReason})` : ''}` });
      story.push({ at: s.sentAt, what: t('sms.send', { kind }), detail: delivery, by: null, kind: 'sms_send' });
    }
  }
  // Stable: events written in one transaction keep the ledger's order.
  story.sort((a, b) => a.at.localeCompare(b.at));

  ctx.main.replaceChildren(
    h('p', {}, h('a', { href: '#/payments' }, t('payment.back'))),
    h('h2', {}, t('payment.title', { id: p.intentId })),
    h('section', { class: 'card', 'aria-labelledby': 'summary-title' }, h('h3', { id: 'summary-title' }, t('payment.summary')), summary, actions),
    flagBox,
    h(
      'section',
      { class: 'card', 'aria-labelledby': 'story-title' },
      h('h3', { id: 'story-title' }, t('payment.story')),
      h(
        'ol',
        { class: 'story', 'aria-label': t('payment.story') },
        ...story.map((s) => h('li', { 'data-kind': s.kind }, h('time', { datetime: s.at }, when(s.at)), ' ', h('span', { class: 'what' }, s.what), s.by !== null ? h('span', { class: 'by' }, ` ${t('payment.by', { by: s.by })}`) : null, s.detail !== null && s.detail !== '' ? h('span', { class: 'detail' }, s.detail) : null)),
      ),
    ),
  );
}
