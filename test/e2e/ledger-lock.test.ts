import { spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { spawnProduct, type ProductProcess } from '../support/product-process';
import { until } from '../support/wait';
import { tempDataDir } from './product-kit';

/**
 * One process per embedded ledger, through real processes on one DATA_DIR: the product holds its
 * PGlite folder; a second `npm start` and `npm run db:migrate` are refused at once with a sentence
 * naming the folder and the holder; after a kill -9 of the holder, a restart takes the lock over
 * and finds every payment made before.
 */
const ROOT = path.join(__dirname, '../..');
const DATA_DIR = tempDataDir();
const LEDGER = path.join(DATA_DIR, 'ledger');
// The embedded default: sandbox REGIDESO and sandbox wallet in-process, in-memory Redis, PGlite in DATA_DIR.
const ENV = { LOG_LEVEL: 'warn', DATA_DIR };
const running: ProductProcess[] = [];

afterAll(async () => {
  await Promise.all(running.map((p) => p.stop()));
  rmSync(DATA_DIR, { recursive: true, force: true });
}, 60_000);

async function start(): Promise<ProductProcess> {
  const p = await spawnProduct(ENV);
  running.push(p);
  return p;
}

/** A CLI of ours as its npm script runs it (through tsx), on the same DATA_DIR. */
function cli(file: string, ...args: string[]): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', file, ...args], { cwd: ROOT, env: { PATH: process.env.PATH ?? '', ...ENV }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (b: Buffer) => (output += b.toString()));
  child.stderr.on('data', (b: Buffer) => (output += b.toString()));
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, output })));
}

/** `npm run db:migrate`. */
const migrateCli = () => cli('src/db/cli.ts');

const payment = z.object({ intentId: z.string(), status: z.string(), phoneNumber: z.string(), numAcquit: z.string().nullable() });
/** The ledger's list, a plain array or (once paged) the array inside the page. */
async function payments(p: ProductProcess): Promise<Array<z.infer<typeof payment>>> {
  const body: unknown = await (await p.get('/payments')).json();
  const list = Array.isArray(body) ? body : Object.values(body as Record<string, unknown>).find(Array.isArray);
  return z.array(payment).parse(list);
}

/** Pays 100 CDF on 83262's oldest bill from a Vodacom number the sandbox wallet approves (ending 90). */
async function pay(p: ProductProcess, phone: string): Promise<void> {
  const session = `ATUid_lock_${phone.slice(-6)}`;
  let text = '';
  let last = '';
  for (const [i, input] of ['', '1', '83262', '1', '2', '2', '100', '2'].entries()) {
    text = i <= 1 ? input : `${text}*${input}`;
    last = (await p.hop(session, phone, text)).text;
  }
  expect(last).toMatch(/^END Approuvez le paiement de 100 CDF/);
  // One payment at a time per account: the next one starts when this one has its receipt.
  await until(async () => (await payments(p)).find((r) => r.phoneNumber === phone && r.status === 'succeeded'));
}

test('a second product and db:migrate on a held ledger are refused; after kill -9 and a restart every payment is there', async () => {
  const first = await start();
  await first.ready();
  const phones = ['+243812000190', '+243812000290', '+243812000390'];
  for (const phone of phones) await pay(first, phone);
  const paid = (await payments(first)).filter((r) => phones.includes(r.phoneNumber));
  expect(paid.map((r) => r.status)).toEqual(['succeeded', 'succeeded', 'succeeded']);

  // A second `npm start` on the same DATA_DIR: refused before it opens anything, non-zero exit.
  const second = await start();
  expect(await second.exited).toBe(1);
  const refusal = `The embedded ledger in ${LEDGER} is in use by process ${first.pid}`;
  expect(second.output()).toContain(refusal);
  expect(second.output()).not.toMatch(/Aborted|\n\s+at /);

  const migrate = await migrateCli();
  expect(migrate.code).toBe(1);
  expect(migrate.output).toContain(refusal);
  // `npm run operator` opens the ledger too: refused the same way, and no operator is made.
  const operator = await cli('src/operators/cli.ts', 'add', '--name', 'amani', '--role', 'viewer');
  expect(operator.code).toBe(1);
  expect(operator.output).toContain(refusal);

  // The holder still serves, untouched by either attempt.
  expect((await first.get('/readyz')).status).toBe(200);

  await first.kill9();
  expect(existsSync(`${LEDGER}.lock`)).toBe(true); // left behind by the killed holder

  const restarted = await start();
  await restarted.ready();
  expect(restarted.output()).toContain('lock taken over');
  expect(JSON.parse(readFileSync(`${LEDGER}.lock`, 'utf8'))).toMatchObject({ pid: restarted.pid });
  const after = await payments(restarted);
  for (const r of paid) expect(after.find((a) => a.intentId === r.intentId)).toMatchObject({ status: 'succeeded', numAcquit: r.numAcquit });

  // A clean stop leaves the folder free: db:migrate then runs.
  await restarted.stop();
  expect(existsSync(`${LEDGER}.lock`)).toBe(false);
  const free = await migrateCli();
  expect(free).toMatchObject({ code: 0 });
  expect(free.output).toContain(`the embedded ledger in ${LEDGER}: up to date`);
  // The refused `operator add` left nothing behind: the list is empty.
  const list = await cli('src/operators/cli.ts', 'list');
  expect(list.code).toBe(0);
  expect(list.output).not.toContain('amani');
}, 300_000);
