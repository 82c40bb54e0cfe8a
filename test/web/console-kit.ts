import { randomBytes } from 'node:crypto';
import path from 'node:path';
import type { Page } from 'playwright-core';
import type { Db } from '../../src/db/types';
import { createOperatorStore, type Role } from '../../src/operators/store';
import { testDb, type TestDb } from '../support/db';
import { spawnProduct, type ProductProcess } from '../support/product-process';
import { deletePrefix, REDIS_ENV } from '../support/redis';
import { until } from '../support/wait';
import { shows } from './kit';

/**
 * The console against the product as a process of its own (src/main.ts, as `npm run dev` runs it),
 * on a PostgreSQL schema and a Redis prefix of the test file's own, with its embedded sandbox
 * REGIDESO and sandbox wallet (phones ending in 90 are approved 1.5 s after the prompt).
 */
export interface ConsoleProduct {
  product: ProductProcess;
  ledger: TestDb;
  db: Db;
  /** A new operator key of this role, made in the ledger the product reads (as `npm run operator -- add` does). */
  key(name: string, role: Role): Promise<string>;
  revoke(name: string): Promise<void>;
  close(): Promise<void>;
}

export async function startConsoleProduct(area: string, env: Record<string, string> = {}): Promise<ConsoleProduct> {
  const ledger = await testDb(area);
  // The product's own rule for REDIS_KEY_PREFIX: letters, digits, _ or -, then ':'.
  const prefix = `tcon${randomBytes(4).toString('hex')}:`;
  const product = await spawnProduct({ LOG_LEVEL: 'warn', ...REDIS_ENV, REDIS_KEY_PREFIX: prefix, DATABASE_URL: ledger.url, ...env });
  await product.ready();
  const operators = createOperatorStore(ledger.db);
  return {
    product,
    ledger,
    db: ledger.db,
    async key(name, role) {
      const out = await operators.add(name, role);
      if (out.kind !== 'added') throw new Error(`operator ${name} exists`);
      return out.key;
    },
    async revoke(name) {
      await operators.revoke(name);
    },
    async close() {
      await product.stop();
      await ledger.drop();
      await deletePrefix(prefix);
    },
  };
}

/** The walk that pays 100 CDF on the oldest bill of 83262 (Kinshasa), as Africa's Talking sends it, then the end notice. */
export async function pay100(product: ProductProcess, sessionId: string, phone: string): Promise<void> {
  let text = '';
  for (const input of ['', '1', '83262', '1', '2', '2', '100', '2']) {
    text = input === '' ? '' : text === '' ? input : `${text}*${input}`;
    const r = await product.hop(sessionId, phone, text);
    if (r.status !== 200) throw new Error(`hop ${text}: ${r.status} ${r.text}`);
  }
  await endNotice(product, sessionId, phone, 'Success');
}

/** Africa's Talking's end-of-session notice. */
export async function endNotice(product: ProductProcess, sessionId: string, phone: string, status: string): Promise<void> {
  const res = await fetch(`${product.baseUrl}/ussd/events`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ sessionId, status, phoneNumber: phone, serviceCode: '*123#', networkCode: '63001', hopsCount: '2', durationInMillis: '15000' }).toString(),
  });
  if (res.status !== 200) throw new Error(`ussd/events: ${res.status}`);
}

/** The payment of this phone once it has its receipt: its id and num_acquit. */
export async function settled(db: Db, phone: string): Promise<{ id: string; numAcquit: string; amountCentimes: number }> {
  return until(
    async () => {
      const r = await db.query<{ id: string; num_acquit: string | null; status: string; amount_centimes: number }>('SELECT id, num_acquit, status, amount_centimes FROM payment_intents WHERE phone = $1', [phone]);
      const row = r.rows[0];
      return row !== undefined && row.status === 'succeeded' && row.num_acquit !== null ? { id: row.id, numAcquit: row.num_acquit, amountCentimes: Number(row.amount_centimes) } : undefined;
    },
    { what: `the payment of ${phone} succeeded`, deadlineMs: 30_000, everyMs: 200 },
  );
}

/** Signs in through the form, as a person does: the key typed, Enter. */
export async function signIn(page: Page, baseUrl: string, key: string): Promise<void> {
  // One person per test: another test's session (the browser's cookie jar is shared) is dropped first.
  await page.context().clearCookies();
  await page.goto(`${baseUrl}/console/`);
  const input = page.getByLabel('Clé d’opérateur', { exact: true });
  await input.fill(key);
  await input.press('Enter');
  await page.getByRole('navigation').waitFor();
}

const DOCS = path.resolve(__dirname, '..', '..', 'docs');

/**
 * The page at a phone's width and a desk's, into docs/console-<name>-390.png and -1280.png; at
 * either width nothing reaches past the screen's edge (no sideways scrolling).
 */
export async function pictures(page: Page, name: string, ready: () => Promise<void>): Promise<void> {
  for (const width of [390, 1280]) {
    await page.setViewportSize({ width, height: width === 390 ? 844 : 860 });
    await ready();
    expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(width);
    await page.screenshot({ path: path.join(DOCS, `console-${name}-${width}.png`), fullPage: true });
  }
  await page.setViewportSize({ width: 1280, height: 860 });
}

export { shows };
