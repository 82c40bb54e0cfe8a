// @ts-check
import { ApiError, configure, request } from './api.js';
import { h } from './dom.js';
import { currentLang, setLang, t } from './i18n.js';
import { errorText } from './notify.js';
import { flagsPage } from './page-flags.js';
import { funnelPage } from './page-funnel.js';
import { healthPage } from './page-health.js';
import { paymentPage, paymentsPage } from './page-payments.js';
import { reconciliationPage } from './page-reconciliation.js';

/** @typedef {import('./api.js').Me} Me */
/** @typedef {{ me: Me; canResolve: boolean; main: HTMLElement; params: URLSearchParams; go: (hash: string) => void }} PageContext */

/**
 * @template {Element} T
 * @param {string} id
 * @param {new () => T} type
 * @returns {T}
 */
function byId(id, type) {
  const found = document.getElementById(id);
  if (!(found instanceof type)) throw new Error(`console: no ${type.name} #${id}`);
  return found;
}

const main = byId('main', HTMLElement);
const nav = byId('nav', HTMLElement);
const who = byId('who', HTMLElement);
const signOut = byId('sign-out', HTMLButtonElement);
const langButton = byId('lang', HTMLButtonElement);
const banner = byId('open-banner', HTMLElement);
const pageError = byId('page-error', HTMLElement);

/** @type {Me | undefined} */
let me;

/** The page's fixed words, in the current language. */
function label() {
  document.documentElement.lang = currentLang();
  document.title = t('app.title');
  byId('title', HTMLElement).textContent = t('app.title');
  byId('skip', HTMLAnchorElement).textContent = t('app.skip');
  nav.setAttribute('aria-label', t('nav.label'));
  for (const a of nav.querySelectorAll('a[data-page]')) a.textContent = t(`nav.${a.getAttribute('data-page') ?? ''}`);
  langButton.textContent = t('lang.switch');
  langButton.setAttribute('aria-label', t('lang.switchLabel'));
  signOut.textContent = t('me.signOut');
  banner.textContent = t('open.banner');
  who.textContent = me === undefined ? '' : t('me.signedInAs', { name: me.name, role: t(`role.${me.role}`) });
}

/** @param {unknown} err */
function showError(err) {
  pageError.hidden = false;
  pageError.textContent = errorText(err);
}

function signedOut() {
  me = undefined;
  configure(null, signedOut);
  nav.hidden = true;
  signOut.hidden = true;
  banner.hidden = true;
  label();
  showSignIn();
}

function showSignIn() {
  const key = h('input', { id: 'key', name: 'key', type: 'password', autocomplete: 'current-password', required: true, spellcheck: 'false' });
  const message = h('p', { class: 'error', role: 'alert', id: 'signin-error' });
  const form = h(
    'form',
    { class: 'card signin', 'aria-labelledby': 'signin-title' },
    h('h2', { id: 'signin-title' }, t('signin.title')),
    h('p', {}, t('signin.intro')),
    h('label', { for: 'key' }, t('signin.key')),
    key,
    h('button', { type: 'submit' }, t('signin.submit')),
    message,
    h('p', { class: 'hint' }, t('signin.help')),
  );
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    message.textContent = '';
    try {
      const res = await request('POST', '/console/api/session', { body: { key: key.value }, quietOn401: true });
      /** @type {Me} */
      const signed = await res.json();
      key.value = '';
      started(signed);
    } catch (err) {
      message.textContent = err instanceof ApiError && err.status === 429 ? t('signin.limited') : err instanceof ApiError && err.status === 401 ? t('signin.wrong') : t('error.network');
      key.focus();
    }
  });
  main.replaceChildren(form);
  key.focus();
}

/** @param {Me} who */
function started(who) {
  me = who;
  configure(who.csrf, signedOut);
  nav.hidden = false;
  signOut.hidden = who.anonymous;
  banner.hidden = !who.anonymous;
  label();
  void route();
}

/** @type {Record<string, (ctx: PageContext, rest: string) => Promise<void>>} */
const PAGES = {
  health: healthPage,
  flags: flagsPage,
  payments: async (ctx, rest) => (rest === '' ? paymentsPage(ctx) : paymentPage(ctx, decodeURIComponent(rest))),
  reconciliation: reconciliationPage,
  funnel: funnelPage,
};

async function route() {
  if (me === undefined) return;
  pageError.hidden = true;
  const [pathPart = '', query = ''] = location.hash.replace(/^#\/?/, '').split('?');
  const [page = '', ...restParts] = pathPart.split('/');
  const name = page in PAGES ? page : 'health';
  for (const a of nav.querySelectorAll('a[data-page]')) {
    if (a.getAttribute('data-page') === name) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  // Each route draws into a view of its own: a slower route started before (the boot's, or a
  // hash changed twice) then draws into a view no longer shown, never over the page asked last.
  const view = h('div', {});
  main.replaceChildren(view);
  const ctx = {
    me,
    canResolve: me.role === 'resolver' || me.role === 'admin',
    main: view,
    params: new URLSearchParams(query),
    /** @param {string} hash */
    go: (hash) => {
      location.hash = hash;
    },
  };
  view.replaceChildren(h('p', { role: 'status' }, t('loading')));
  try {
    await (PAGES[name] ?? healthPage)(ctx, restParts.join('/'));
  } catch (err) {
    if (!(err instanceof ApiError && err.status === 401)) showError(err);
  }
}

langButton.addEventListener('click', () => {
  setLang(currentLang() === 'fr' ? 'en' : 'fr');
  label();
  if (me === undefined) showSignIn();
  else void route();
});

signOut.addEventListener('click', async () => {
  try {
    await request('DELETE', '/console/api/session');
  } catch (err) {
    showError(err);
    return;
  }
  signedOut();
});

window.addEventListener('hashchange', () => {
  void route().then(() => main.focus({ preventScroll: true }));
});

async function boot() {
  label();
  try {
    const res = await request('GET', '/console/api/me', { quietOn401: true });
    started(await res.json());
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) signedOut();
    else showError(err);
  }
}

void boot();
