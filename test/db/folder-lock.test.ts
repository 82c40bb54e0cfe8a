import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import path from 'node:path';
import { acquireFolderLock, type LockHolder } from '../../src/db/folder-lock';
import { assertPgliteCanLoad } from '../support/db';
import { createPgliteDb } from '../../src/db/pglite';

/**
 * The lock's judgement of a holder, on lock files as other processes leave them: a live holder
 * keeps it, a holder that is certainly gone (no such pid, a reused pid, a reboot) loses it, and
 * anything that cannot be checked keeps it too. Real processes (kill -9) are in test/e2e/ledger-lock.
 */
let dir: string;
let lockPath: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'rgd-lock-'));
  lockPath = path.join(dir, 'ledger.lock');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const bootId = () => readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
const startTicks = (pid: number) => {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? '';
};
/** A lock as another process would have written it. */
function leave(holder: Partial<LockHolder>): LockHolder {
  const h: LockHolder = { pid: process.ppid, host: hostname(), bootId: bootId(), startTicks: startTicks(process.ppid), timeOrigin: 1, since: '2026-12-01T10:00:00.000Z', command: 'dist/main.js', nonce: 'left-behind', ...holder };
  writeFileSync(lockPath, JSON.stringify(h));
  return h;
}

test('a free folder is locked, a second acquirer is refused, and release frees it', () => {
  const a = acquireFolderLock(lockPath, 'the ledger');
  if (!a.ok) throw new Error(a.message);
  expect(a.tookOverFrom).toBeUndefined();
  const b = acquireFolderLock(lockPath, 'the ledger');
  expect(b).toMatchObject({ ok: false, message: expect.stringMatching(/^the ledger is already open in this process \(process \d+/) });
  a.release();
  expect(existsSync(lockPath)).toBe(false);
  const c = acquireFolderLock(lockPath, 'the ledger');
  expect(c.ok).toBe(true);
  if (c.ok) c.release();
});

test('a live holder keeps the lock, and the sentence names it', () => {
  leave({});
  const r = acquireFolderLock(lockPath, 'the ledger');
  expect(r).toMatchObject({ ok: false, holder: { pid: process.ppid } });
  if (!r.ok) expect(r.message).toBe(`the ledger is in use by process ${process.ppid} (dist/main.js), since 2026-12-01T10:00:00.000Z: one process per embedded ledger, so stop that process first or give this one another DATA_DIR`);
});

test.each([
  ['its pid runs another program now (reused pid: another start time)', { startTicks: '1' }],
  ['the machine has rebooted since', { bootId: '00000000-0000-0000-0000-000000000000' }],
  ['an earlier process with this very pid (pid 1 in a restarted container)', { pid: process.pid, startTicks: '1' }],
  ['no such process', { pid: 2 ** 22 + 1 }],
])('a holder that is certainly gone loses it: %s', (_why, holder) => {
  const stale = leave(holder);
  const r = acquireFolderLock(lockPath, 'the ledger');
  if (!r.ok) throw new Error(r.message);
  expect(r.tookOverFrom).toEqual(stale);
  expect(JSON.parse(readFileSync(lockPath, 'utf8'))).toMatchObject({ pid: process.pid });
  r.release();
});

test('what cannot be checked keeps the lock: another host, or a file that is not a lock', () => {
  leave({ host: 'other-host', pid: 2 ** 22 + 1 });
  const remote = acquireFolderLock(lockPath, 'the ledger');
  expect(remote.ok).toBe(false);
  if (!remote.ok) expect(remote.message).toMatch(new RegExp(`on host other-host.*cannot be checked from here; if that process is gone, remove ${lockPath.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
  writeFileSync(lockPath, 'garbage');
  const unreadable = acquireFolderLock(lockPath, 'the ledger');
  expect(unreadable).toMatchObject({ ok: false, message: expect.stringContaining('cannot be read') });
});

test('a takeover interrupted by a crash is not guessed at: the guard file is named', () => {
  leave({ pid: 2 ** 22 + 1 });
  writeFileSync(`${lockPath}.takeover`, JSON.stringify({ ...JSON.parse(readFileSync(lockPath, 'utf8')), nonce: 'guard' }));
  const r = acquireFolderLock(lockPath, 'the ledger');
  expect(r).toMatchObject({ ok: false, message: expect.stringContaining(`${lockPath}.takeover`) });
});

test('two PGlite opens of one folder in one process: the second is refused before PGlite reads it, and the first works on', async () => {
  assertPgliteCanLoad();
  const ledger = path.join(dir, 'ledger');
  const first = await createPgliteDb({ dataDir: ledger });
  try {
    await expect(createPgliteDb({ dataDir: ledger })).rejects.toThrow(`The embedded ledger in ${ledger} is already open in this process`);
    expect((await first.query<{ one: number }>('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
  } finally {
    await first.close();
  }
  const again = await createPgliteDb({ dataDir: ledger });
  await again.close();
}, 60_000);

test('a ledger folder PGlite cannot read is said in words (which folder, what to do), never Aborted()', async () => {
  assertPgliteCanLoad();
  const ledger = path.join(dir, 'ledger');
  const db = await createPgliteDb({ dataDir: ledger });
  await db.close();
  writeFileSync(path.join(ledger, 'global', 'pg_control'), Buffer.alloc(8192));
  const err: unknown = await createPgliteDb({ dataDir: ledger }).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(Error);
  expect((err as Error).message).toMatch(new RegExp(`^The embedded ledger in ${ledger.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} cannot be opened \\(.+\\): restore that folder from a copy, or move it aside`));
  expect((err as Error).message).not.toContain('Aborted');
  // The failed open left no lock behind.
  expect(existsSync(`${ledger}.lock`)).toBe(false);
}, 60_000);
