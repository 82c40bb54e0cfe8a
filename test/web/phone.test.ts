import { copyFile, mkdir, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { GSM7_ALPHABET, gsm7Length, isGsm7 } from '../../src/gsm7';
import { hasExactText, inboxPolls, inboxReadTwiceSince, openPage, phone, productAndBrowser, serveProduct, shows } from './kit';

// The browser phone in Debian's chromium against the product of `npm start` (embedded defaults:
// in-memory Redis, sandbox REGIDESO, sandbox wallet, SMS outbox), served on an ephemeral port.
jest.setTimeout(60_000);

const SCREENSHOT = path.resolve(__dirname, '..', '..', 'docs', 'phone.png');

const w = productAndBrowser();

let pageErrors: string[] = [];
afterEach(() => {
  // A script error in the page fails the test that caused it.
  expect(pageErrors).toEqual([]);
  pageErrors = [];
});
async function open(url = `${w.server.url}/`) {
  const opened = await openPage(w.context, url);
  pageErrors = opened.errors;
  return opened.page;
}

/** The screens of the walk that pays 100 CDF on the oldest bill of 83262 (Kinshasa), each waited for. */
const PAY_100_ON_83262: Array<[reply: string, screen: string | RegExp]> = [
  ['1', 'Entrez votre référence client'],
  ['83262', 'Choisissez votre province'],
  ['1', 'MUKEBA M.'],
  ['2', 'Solde exact'],
  ['2', 'Montant en francs entiers'],
  ['100', 'Payer 100 CDF'],
  ['2', 'Approuvez le paiement de 100 CDF'],
];

test('dial, walk to the bills of 83262, pay 100 CDF: the END screen, then the receipt SMS in the inbox', async () => {
  const page = await open();
  const p = phone(page);
  const number = await p.number.inputValue();
  expect(number).toMatch(/^\+243\d{9}$/);
  await p.dial();
  await shows(p.screen, 'Payer une facture');
  for (const [reply, screen] of PAY_100_ON_83262) {
    await p.send(reply);
    await shows(p.screen, screen);
  }
  // The session has ended: the handset says so and takes no more replies, as on END.
  await shows(p.root, 'Session ended');
  expect(await p.reply.isDisabled()).toBe(true);

  // Each hop's `text` as the gateway sends it: every input so far joined by `*`.
  await shows(p.timeline, 'text="1*83262*1*2*2*100*2" → END');
  expect(await p.timeline.innerText()).toContain('text="" → CON');
  await shows(p.timeline, 'ussd/events Success → HTTP 200');

  // Only now, the session over, the wallet asks for the PIN, as a handset shows it: money moves in the
  // real order. It speaks the phone's language (French here) and names the wallet as subscribers do.
  const prompt = p.root.getByRole('dialog', { name: 'Wallet PIN prompt' });
  await shows(prompt, 'Payer 100 CDF? Entrez votre PIN:');
  await shows(prompt, 'M-Pesa');
  expect(await prompt.innerText()).not.toContain('VODACOM');
  for (const k of '1234') await p.button(k).click();
  await prompt.getByRole('button', { name: 'Approuver' }).click();
  await shows(p.screen, 'Payment of 100 CDF approved.');

  await shows(p.inbox, 'quittance ');
  expect(await p.inbox.innerText()).toMatch(/quittance \S*SANDBOX-83262-/);
  expect(await p.inbox.locator('li.sms').count()).toBe(1);

  // The README's picture, from this very run: docs/phone.png is rewritten when missing or with UPDATE_SCREENSHOTS=1
  // (every run would otherwise leave a changed file behind).
  const shot = path.join(os.tmpdir(), `phone-${process.pid}.png`);
  await page.setViewportSize({ width: 740, height: 760 });
  await page.screenshot({ path: shot });
  expect((await stat(shot)).size).toBeGreaterThan(10_000);
  if (process.env.UPDATE_SCREENSHOTS === '1' || !(await stat(SCREENSHOT).catch(() => undefined))) {
    await mkdir(path.dirname(SCREENSHOT), { recursive: true });
    await copyFile(shot, SCREENSHOT);
  }
});

test('the END stays readable (about 2 s) before the PIN prompt covers it; the prompt speaks English after English was chosen', async () => {
  const page = await open();
  const p = phone(page);
  // When the END text and the prompt first show, as the page itself sees it (not as the test polls it).
  await shows(p.screen, 'to start');
  // (A script string: the tests compile without the DOM's types.)
  await page.evaluate(`(() => {
    const seen = (window.seen = {});
    const root = document.querySelector('[aria-label="Phone 1"]');
    const screen = root.querySelector('[data-part="screen"]');
    const dialog = root.querySelector('[data-part="prompt"]');
    new MutationObserver(() => {
      if (seen.end === undefined && (screen.textContent || '').startsWith('Approve the payment')) seen.end = performance.now();
      if (seen.prompt === undefined && !dialog.hidden) seen.prompt = performance.now();
    }).observe(root, { subtree: true, childList: true, characterData: true, attributes: true });
  })()`);
  await p.dial();
  await shows(p.screen, 'Payer une facture');
  await p.keys('4');
  await p.keys('2');
  await shows(p.screen, 'Pay a bill');
  await p.keys('00');
  for (const reply of ['1', '83262', '1', '2', '2', '100', '2']) await p.keys(reply);
  await shows(p.screen, 'Approve the payment of 100 CDF');
  const prompt = p.root.getByRole('dialog', { name: 'Wallet PIN prompt' });
  await shows(prompt, 'Pay 100 CDF? Enter your PIN:');
  await shows(prompt, 'M-Pesa');
  const seen = (await page.evaluate('window.seen')) as { end?: number; prompt?: number };
  // A lower bound only: a slow machine lengthens the wait, it cannot shorten it.
  expect((seen.prompt ?? 0) - (seen.end ?? Infinity)).toBeGreaterThanOrEqual(1900);
  await prompt.getByRole('button', { name: 'Decline' }).click();
});

test('at 390 px wide (a phone\'s browser) the inbox and the timeline are within the page, nothing cut off', async () => {
  const page = await open();
  await page.setViewportSize({ width: 390, height: 844 });
  const p = phone(page);
  await p.dial();
  await shows(p.timeline, 'text="" → CON');
  expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
  for (const part of [p.inbox, p.timeline, p.screen]) {
    const box = await part.boundingBox();
    expect(box).not.toBeNull();
    expect((box?.x ?? -1) >= 0 && (box?.x ?? 0) + (box?.width ?? 0) <= 390).toBe(true);
  }
});

test('an SMS keyword sent from the phone is answered in its inbox', async () => {
  const page = await open();
  const p = phone(page);
  await p.root.getByLabel('SMS text').fill('FACTURE 83262');
  await p.button('Send SMS').click();
  await shows(p.inbox, /REGIDESO 83262 \(KIN\) MUKEBA M\.: \d+ factures impayées/);
  await shows(p.timeline, 'SMS to 123: "FACTURE 83262" → HTTP 200');
});

test('back (0), home (00) and next page (99) from the keypad, on the 14 bills of 70315 in Kongo Central', async () => {
  const page = await open();
  const p = phone(page);
  await p.dial();
  await shows(p.screen, 'Consulter mes factures');
  await p.keys('2');
  await p.keys('70315');
  await p.keys('2');
  await shows(p.screen, 'NZUZI M.');
  await shows(p.screen, '06/2023');
  await p.keys('99');
  await shows(p.screen, '09/2023');
  expect(await p.screen.innerText()).not.toContain('06/2023');
  await p.keys('0');
  await shows(p.screen, '06/2023');
  await p.keys('00');
  await shows(p.screen, 'Payer une facture');
  await shows(p.timeline, 'text="2*70315*2*99*0*00" → CON');
  // Still in the session: Cancel hangs up, and the gateway's notice says so.
  await p.cancel();
  await shows(p.root, 'Cancelled');
  await shows(p.timeline, 'ussd/events Incomplete → HTTP 200');
});

test("a second phone on the page has its own number, and its inbox stays empty while the first one's fills", async () => {
  const page = await open();
  await page.getByRole('button', { name: 'Add a phone' }).click();
  const first = phone(page, 1);
  const second = phone(page, 2);
  const [a, b] = [await first.number.inputValue(), await second.number.inputValue()];
  expect(b).toMatch(/^\+243\d{9}$/);
  expect(b).not.toBe(a);

  await first.root.getByLabel('SMS text').fill('AIDE');
  await first.button('Send SMS').click();
  await shows(first.inbox, 'AIDE: cette aide');
  // Two more reads of the second phone's outbox, so at least one began after the reply was kept.
  await inboxReadTwiceSince(second.inbox, await inboxPolls(second.inbox));
  expect(await second.inbox.locator('li.sms').count()).toBe(0);
  await shows(second.inbox, 'No messages');
});

test('the screen counts characters of 182 and warns when a text is not GSM-7, as the product itself checks', async () => {
  const page = await open();
  const p = phone(page);
  await p.dial();
  await shows(p.screen, 'Payer une facture');
  const count = p.root.getByText(/^\d+\/\d+ characters$/).first();
  await shows(count, `${gsm7Length(await p.screen.innerText())}/182 characters`);

  const warning = p.root.locator('.display + .meter [role=alert]');
  await p.reply.fill('crème brûlée');
  await shows(warning, 'Not GSM-7: û');
  await p.reply.fill('crème');
  await hasExactText(warning, '');

  const sms = p.root.getByLabel('SMS text');
  const smsWarning = p.root.locator('.sms-form [role=alert]');
  await sms.fill('Reçu ô');
  await shows(smsWarning, 'Not GSM-7: ç ô. Sent as UCS-2, only 80 characters fit.');
  await shows(p.root.locator('.sms-form'), '6/80');
  await sms.fill('RECU é à ù {');
  await hasExactText(smsWarning, '');
  await shows(p.root.locator('.sms-form'), '13/160');

  // The page's counter against src/gsm7.ts, character by character: the alphabet is served, the logic is the page's.
  const samples = [...GSM7_ALPHABET.basic, ...GSM7_ALPHABET.extended, 'ê', 'ô', 'ç', 'â', 'î', 'û', 'ë', 'ï', '\u2018', '\u2019', '\u201c', '\u201d', '😀', '\u00a0', 'Ω', '€'];
  // A string, not a function: the test's compiler would turn a function's import() into require().
  const pageSays = (await page.evaluate(`(async () => {
    const { createMeter } = await import('./gsm7.js');
    const meter = createMeter(await (await fetch('simulator/gsm7.json')).json());
    return ${JSON.stringify(samples)}.map((c) => meter(c, 182));
  })()`)) as Array<{ gsm7: boolean; length: number }>;
  expect(pageSays.map((m) => m.gsm7)).toEqual(samples.map((c) => isGsm7(c)));
  expect(pageSays.filter((m) => m.gsm7).map((m) => m.length)).toEqual(samples.filter((c) => isGsm7(c)).map((c) => gsm7Length(c)));
});

test('a screen over 182 characters shows what a handset cuts', async () => {
  const page = await open();
  const p = phone(page);
  // A menu that overflows is a menu bug the checks catch; the page still shows it honestly.
  await page.route('**/ussd', (route) => route.fulfill({ status: 200, contentType: 'text/plain', body: `CON ${'x'.repeat(180)}\nyyyy` }));
  await p.dial();
  await shows(p.root, '185/182 characters');
  await shows(p.screen.locator('s.overflow'), 'yyy');
  expect((await p.screen.locator('s.overflow').innerText()).length).toBe(3);
});

test("the wallet's PIN prompt never shows while the session is open, and declining it debits nothing: the SMS says so", async () => {
  const page = await open();
  const p = phone(page);
  await p.dial();
  await shows(p.screen, 'Payer une facture');
  const prompt = p.root.getByRole('dialog', { name: 'Wallet PIN prompt' });
  for (const [reply, screen] of PAY_100_ON_83262) {
    // A handset holds one USSD transaction at a time: no prompt while ours is open.
    expect(await prompt.isVisible()).toBe(false);
    await p.send(reply);
    await shows(p.screen, screen);
  }
  await shows(prompt, 'Payer 100 CDF?');
  await prompt.getByRole('button', { name: 'Refuser' }).click();
  await shows(p.screen, 'Payment declined.');
  await prompt.waitFor({ state: 'hidden' });
  await shows(p.inbox, 'non approuvé avec le PIN');
  expect(await p.inbox.innerText()).toContain("Rien n'a été prélevé");
});

describe('behind the webhook token', () => {
  const TOKEN = 'phone-test-token-0123456789';
  let guarded: Awaited<ReturnType<typeof serveProduct>>;
  beforeAll(async () => {
    guarded = await serveProduct({ WEBHOOK_TOKEN: TOKEN });
  });
  afterAll(async () => {
    await guarded?.close();
  });

  test('the page at /TOKEN reaches ussd, sms/inbound and outbox beside it with relative URLs', async () => {
    const page = await open(`${guarded.url}/${TOKEN}`);
    expect(new URL(page.url()).pathname).toBe(`/${TOKEN}/`);
    const p = phone(page);
    await p.dial();
    await shows(p.screen, 'Payer une facture');
    await p.root.getByLabel('SMS text').fill('HELP');
    await p.button('Send SMS').click();
    await shows(p.inbox, 'HELP: this help');
  });
});
