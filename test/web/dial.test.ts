import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import path from 'node:path';
import { serveProduct } from './kit';

// `npm run dial`, the terminal phone, run as a person runs it: a process reading typed lines.
const ROOT = path.resolve(__dirname, '..', '..');

function dial(args: string[], input: string): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/ussd/cli/dial.ts', ...args], { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, out, err }));
    child.stdin.end(input);
  });
}

/** A port nothing listens on: taken from the system, then let go. */
async function closedPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const address = srv.address();
  await new Promise((resolve) => srv.close(resolve));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

// Each test runs `npm run dial` through tsx, a process that takes seconds to start on a busy machine.
test('with no server answering, it says how to start one instead of "fetch failed"', async () => {
  const url = `http://127.0.0.1:${await closedPort()}/ussd`;
  const r = await dial(['--url', url], 'q\n');
  expect(r.code).toBe(1);
  expect(r.out).toContain('Dialling *123# from +243812345678');
  expect(r.err).toContain(`No server answers at ${url}`);
  expect(r.err).toContain('npm start');
  expect(r.err).not.toContain('fetch failed');
}, 90_000);

test('says which number it dials from, then shows the screens of the session', async () => {
  const s = await serveProduct({});
  try {
    const r = await dial(['--url', `${s.url}/ussd`, '--phone', '+243998887766'], '2\nq\n');
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toContain(`Dialling *123# from +243998887766 (network 63001) at ${s.url}/ussd`);
    expect(r.out).toContain('Consulter mes factures');
    expect(r.out).toContain('Entrez votre référence client');
  } finally {
    await s.close();
  }
}, 90_000);

test('takes the server address as `npm start` announces it (no /ussd), with or without a trailing slash', async () => {
  const s = await serveProduct({});
  try {
    for (const given of [s.url, `${s.url}/`]) {
      const r = await dial(['--url', given], 'q\n');
      expect(r.err).toBe('');
      expect(r.code).toBe(0);
      expect(r.out).toContain(`at ${s.url}/ussd;`);
      expect(r.out).toContain('+ 200 ');
      expect(r.out).toContain('Consulter mes factures');
    }
  } finally {
    await s.close();
  }
}, 90_000);

test('a dial string with a reference after the code opens that reference, as the gateway would', async () => {
  const s = await serveProduct({});
  try {
    const r = await dial(['--url', `${s.url}/ussd`, '--phone', '+243998887766', '--code', '*123*83262#'], '1\nq\n');
    expect(r.err).toBe('');
    expect(r.out).toContain('Dialling *123*83262# from +243998887766');
    expect(r.out).toContain('Choisissez votre province');
    expect(r.out).toContain('MUKEBA M.');
  } finally {
    await s.close();
  }
}, 90_000);

test('behind WEBHOOK_TOKEN, takes the token base (`/<token>/`) as well as the full callback URL', async () => {
  const token = 'dial-token-0123456789';
  const s = await serveProduct({ WEBHOOK_TOKEN: token });
  try {
    for (const given of [`${s.url}/${token}/`, `${s.url}/${token}`, `${s.url}/${token}/ussd`]) {
      const r = await dial(['--url', given], 'q\n');
      expect(r.err).toBe('');
      expect(r.out).toContain(`at ${s.url}/${token}/ussd;`);
      expect(r.out).toContain('Consulter mes factures');
    }
    const without = await dial(['--url', s.url], 'q\n');
    expect(without.code).toBe(1);
    expect(without.err).toContain(`wants the webhook token: --url http://HOST/<WEBHOOK_TOKEN>/`);
  } finally {
    await s.close();
  }
}, 90_000);

test('an --url that is not an http address gets a sentence, not a stack trace', async () => {
  const r = await dial(['--url', 'localhost:3000'], 'q\n');
  expect(r.code).toBe(2);
  expect(r.err).toContain(`--url wants the server's address, such as http://localhost:3000 (got "localhost:3000")`);
});
