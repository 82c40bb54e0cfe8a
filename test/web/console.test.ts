import type { BrowserContext, Page } from 'playwright-core';
import { createLedger } from '../../src/payments/ledger';
import { queueSmsIn } from '../../src/sms/store';
import { until } from '../support/wait';
import { endNotice, pay100, pictures, settled, shows, signIn, startConsoleProduct, type ConsoleProduct } from './console-kit';
import { launchBrowser } from './kit';

// The operators' console in Debian's chromium, against the product as a process of its own (its
// embedded sandbox REGIDESO and wallet), on PostgreSQL and Redis: sign-in with keys of each role,
// the payment search and story, flags, the funnel, sign-out, and what the server refuses.
jest.setTimeout(120_000);

let cp: ConsoleProduct;
let browser: Awaited<ReturnType<typeof launchBrowser>>;
let context: BrowserContext;
const pageErrors: string[] = [];

const suffix = String(Date.now()).slice(-4);
const PAYER = `+24381${suffix}190`;
const FLAGGED_PAYER = `+24382${suffix}290`;
let paid: { id: string; numAcquit: string; amountCentimes: number };
let flagged: { id: string; numAcquit: string; amountCentimes: number };
let viewerKey: string;
let resolverKey: string;
const today = new Date(Date.now() + 3_600_000).toISOString().slice(0, 10);

beforeAll(async () => {
  [cp, browser] = await Promise.all([startConsoleProduct('console'), launchBrowser()]);
  context = browser.context;
  // One payment at a time per account: the second starts once the first has its receipt.
  await pay100(cp.product, `cons-pay-${suffix}`, PAYER);
  paid = await settled(cp.db, PAYER);
  await pay100(cp.product, `cons-flag-${suffix}`, FLAGGED_PAYER);
  flagged = await settled(cp.db, FLAGGED_PAYER);
  // A receipt our gateway keeps refusing: flagged as compose.ts flags it (the SMS queue's onFailing).
  expect(await createLedger(cp.db, { queueSms: queueSmsIn }).flag(flagged.id, 'sms_undelivered', 'gateway: credit refused for 10 minutes')).toBe(true);
  // A session that dropped on the reference screen: the network's own ending.
  await cp.product.hop(`cons-drop-${suffix}`, PAYER, '');
  await cp.product.hop(`cons-drop-${suffix}`, PAYER, '1');
  await endNotice(cp.product, `cons-drop-${suffix}`, PAYER, 'Incomplete');
});

afterAll(async () => {
  await browser?.close();
  await cp?.close();
});

afterEach(() => {
  expect(pageErrors.splice(0)).toEqual([]);
});

async function newPage(): Promise<Page> {
  const page = await context.newPage();
  page.on('pageerror', (err) => pageErrors.push(err.message));
  return page;
}

/** The page's own fetch, with its session cookie (and the CSRF token when `csrf`): what a script in the page could do. */
async function pageFetch(page: Page, method: string, url: string, opts: { csrf?: boolean; body?: unknown } = {}): Promise<{ status: number; body: unknown }> {
  return page.evaluate(
    async ({ method, url, csrf, body }) => {
      const me = (await (await fetch('/console/api/me')).json()) as { csrf: string | null };
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (csrf && me.csrf !== null) headers['x-csrf-token'] = me.csrf;
      const res = await fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
      return { status: res.status, body: (await res.json().catch(() => null)) as unknown };
    },
    { method, url, csrf: opts.csrf === true, body: opts.body },
  );
}

test('before the first key (outside production) the console is open, and a banner says so', async () => {
  const page = await newPage();
  await page.goto(`${cp.product.baseUrl}/console/`);
  await shows(page.getByRole('note'), 'Aucune clé d’opérateur n’existe encore');
  await shows(page.getByRole('heading', { level: 2 }), 'Santé du service');
  await page.close();
  // From the first key on, the door is shut.
  viewerKey = await cp.key('Vicky Viewer', 'viewer');
  resolverKey = await cp.key('Rose Resolver', 'resolver');
});

