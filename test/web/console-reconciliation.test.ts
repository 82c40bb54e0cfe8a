import type { BrowserContext } from 'playwright-core';
import { startSandbox, type RunningSandbox } from '../../src/regideso/sandbox/server';
import { pay100, pictures, settled, shows, signIn, startConsoleProduct, type ConsoleProduct } from './console-kit';
import { launchBrowser } from './kit';

// The console's daily reconciliation page, against the product as a process and a sandbox REGIDESO
// of this file's own (over HTTP), so the test can make REGIDESO forget a receipt it issued.
//
// The mismatch's kind (`unknown_receipt`) is shown as the sentence web/console/i18n.js gives it.
jest.setTimeout(120_000);

/** The sandbox REGIDESO forgets a receipt it issued: VerifyTransaction no longer knows it. */
async function forgetReceipt(sandbox: RunningSandbox, numAcquit: string): Promise<void> {
  if (!sandbox.forget(numAcquit)) throw new Error(`the sandbox REGIDESO never issued ${numAcquit}`);
}

let sandbox: RunningSandbox;
let cp: ConsoleProduct;
let browser: Awaited<ReturnType<typeof launchBrowser>>;
let context: BrowserContext;
const suffix = String(Date.now()).slice(-4);
const KEPT = `+24381${suffix}390`;
const FORGOTTEN = `+24382${suffix}490`;
const today = new Date(Date.now() + 3_600_000).toISOString().slice(0, 10);
let resolverKey: string;
let viewerKey: string;

beforeAll(async () => {
  sandbox = await startSandbox();
  [cp, browser] = await Promise.all([startConsoleProduct('console_recon', { REGIDESO_BASE_URL: sandbox.baseUrl, REGIDESO_API_KEY: sandbox.apiKey }), launchBrowser()]);
  context = browser.context;
  resolverKey = await cp.key('Rita Resolver', 'resolver');
  viewerKey = await cp.key('Victor Viewer', 'viewer');
  // One payment at a time per account: the second starts once the first has its receipt.
  await pay100(cp.product, `recon-kept-${suffix}`, KEPT);
  await settled(cp.db, KEPT);
  await pay100(cp.product, `recon-gone-${suffix}`, FORGOTTEN);
});

afterAll(async () => {
  await browser?.close();
  await cp?.close();
  await sandbox?.close();
});

test('signed out, the reconciliation API answers 401', async () => {
  expect((await fetch(`${cp.product.baseUrl}/reconciliation/runs?day=${today}`)).status).toBe(401);
  const post = await fetch(`${cp.product.baseUrl}/reconciliation/runs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ day: today }) });
  expect(post.status).toBe(401);
});

test('today\'s reconciliation, run from the console, matches the ledger\'s count and total and lists, with its reason, a receipt REGIDESO does not know', async () => {
  const [kept, gone] = await Promise.all([settled(cp.db, KEPT), settled(cp.db, FORGOTTEN)]);
  await forgetReceipt(sandbox, gone.numAcquit);
  const ledger = await cp.db.query<{ n: number; total: string }>(
    "SELECT count(*)::int AS n, coalesce(sum(amount_centimes), 0)::text AS total FROM payment_intents WHERE (created_at AT TIME ZONE 'Africa/Kinshasa')::date = $1::date",
    [today],
  );
  const expected = ledger.rows[0];
  expect(expected?.n).toBe(2);

  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (err) => errors.push(err.message));
  await signIn(page, cp.product.baseUrl, resolverKey);
  await page.goto(`${cp.product.baseUrl}/console/#/reconciliation?day=${today}`);
  await page.getByRole('button', { name: 'Lancer le rapprochement' }).click();
  await shows(page.getByRole('status'), 'Lancé par Rita Resolver');

  const run = (await (await fetch(`${cp.product.baseUrl}/reconciliation/runs?day=${today}`, { headers: { authorization: `Bearer ${resolverKey}` } })).json()) as {
    totals: { ledger: { count: number; amountCentimes: number } };
    mismatches: Array<{ intentId: string; kind: string }>;
  };
  expect(run.totals.ledger).toEqual({ count: expected?.n, amountCentimes: Number(expected?.total) });
  const ledgerTotal = page.locator('[data-total="ledger"]');
  await shows(ledgerTotal, '2 paiement(s)');
  await shows(ledgerTotal, '200\u00a0CDF');

  expect(run.mismatches.map((m) => m.intentId)).toEqual([gone.id]);
  const mismatchCard = page.locator('section', { has: page.getByRole('heading', { name: /^Écarts/ }) });
  const rows = mismatchCard.locator('tbody tr');
  expect(await rows.count()).toBe(1);
  // The card's title says "Écarts (1)" once: the table's caption is there for screen readers only.
  const caption = mismatchCard.locator('caption');
  expect(await caption.textContent()).toBe('Écarts (1)');
  expect((await caption.boundingBox())?.height).toBeLessThanOrEqual(1);
  await shows(rows.first(), 'REGIDESO ne connaît pas cette quittance');
  await shows(rows.first(), gone.numAcquit);
  expect(await page.getByRole('link', { name: kept.id }).count()).toBe(0);
  await pictures(page, 'reconciliation', async () => {
    await rows.first().waitFor();
  });

  // The CSV of the same run.
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Télécharger le CSV' }).click()]);
  expect(download.suggestedFilename()).toBe(`reconciliation-${today}.csv`);
  const stream = await download.createReadStream();
  let csv = '';
  for await (const chunk of stream) csv += String(chunk);
  expect(csv).toContain(gone.id);

  // Each mismatch leads to its payment's page.
  await rows.first().getByRole('link', { name: gone.id }).click();
  await shows(page.getByRole('heading', { level: 2 }), gone.id);
  expect(errors).toEqual([]);
  await page.close();
});

test('a viewer reads the reconciliation but has no run button, and the API refuses a run (403)', async () => {
  const page = await context.newPage();
  await signIn(page, cp.product.baseUrl, viewerKey);
  await page.goto(`${cp.product.baseUrl}/console/#/reconciliation?day=${today}`);
  // The run the resolver made, read by a viewer.
  await shows(page.locator('[data-total="ledger"]'), '2 paiement(s)');
  expect(await page.getByRole('button', { name: 'Télécharger le CSV' }).isVisible()).toBe(true);
  expect(await page.getByRole('button', { name: 'Lancer le rapprochement' }).count()).toBe(0);
  const res = await fetch(`${cp.product.baseUrl}/reconciliation/runs`, { method: 'POST', headers: { authorization: `Bearer ${viewerKey}`, 'content-type': 'application/json' }, body: JSON.stringify({ day: today }) });
  expect(res.status).toBe(403);
  await page.close();
});
