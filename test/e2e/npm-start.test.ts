import { spawn, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { freePort } from '../support/processes';
import { until } from '../support/wait';
import { tempDataDir } from './product-kit';

// `npm start` as a newcomer runs it, through real processes: npm, the shell it runs the script
// with, and the product. Linux only (it reads /proc), as CI and the image are.
const ROOT = path.join(__dirname, '../..');

/** Every process whose parent chain leads to `root` (itself excluded), read from /proc. */
function descendants(root: number): number[] {
  const parent = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // `pid (comm) state ppid …`: comm may hold spaces, so read after its closing parenthesis.
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      parent.set(Number(entry), ppid);
    } catch {
      // gone meanwhile
    }
  }
  const out: number[] = [];
  for (const pid of parent.keys()) {
    for (let p = parent.get(pid); p !== undefined && p > 1; p = parent.get(p)) {
      if (p === root) {
        out.push(pid);
        break;
      }
    }
  }
  return out;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

const answers = (port: number) =>
  fetch(`http://127.0.0.1:${port}/healthz`).then(
    (r) => r.ok,
    () => false,
  );

test('SIGTERM to the npm of `npm start` stops the product too: the port goes quiet and no product process is left', async () => {
  const port = await freePort();
  const dataDir = tempDataDir();
  const npm = spawn('npm', ['start'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', PORT: String(port), DATA_DIR: dataDir, LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  npm.stdout.on('data', (b: Buffer) => (output += b.toString()));
  npm.stderr.on('data', (b: Buffer) => (output += b.toString()));
  const npmExited = new Promise<number | null>((resolve) => npm.once('exit', (code) => resolve(code)));
  let started: number[] = [];
  try {
    if (npm.pid === undefined) throw new Error('npm did not start');
    const npmPid = npm.pid;
    await until(
      async () => {
        if (npm.exitCode !== null) throw new Error(`npm start exited (${npm.exitCode}) before answering:\n${output}`);
        return answers(port);
      },
      { what: `npm start answering on ${port}` },
    );
    started = descendants(npmPid);
    // The product itself is among them: a node process, serving.
    expect(started.some((pid) => readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('dist/main.js'))).toBe(true);

    npm.kill('SIGTERM');
    // The product stops cleanly (exit 0), so npm reports success rather than a signal.
    expect(await npmExited).toBe(0);
    await until(async () => !(await answers(port)), { what: `port ${port} no longer answering` });
    await until(async () => started.every((pid) => !alive(pid)), { what: `every process npm started gone (${started.join(', ')})` });
  } finally {
    for (const pid of started.filter(alive)) process.kill(pid, 'SIGKILL');
    if (npm.exitCode === null) npm.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  }
}, 120_000);

test('a build with nothing changed since the last one writes nothing (so a second `npm start` does not recompile)', () => {
  const build = () => spawnSync('npm', ['run', 'build', '--silent'], { cwd: ROOT, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp' }, encoding: 'utf8' });
  const first = build();
  expect(first.stderr + first.stdout).toBe('');
  expect(first.status).toBe(0);
  const outputs = ['dist/main.js', 'dist/config.js', 'dist/.tsbuildinfo'].map((f) => path.join(ROOT, f));
  const before = outputs.map((f) => statSync(f).mtimeMs);
  const second = build();
  expect(second.status).toBe(0);
  expect(outputs.map((f) => statSync(f).mtimeMs)).toEqual(before);
}, 120_000);
