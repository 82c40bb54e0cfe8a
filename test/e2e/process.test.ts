import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import path from 'node:path';

// main.ts as a process: refuses a bad production environment, serves, and stops cleanly on SIGTERM.
const ROOT = path.join(__dirname, '../..');
const TSX = path.join(ROOT, 'node_modules/.bin/tsx');

function run(env: Record<string, string>) {
  const child = spawn(TSX, ['src/main.ts'], { cwd: ROOT, env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (b: Buffer) => (output += b.toString()));
  child.stderr.on('data', (b: Buffer) => (output += b.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, exited, output: () => output };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr !== null ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

test('production without its required variables refuses to start, naming each one', async () => {
  const p = run({ NODE_ENV: 'production', REDIS_URL: 'redis://127.0.0.1:6379' });
  expect(await p.exited).toBe(1);
  for (const name of ['REGIDESO_BASE_URL', 'REGIDESO_API_KEY', 'REGIDESO_OPERATOR', 'WEBHOOK_TOKEN']) expect(p.output()).toContain(name);
  expect(p.output()).not.toContain('REDIS_URL:');
  expect(p.output()).not.toMatch(/\n\s+at /); // a sentence, not a stack trace
});

test('on the embedded defaults it serves /healthz, then stops cleanly on SIGTERM', async () => {
  const port = await freePort();
  const p = run({ PORT: String(port), LOG_LEVEL: 'warn' });
  let healthy = false;
  for (let i = 0; i < 150 && !healthy; i++) {
    healthy = await fetch(`http://127.0.0.1:${port}/healthz`).then((r) => r.ok, () => false);
    if (!healthy) await new Promise((r) => setTimeout(r, 100));
  }
  expect(healthy).toBe(true);
  p.child.kill('SIGTERM');
  expect(await p.exited).toBe(0);
}, 30_000);

test('a port already in use is an error and a non-zero exit, not a process that serves nothing', async () => {
  const busy = createServer();
  await new Promise<void>((resolve) => busy.listen(0, '0.0.0.0', resolve));
  const addr = busy.address();
  const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
  try {
    const p = run({ PORT: String(port), LOG_LEVEL: 'warn' });
    expect(await p.exited).toBe(1);
    expect(p.output()).toContain('cannot serve HTTP');
  } finally {
    busy.close();
  }
}, 30_000);
