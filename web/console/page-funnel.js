// @ts-check
import { getJson } from './api.js';
import { h, table } from './dom.js';
import { count, kinshasaDay } from './format.js';
import { t } from './i18n.js';

/** @typedef {import('./app.js').PageContext} PageContext */
/** @typedef {{ day: string; screens: Array<{ screen: string; reached: number; ended: Record<string, number> }> }} Funnel */

const ENDINGS = ['paid', 'subscriber_end', 'network_incomplete', 'network_failed', 'expired', 'other'];

/** Where sessions stop, per screen, per day. @param {PageContext} ctx */
export async function funnelPage(ctx) {
  const day = ctx.params.get('day') ?? kinshasaDay(0);
  const input = h('input', { id: 'funnel-day', name: 'day', type: 'date', value: day, required: true });
  const form = h('form', { class: 'card inline' }, h('label', { for: 'funnel-day' }, t('funnel.day')), input, h('button', { type: 'submit' }, t('funnel.show')));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    ctx.go(`#/funnel?day=${encodeURIComponent(input.value)}`);
  });
  /** @type {Funnel} */
  const f = await getJson(`/console/api/funnel?day=${encodeURIComponent(day)}`);
  const shown = ENDINGS.filter((e) => f.screens.some((s) => (s.ended[e] ?? 0) > 0));
  const dropped = (/** @type {Funnel['screens'][number]} */ s) => Object.entries(s.ended).reduce((n, [e, c]) => (e === 'paid' ? n : n + c), 0);
  ctx.main.replaceChildren(
    h('h2', {}, t('funnel.title')),
    h('p', {}, t('funnel.intro')),
    form,
    f.screens.length === 0
      ? h('p', { role: 'status' }, t('funnel.empty'))
      : table(
          `${t('funnel.title')} — ${f.day}`,
          [t('funnel.col.screen'), t('funnel.col.reached'), t('funnel.col.dropped'), ...shown.map((e) => t(`funnel.ending.${e}`))],
          f.screens.map((s) => [h('code', {}, s.screen), count(s.reached), h('strong', {}, count(dropped(s))), ...shown.map((e) => count(s.ended[e] ?? 0))]),
        ),
  );
}
