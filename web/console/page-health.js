// @ts-check
import { getJson } from './api.js';
import { h, table } from './dom.js';
import { count, when } from './format.js';
import { flagText, t } from './i18n.js';

/** @typedef {import('./app.js').PageContext} PageContext */

/**
 * @typedef {{ regideso: { up: boolean; checkedAt: string | null }; jobsWaiting: Record<string, number>; smsFailing: number; openFlags: Record<string, number>;
 *   wallets: Array<{ provider: string; deposits: string; refunds?: string }> | null; walletsError: string | null }} Health
 */

/** Health at a glance: the first page of the morning. @param {PageContext} ctx */
export async function healthPage(ctx) {
  /** @type {Health} */
  const hs = await getJson('/console/api/health');
  /**
   * @param {string} title
   * @param {string} state
   * @param {...(Node | string | null)} body
   */
  const card = (title, state, ...body) => h('section', { class: `card tile ${state}`, 'aria-label': title }, h('h3', {}, title), ...body);

  const regideso = card(
    t('health.regideso'),
    hs.regideso.up ? 'good' : 'bad',
    h('p', { class: 'big' }, hs.regideso.up ? t('health.regidesoUp') : t('health.regidesoDown')),
    h('p', { class: 'meta' }, hs.regideso.checkedAt === null ? t('health.neverChecked') : t('health.checkedAt', { at: when(hs.regideso.checkedAt) })),
  );
  const walletsBody =
    hs.wallets !== null
      ? table(
          t('health.wallets'),
          [t('health.provider'), t('health.deposits'), t('health.refunds')],
          hs.wallets.map((w) => [w.provider, h('span', { class: w.deposits === 'OPERATIONAL' ? 'good' : 'bad' }, w.deposits), w.refunds ?? t('none')]),
        )
      : h('p', {}, hs.walletsError !== null ? t('health.walletsError') : t('health.walletsUnknown'));
  const walletsBad = hs.wallets?.some((w) => w.deposits !== 'OPERATIONAL') ?? hs.walletsError !== null;
  const wallets = card(t('health.wallets'), walletsBad ? 'bad' : hs.wallets === null ? 'neutral' : 'good', walletsBody);
  // Three columns of long names (VODACOM_MPESA_COD, OPERATIONAL): two tiles wide, or the states scroll out of sight.
  wallets.classList.add('wide');
  const jobs = card(t('health.jobs'), 'neutral', h('ul', {}, ...Object.entries(hs.jobsWaiting).map(([k, n]) => h('li', {}, h('strong', {}, count(n)), ' ', t(`health.job.${k}`)))));
  const sms = card(t('health.smsFailing'), hs.smsFailing > 0 ? 'bad' : 'good', h('p', { class: 'big' }, t('health.smsFailingText', { n: count(hs.smsFailing) })));
  const flagEntries = Object.entries(hs.openFlags).filter(([, n]) => n > 0);
  const flags = card(
    t('health.flags'),
    flagEntries.length > 0 ? 'bad' : 'good',
    flagEntries.length === 0 ? h('p', {}, t('health.noFlags')) : h('ul', {}, ...flagEntries.map(([reason, n]) => h('li', {}, h('strong', {}, count(n)), ' ', h('code', {}, reason), ' — ', flagText(reason).what))),
    flagEntries.length > 0 ? h('p', {}, h('a', { href: '#/flags' }, t('health.seeFlags'))) : null,
  );
  ctx.main.replaceChildren(h('h2', {}, t('health.title')), h('p', { class: 'hint' }, t('health.routine')), h('div', { class: 'tiles' }, regideso, wallets, jobs, sms, flags));
}