test('signed out: the console answers with its sign-in page, every API with 401, and a wrong key is refused', async () => {
  const base = cp.product.baseUrl;
  for (const url of ['/console/api/me', '/console/api/health', `/console/api/funnel?day=${today}`, '/payments', '/payments/flagged', `/payments/${paid.id}`]) {
    const res = await fetch(`${base}${url}`);
    expect({ url, status: res.status }).toEqual({ url, status: 401 });
  }
  for (const [method, url] of [['POST', `/payments/flagged/${flagged.id}/resolve`], ['POST', `/payments/${paid.id}/receipt/resend`]] as const) {
    const res = await fetch(`${base}${url}`, { method, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ note: 'nobody', day: today }) });
    expect({ url, status: res.status }).toEqual({ url, status: 401 });
  }
  const page = await newPage();
  for (const hash of ['', '#/payments', `#/payments/${paid.id}`, '#/flags', '#/funnel', '#/reconciliation']) {
    await page.goto(`${base}/console/${hash}`);
    await page.getByLabel('Clé d’opérateur', { exact: true }).waitFor();
    expect(await page.getByRole('navigation').isHidden()).toBe(true);
    expect(await page.locator('main').innerText()).not.toContain(paid.numAcquit);
  }
  const key = page.getByLabel('Clé d’opérateur', { exact: true });
  await key.fill('rgdop_not-a-key-that-exists-anywhere-at-all-00000');
  await key.press('Enter');
  await shows(page.getByRole('alert').filter({ hasText: 'clé' }), 'Cette clé n’est pas valable');
  await pictures(page, 'signin', async () => {
    await key.waitFor();
  });
  await page.close();
});

test('a viewer finds a payment by num_acquit and by phone; its page tells deposit, PayFact and receipt in order; no resolve or resend button, and the API says 403', async () => {
  const page = await newPage();
  await signIn(page, cp.product.baseUrl, viewerKey);
  await shows(page.getByText('Connecté'), 'Vicky Viewer (lecture)');
  expect(await page.getByRole('note').isHidden()).toBe(true);
  await shows(page.getByRole('region', { name: 'REGIDESO' }), 'joignable');
  // Every queue named in words (the inbound SMS queue once showed its translation key), and the
  // wallets' states in sight without scrolling.
  await shows(page.getByRole('region', { name: 'Travail en attente' }), 'SMS reçus sans réponse');
  const walletTable = page.locator('.tile .table-wrap');
  await shows(walletTable, 'OPERATIONAL');
  expect(await walletTable.evaluate((e) => e.scrollWidth <= e.clientWidth)).toBe(true);
  await pictures(page, 'health', async () => {
    await page.getByRole('region', { name: 'Signalements ouverts' }).getByText('sms_undelivered').waitFor();
  });

  // By receipt number.
  await page.getByRole('link', { name: 'Paiements' }).click();
  await page.getByLabel('N° de quittance ou référence RGD-…').fill(paid.numAcquit);
  await page.getByRole('button', { name: 'Rechercher' }).click();
  await shows(page.getByRole('status'), '1 paiement(s) affiché(s).');
  const rows = page.locator('tbody tr');
  expect(await rows.count()).toBe(1);
  await shows(rows.first(), PAYER);
  await shows(rows.first(), '100\u00a0CDF');

  // By phone (typed the national way): the same payment, and only it.
  await page.getByLabel('N° de quittance ou référence RGD-…').fill('');
  await page.getByLabel('Téléphone').fill(`0${PAYER.slice(4)}`);
  await page.getByLabel('Téléphone').press('Enter');
  await shows(page.locator('tbody tr').first(), paid.numAcquit);
  expect(await page.locator('tbody tr').count()).toBe(1);
  await pictures(page, 'payments', async () => {
    await page.locator('tbody tr').first().waitFor();
  });
  await page.locator('tbody tr').first().getByRole('link').click();

  const story = page.getByRole('list', { name: 'Histoire du paiement' });
  await shows(story, 'Quittance');
  const text = await story.innerText();
  const at = (s: string) => {
    const i = text.indexOf(s);
    if (i < 0) throw new Error(`the story lacks "${s}":\n${text}`);
    return i;
  };
  const order = [
    at('Confirmé sur le téléphone par l’abonné'),
    at('Dépôt demandé au porte-monnaie'),
    at('Dépôt COMPLETED'),
    at('PayFact envoyé à REGIDESO'),
    at('PayFact accepté'),
    at('SMS de quittance écrit'),
    at('SMS de quittance remis à la passerelle'),
  ];
  expect(order).toEqual([...order].sort((a, b) => a - b));
  expect(text).toContain(paid.numAcquit);
  await shows(page.locator('.summary'), '100\u00a0CDF');
  expect(await page.getByRole('button', { name: 'Renvoyer le SMS de quittance' }).count()).toBe(0);
  await pictures(page, 'payment', async () => {
    await story.waitFor();
  });

  // Flags: explained, but no form for a viewer.
  await page.getByRole('link', { name: 'Signalements' }).click();
  const item = page.locator(`li[data-intent="${flagged.id}"]`);
  await shows(item, 'notre passerelle SMS le refuse');
  await shows(item, 'Africa’s Talking');
  expect(await page.getByRole('button', { name: 'Marquer comme résolu' }).count()).toBe(0);
  expect(await page.getByLabel('Note de résolution (ce qui a été fait)').count()).toBe(0);

  // The server refuses anyway, with the token: the role, not the forgery guard.
  const resolve = await pageFetch(page, 'POST', `/payments/flagged/${flagged.id}/resolve`, { csrf: true, body: { note: 'a viewer tries' } });
  expect(resolve.status).toBe(403);
  expect(JSON.stringify(resolve.body)).toContain('resolver');
  const resend = await pageFetch(page, 'POST', `/payments/${paid.id}/receipt/resend`, { csrf: true });
  expect(resend.status).toBe(403);
  const flags = await cp.db.query<{ resolved_at: Date | null }>('SELECT resolved_at FROM payment_intents WHERE id = $1', [flagged.id]);
  expect(flags.rows[0]?.resolved_at).toBeNull();
  await page.close();
});

