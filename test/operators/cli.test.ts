import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import path from 'node:path';
import type { Db } from '../../src/db/types';
import { testDb, type TestDb } from '../support/db';
import { spawnProduct, type ProductProcess } from '../support/product-process';
import { deletePrefix, REDIS_ENV } from '../support/redis';
import { until } from '../support/wait';

/**
 * `npm run operator` as an operator runs it (a process of its own, on the ledger named by
 * DATABASE_URL: a schema of this file's own, which the command migrates itself), beside the
 * product running as a process on the same ledger: before the first key the operator routes are
 * open (outside production) and the product says so at start-up; from the first key on they take
 * only keys, and a revoked key stops working at once.
 */
const ROOT = path.join(__dirname, '../..');
const prefix = `top${randomBytes(4).toString('hex')}:`;
let pg: TestDb;
let ledger: Db;
let product: ProductProcess;

function operatorCli(...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn('npm', ['run', '--silent', 'operator', '--', ...args], { cwd: ROOT, env: { PATH: process.env.PATH ?? '', DATABASE_URL: pg.url }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
  child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, stdout, stderr })));
}

const lastLine = (text: string) => text.trimEnd().split('\n').at(-1) ?? '';
const payments = (key?: string) => fetch(`${product.baseUrl}/payments`, { headers: key === undefined ? {} : { Authorization: `Bearer ${key}` } });

beforeAll(async () => {
  pg = await testDb('operators_cli', { migrated: false });
  ledger = pg.db;
  product = await spawnProduct({ LOG_LEVEL: 'warn', ...REDIS_ENV, REDIS_KEY_PREFIX: prefix, DATABASE_URL: pg.url, COLLECTION: 'none' });
  await product.ready();
}, 60_000);

afterAll(async () => {
  await product?.stop();
  await pg.drop();
  await deletePrefix(prefix);
});

it('before the first key, outside production: the operator routes are open, and the start-up log says so', async () => {
  expect(product.output()).toMatch(/No operator key exists yet: \/payments and the other operator routes are OPEN/);
  const res = await payments();
  expect(res.status).toBe(200);
  expect(await res.json()).toEqual({ payments: [], next: null });
});

it('bad arguments: a sentence and the usage, exit 2, nothing written', async () => {
  for (const args of [[], ['remove'], ['add', '--name', 'alice'], ['add', '--name', 'alice', '--role', 'boss'], ['add', '--role', 'viewer'], ['add', '--name', '--role', 'viewer'], ['revoke'], ['list', '--all'], ['add', '--name', '<script>', '--role', 'viewer']]) {
    const out = await operatorCli(...args);
    expect({ args, code: out.code }).toEqual({ args, code: 2 });
    expect(out.stderr).toContain('usage:');
    expect(out.stderr).not.toMatch(/\n\s+at /);
  }
  expect((await operatorCli('add', '--name', 'alice', '--role', 'boss')).stderr).toContain('--role must be one of viewer, resolver, admin, not "boss"');
  expect((await ledger.query('SELECT count(*)::int AS n FROM operators')).rows).toEqual([{ n: 0 }]);
}, 120_000);

it('add prints the key once, alone on the last line; only its hash is stored; from then on the routes take only keys; list; revoke stops it at once', async () => {
  const added = await operatorCli('add', '--name', 'Alice Mbuyi', '--role', 'resolver');
  expect(added.code).toBe(0);
  const key = lastLine(added.stdout);
  expect(key).toMatch(/^rgdop_[A-Za-z0-9_-]{43}$/);
  expect(added.stdout.indexOf(key)).toBe(added.stdout.lastIndexOf(key));

  const rows = await ledger.query<{ name: string; role: string; key_hash: string; whole: string }>('SELECT name, role, key_hash, o::text AS whole FROM operators o');
  expect(rows.rows).toHaveLength(1);
  expect(rows.rows[0]).toMatchObject({ name: 'Alice Mbuyi', role: 'resolver', key_hash: createHash('sha256').update(key).digest('hex') });
  expect(rows.rows[0]?.whole).not.toContain(key.slice(6));

  // The running product sees the first key on its next request: closed to anyone without one.
  expect((await payments()).status).toBe(401);
  expect((await payments(key)).status).toBe(200);

  const again = await operatorCli('add', '--name', 'Alice Mbuyi', '--role', 'viewer');
  expect(again.code).toBe(1);
  expect(again.stderr).toContain('an operator named "Alice Mbuyi" already has a working key');

  const list = await operatorCli('list');
  expect(list.code).toBe(0);
  expect(list.stdout).toMatch(/Alice Mbuyi\s+resolver\s+\S+\s+active/);
  expect(list.stdout).not.toContain(key);

  const revoked = await operatorCli('revoke', '--name', 'Alice Mbuyi');
  expect(revoked.code).toBe(0);
  expect(revoked.stdout).toContain('revoked');
  expect((await payments(key)).status).toBe(401);
  // Revoking the last key does not open the door again.
  expect((await payments()).status).toBe(401);
  expect((await operatorCli('list')).stdout).toMatch(/Alice Mbuyi\s+resolver\s+\S+\s+revoked \d{4}-/);

  const unknown = await operatorCli('revoke', '--name', 'Alice Mbuyi');
  expect(unknown.code).toBe(1);
  expect(unknown.stderr).toContain('no operator named "Alice Mbuyi" has a working key');
  // The product logged no key.
  await until(async () => product.output().includes('operator request refused'));
  expect(product.output()).not.toContain(key);
}, 120_000);
