import { mkdtemp, rm } from 'node:fs/promises';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { composeProduct, type Product } from '../../src/compose';
import { loadConfig } from '../../src/config';
import type { SimulatorWallet, WalletPrompt } from '../../src/http/simulator-router';
import { silentLogger } from '../../src/logging/logger';
import { testPglite } from '../support/db';
import { newTestPrefix } from '../support/redis';

/** Debian's chromium (`apt-get install chromium`, as .ci/run does): Playwright never downloads a browser here. */
export const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** The product as `npm start` builds it from `env` (embedded defaults unless told otherwise), on an ephemeral port. */
export async function serveProduct(env: Record<string, string>, opts: { wallet?: SimulatorWallet } = {}): Promise<{ product: Product; url: string; close(): Promise<void> }> {
  const result = loadConfig(env);
  if (!result.ok) throw new Error(result.errors.join('; '));
  // The embedded ledger in memory: test files side by side must not share the data folder.
  const db = await testPglite();
  const product = await composeProduct(result.config, silentLogger(), { prefix: newTestPrefix('web'), defaultMetrics: false, simulatorWallet: opts.wallet, db });
  await product.start();
  const server: Server = await new Promise((resolve) => {
    const s = product.app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const { port } = server.address() as AddressInfo;
  return {
    product,
    url: `http://127.0.0.1:${port}`,
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await product.stop();
      await db.close();
    },
  };
}

/** A fresh profile each time: nothing from another run (cache, storage) can make a test pass. */
export async function launchBrowser(): Promise<{ context: BrowserContext; close(): Promise<void> }> {
  const profile = await mkdtemp(path.join(os.tmpdir(), 'phone-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: 1120, height: 860 },
  });
  context.setDefaultTimeout(15_000);
  return {
    context,
    async close() {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}

/** A page that fails its test on any script error, rather than leave a broken phone unnoticed. */
export async function openPage(context: BrowserContext, url: string): Promise<{ page: Page; errors: string[] }> {
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (err) => errors.push(err.message));
  await page.goto(url);
  return { page, errors };
}

/** One phone of the page, found the way a screen reader user would: by its accessible names. */
export function phone(page: Page, n = 1) {
  const root = page.getByRole('region', { name: `Phone ${n}`, exact: true });
  const reply = root.getByLabel('Reply', { exact: true });
  const button = (name: string) => root.getByRole('button', { name, exact: true });
  return {
    root,
    screen: root.getByLabel('USSD screen', { exact: true }),
    reply,
    number: root.getByLabel('Phone number', { exact: true }),
    inbox: root.getByLabel('SMS inbox', { exact: true }),
    timeline: root.getByLabel('Session timeline', { exact: true }),
    dial: () => button('Dial').click(),
    cancel: () => button('Cancel').click(),
    /** Types `text` in the reply box and presses Send. */
    async send(text: string) {
      await reply.fill(text);
      await button('Send').click();
    },
    /** Presses keypad keys one by one, then Send. */
    async keys(keys: string) {
      for (const k of keys) await button(k).click();
      await button('Send').click();
    },
    button,
  };
}

/** Waits (Playwright's own waiting, no sleep) until `locator` contains `text`; says what it showed when it never does. */
export async function shows(locator: Locator, text: string | RegExp): Promise<void> {
  try {
    await locator.filter({ hasText: text }).first().waitFor();
  } catch {
    const actual = await locator.allInnerTexts().catch(() => ['(nothing)']);
    throw new Error(`expected ${String(text)}; found: ${JSON.stringify(actual)}`);
  }
}

/** Waits until the element's whole text is exactly `text` (an empty warning, say). */
export async function hasExactText(locator: Locator, text: string): Promise<void> {
  const handle = await locator.elementHandle();
  await locator.page().waitForFunction(([el, t]) => el?.textContent === t, [handle, text] as const);
}

/** How many reads of the outbox this phone's inbox has finished (`data-polls`). */
export async function inboxPolls(inbox: Locator): Promise<number> {
  return Number((await inbox.getAttribute('data-polls')) ?? '0');
}

/** Waits for `n` more finished reads of the outbox: then a message sent before would be shown. */
export async function inboxReadTwiceSince(inbox: Locator, since: number): Promise<void> {
  const handle = await inbox.elementHandle();
  await inbox.page().waitForFunction(([el, n]) => Number(el?.getAttribute('data-polls') ?? 0) >= n, [handle, since + 2] as const);
}

/**
 * TEST STAND-IN for the embedded sandbox wallet, which is not on this branch yet: it holds the
 * prompts a test queues and records the answers, behind the same `SimulatorWallet` interface the
 * real sandbox wallet will implement when compose.ts passes it to the simulator router.
 */
export class FakeSimulatorWallet implements SimulatorWallet {
  readonly answers: Array<{ depositId: string; answer: { pin: string } | { decline: true } }> = [];
  private readonly pending: WalletPrompt[] = [];

  ask(phoneE164: string, amount: string, depositId = `dep-${Math.random().toString(16).slice(2, 10)}`): WalletPrompt {
    const prompt: WalletPrompt = { depositId, phoneE164, amount, currency: 'CDF', provider: 'VODACOM_MPESA_COD', customerMessage: 'REGIDESO 83262', createdAt: new Date().toISOString() };
    this.pending.push(prompt);
    return prompt;
  }

  async prompts(phoneE164: string): Promise<WalletPrompt[]> {
    return this.pending.filter((p) => p.phoneE164 === phoneE164);
  }

  async answer(depositId: string, answer: { pin: string } | { decline: true }): Promise<'approved' | 'declined' | 'not_found'> {
    const i = this.pending.findIndex((p) => p.depositId === depositId);
    if (i < 0) return 'not_found';
    this.pending.splice(i, 1);
    this.answers.push({ depositId, answer });
    return 'pin' in answer ? 'approved' : 'declined';
  }
}

/**
 * The embedded product and a browser for one test file: both started before its tests and closed
 * after them. Read `server` and `context` inside tests (they are set once `beforeAll` has run).
 */
export function productAndBrowser(env: Record<string, string> = {}): { server: Awaited<ReturnType<typeof serveProduct>>; context: BrowserContext } {
  const started = {} as { server: Awaited<ReturnType<typeof serveProduct>>; context: BrowserContext };
  let browser: Awaited<ReturnType<typeof launchBrowser>> | undefined;
  beforeAll(async () => {
    const [server, b] = await Promise.all([serveProduct(env), launchBrowser()]);
    browser = b;
    started.server = server;
    started.context = b.context;
  });
  afterAll(async () => {
    await browser?.close();
    await started.server?.close();
  });
  return started;
}