test('forgery: a state-changing request on the session cookie without its token, or from another origin, is refused', async () => {
  const page = await newPage();
  await signIn(page, cp.product.baseUrl, resolverKey);
  const noToken = await pageFetch(page, 'POST', `/payments/flagged/${flagged.id}/resolve`, { body: { note: 'forged from a script' } });
  expect(noToken).toEqual({ status: 403, body: expect.objectContaining({ error: 'csrf' }) });

  // The same cookie from another site's page: Origin says so (a browser sets it; this client may).
  const cookie = (await context.cookies(cp.product.baseUrl)).find((c) => c.name === 'rgd_console');
  expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Strict', secure: false });
  const me = (await (await fetch(`${cp.product.baseUrl}/console/api/me`, { headers: { cookie: `rgd_console=${cookie?.value}` } })).json()) as { csrf: string };
  const crossSite = await fetch(`${cp.product.baseUrl}/payments/flagged/${flagged.id}/resolve`, {
    method: 'POST',
    headers: { cookie: `rgd_console=${cookie?.value}`, 'x-csrf-token': me.csrf, origin: 'https://evil.example', 'content-type': 'application/json' },
    body: JSON.stringify({ note: 'forged from elsewhere' }),
  });
  expect(crossSite.status).toBe(403);
  const formPost = await fetch(`${cp.product.baseUrl}/payments/flagged/${flagged.id}/resolve`, {
    method: 'POST',
    headers: { cookie: `rgd_console=${cookie?.value}`, 'sec-fetch-site': 'cross-site', 'content-type': 'application/x-www-form-urlencoded' },
    body: 'note=forged+by+a+form',
  });
  expect(formPost.status).toBe(403);
  const still = await cp.db.query<{ resolved_at: Date | null }>('SELECT resolved_at FROM payment_intents WHERE id = $1', [flagged.id]);
  expect(still.rows[0]?.resolved_at).toBeNull();
  await page.close();
});

test('a resolver resends a receipt (a new SMS, its name in the trail) and clears a flag with a note: it leaves the list, signed with the name', async () => {
  const page = await newPage();
  await signIn(page, cp.product.baseUrl, resolverKey);
  await page.goto(`${cp.product.baseUrl}/console/#/payments/${paid.id}`);
  await page.getByRole('button', { name: 'Renvoyer le SMS de quittance' }).click();
  await shows(page.getByRole('status'), 'Quittance renvoyée');
  const story = page.getByRole('list', { name: 'Histoire du paiement' });
  await shows(story, 'Quittance renvoyée par un opérateur par Rose Resolver');
  const sms = await until(async () => {
    const r = await cp.db.query<{ n: number }>("SELECT count(*)::int AS n FROM sms_messages WHERE intent_id = $1 AND kind = 'receipt' AND status = 'sent'", [paid.id]);
    return (r.rows[0]?.n ?? 0) >= 2 ? r.rows[0] : undefined;
  }, { what: 'the resent receipt sent', deadlineMs: 20_000 });
  expect(sms.n).toBe(2);
  const outbox = (await (await fetch(`${cp.product.baseUrl}/outbox?to=${encodeURIComponent(PAYER)}`)).json()) as Array<{ text?: string; message?: string }>;
  const receipts = outbox.filter((m) => JSON.stringify(m).includes(paid.numAcquit));
  expect(receipts).toHaveLength(2);

  await page.getByRole('link', { name: 'Signalements' }).click();
  const item = page.locator(`li[data-intent="${flagged.id}"]`);
  await item.waitFor();
  await pictures(page, 'flags', async () => {
    await item.waitFor();
  });
  // The note is mandatory.
  await item.getByRole('button', { name: 'Marquer comme résolu' }).click();
  expect(await item.getByLabel('Note de résolution (ce qui a été fait)').evaluate((el) => (el as unknown as { validity: { valid: boolean } }).validity.valid)).toBe(false);
  await item.getByLabel('Note de résolution (ce qui a été fait)').fill('Crédit Africa’s Talking rechargé, quittance renvoyée');
  await item.getByRole('button', { name: 'Marquer comme résolu' }).click();
  await shows(page.getByRole('status'), 'Résolu par Rose Resolver.');
  await page.locator(`li[data-intent="${flagged.id}"]`).waitFor({ state: 'detached' });
  await shows(page.getByRole('status'), 'Aucun signalement ouvert');

  await page.goto(`${cp.product.baseUrl}/console/#/payments/${flagged.id}`);
  const trail = page.getByRole('list', { name: 'Histoire du paiement' });
  await shows(trail, 'Signalement résolu par Rose Resolver');
  await shows(trail, 'Crédit Africa’s Talking rechargé');
  await shows(page.locator('.flag'), 'Résolu le');
  await page.close();
});

