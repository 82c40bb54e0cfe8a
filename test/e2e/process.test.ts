import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { testDb } from '../support/db';
import { deletePrefix, REDIS_ENV } from '../support/redis';
import { tempDataDir } from './product-kit';
import { freePort } from '../support/processes';

// main.ts as a process: refuses a bad production environment, serves, and stops cleanly on SIGTERM.
const ROOT = path.join(__dirname, '../..');

function run(env: Record<string, string>) {
  // One process, as deployed: the `tsx` command would put a parent in front that relays SIGTERM and,
  // when the child's acknowledgement takes over 30 ms (a loaded machine), kills it and exits 143.
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], { cwd: ROOT, env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (b: Buffer) => (output += b.toString()));
  child.stderr.on('data', (b: Buffer) => (output += b.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, exited, output: () => output };
}

/** Polls the process (no deadline of its own: jest's timeout is the bound) until `path` answers. */
async function answered(port: number, p: string): Promise<Response> {
  for (;;) {
    const res = await fetch(`http://127.0.0.1:${port}${p}`).catch(() => undefined);
    if (res !== undefined) return res;
    await new Promise((r) => setTimeout(r, 100));
  }
}

test('production without its required variables refuses to start, naming each one', async () => {
  const p = run({ NODE_ENV: 'production', REDIS_URL: 'redis://127.0.0.1:6379' });
  expect(await p.exited).toBe(1);
  for (const name of ['REGIDESO_BASE_URL', 'REGIDESO_API_KEY', 'REGIDESO_OPERATOR', 'WEBHOOK_TOKEN', 'DATABASE_URL', 'COLLECTION']) expect(p.output()).toContain(name);
  expect(p.output()).not.toContain('REDIS_URL:');
  expect(p.output()).not.toMatch(/\n\s+at /); // a sentence, not a stack trace
}, 60_000);

test('on the embedded defaults (its ledger in DATA_DIR) it serves /healthz and /readyz, then stops cleanly on SIGTERM', async () => {
  const port = await freePort();
  const dataDir = tempDataDir();
  try {
    const p = run({ PORT: String(port), LOG_LEVEL: 'warn', DATA_DIR: dataDir });
    expect((await answered(port, '/healthz')).status).toBe(200);
    const ready = await answered(port, '/readyz');
    expect(await ready.json()).toEqual({ status: 'ready', checks: { redis: true, ledger: true }, info: { regideso: true } });
    p.child.kill('SIGTERM');
    expect(await p.exited).toBe(0);
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}, 60_000);

test('with DATABASE_URL naming a schema, it migrates that schema (nothing else) and serves ready, then stops cleanly', async () => {
  const pg = await testDb('process', { migrated: false });
  const prefix = `tp${randomBytes(4).toString('hex')}:`;
  const port = await freePort();
  try {
    const p = run({ PORT: String(port), LOG_LEVEL: 'warn', ...REDIS_ENV, REDIS_KEY_PREFIX: prefix, DATABASE_URL: pg.url, COLLECTION: 'none' });
    const ready = await answered(port, '/readyz');
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ checks: { redis: true, ledger: true } });
    const tables = await pg.db.query<{ table_name: string }>('SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY table_name', [pg.schema]);
    expect(tables.rows.map((r) => r.table_name)).toEqual(expect.arrayContaining(['payment_intents', 'schema_migrations', 'sms_messages', 'sms_sends', 'sms_inbound']));
    p.child.kill('SIGTERM');
    expect(await p.exited).toBe(0);
  } finally {
    await pg.drop();
    await deletePrefix(prefix);
  }
}, 60_000);

test('a port already in use is an error and a non-zero exit, not a process that serves nothing', async () => {
  const busy = createServer();
  await new Promise<void>((resolve) => busy.listen(0, '0.0.0.0', resolve));
  const addr = busy.address();
  const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
  const dataDir = tempDataDir();
  try {
    const p = run({ PORT: String(port), LOG_LEVEL: 'warn', DATA_DIR: dataDir });
    expect(await p.exited).toBe(1);
    expect(p.output()).toContain('cannot serve HTTP');
  } finally {
    busy.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}, 60_000);