test('the funnel shows the screen where a dropped session ended, told apart by who ended it', async () => {
  const page = await newPage();
  await signIn(page, cp.product.baseUrl, viewerKey);
  await page.getByRole('link', { name: 'Abandons' }).click();
  const table = page.getByRole('table');
  const row = table.locator('tr').filter({ has: page.locator('code', { hasText: /^pay_ref$/ }) });
  await row.waitFor();
  const headers = await table.locator('th').allInnerTexts();
  const cells = await row.locator('td').allInnerTexts();
  const cell = (header: string) => cells[headers.indexOf(header)];
  expect(cell('Atteint')).toBe('3');
  expect(cell('Arrêtées ici sans payer')).toBe('1');
  expect(cell('Réseau : Incomplete (raccroché, délai dépassé)')).toBe('1');
  // The two payments ended on their END screen, counted as paid there, not as drops.
  const paidRow = table.locator('tr').filter({ has: page.locator('code', { hasText: /^pay_collecting$/ }) });
  const paidCells = await paidRow.locator('td').allInnerTexts();
  expect(paidCells[headers.indexOf('Paiement enregistré')]).toBe('2');
  expect(paidCells[headers.indexOf('Arrêtées ici sans payer')]).toBe('0');
  await pictures(page, 'funnel', async () => {
    await row.waitFor();
  });

  // English on demand.
  await page.getByRole('button', { name: 'Switch the console to English' }).click();
  await shows(page.getByRole('heading', { level: 2 }), 'Where sessions stop');
  await shows(page.getByRole('navigation'), 'Payments');
  await page.getByRole('button', { name: 'Passer la console en français' }).click();
  await shows(page.getByRole('heading', { level: 2 }), 'Où les sessions s’arrêtent');
  await page.close();
});

test('a revoked key ends its session at once; signing out ends it too', async () => {
  const page = await newPage();
  const key = await cp.key('Temp Viewer', 'viewer');
  await signIn(page, cp.product.baseUrl, key);
  await shows(page.getByText('Connecté'), 'Temp Viewer');
  // The first page (health) must have drawn before the key goes: its request, still in flight when
  // the key is revoked, would sign the page out before the click below and hide the link it needs.
  await shows(page.getByRole('heading', { level: 2 }), 'Santé du service');
  await cp.revoke('Temp Viewer');
  await page.getByRole('link', { name: 'Paiements' }).click();
  await page.getByLabel('Clé d’opérateur', { exact: true }).waitFor();

  await signIn(page, cp.product.baseUrl, viewerKey);
  const cookie = (await context.cookies(cp.product.baseUrl)).find((c) => c.name === 'rgd_console');
  expect((await fetch(`${cp.product.baseUrl}/payments`, { headers: { cookie: `rgd_console=${cookie?.value}` } })).status).toBe(200);
  await page.getByRole('button', { name: 'Se déconnecter' }).click();
  await page.getByLabel('Clé d’opérateur', { exact: true }).waitFor();
  expect((await fetch(`${cp.product.baseUrl}/payments`, { headers: { cookie: `rgd_console=${cookie?.value}` } })).status).toBe(401);
  await page.close();
});
