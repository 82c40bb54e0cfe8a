import { randomUUID } from 'node:crypto';
import { closeSync, fsyncSync, linkSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { performance } from 'node:perf_hooks';

/**
 * One process per folder: a lock file created with an atomic "create if absent" (a complete file
 * linked into place, so a reader never sees it half written), holding who took it. PGlite has no
 * lock of its own, and two processes writing one data folder lose committed rows or leave it
 * unreadable.
 *
 * Why a pid file and not a lease refreshed on a timer (proper-lockfile): the folder is local, so
 * whether the holder lives can be asked of the kernel at once, and a killed holder's lock is taken
 * over on the next start instead of after a stale period; and a lease expires when its holder is
 * merely busy (PGlite compiles its WebAssembly on the main thread for seconds on a loaded machine),
 * which would let a second process in beside a live one, the very thing the lock exists to stop.
 *
 * A holder counts as gone only when that is certain: its pid is not running, or runs a process
 * that started at another time (the pid was reused: /proc's start time, Linux), or the machine
 * has rebooted since (boot id). A lock taken on another host, or whose holder cannot be told from
 * a reused pid, is never taken over: the operator is told which file to remove.
 */

export interface LockHolder {
  pid: number;
  host: string;
  /** The kernel's boot id (Linux): a lock from before a reboot has no living holder. */
  bootId: string | null;
  /** The holder's start time in clock ticks since boot (/proc/<pid>/stat): tells a reused pid apart. */
  startTicks: string | null;
  /** The holder's own time origin: the same pid and this value is this very process. */
  timeOrigin: number;
  /** When it took the lock (ISO) and what it runs, for the sentence that names it. */
  since: string;
  command: string;
  /** Drawn per acquisition: a takeover removes the stale lock it inspected and no other. */
  nonce: string;
}

export type LockOutcome =
  | { ok: true; release(): void; tookOverFrom: LockHolder | undefined }
  | { ok: false; holder: LockHolder | undefined; message: string };

type Liveness = 'alive' | 'gone' | 'this-process' | 'unknown';

/** Takes the lock at `lockPath` for this process, or says who holds it. `what` names the folder in sentences. */
export function acquireFolderLock(lockPath: string, what: string): LockOutcome {
  const me = ownRecord();
  // A few rounds: another process may take the lock or take over a stale one between our steps.
  for (let round = 0; round < 5; round++) {
    if (createExclusive(lockPath, me)) return held(lockPath, me, undefined);
    const current = readRecord(lockPath);
    if (current === 'absent') continue;
    if (current === 'unreadable') return refused(undefined, `${what} is locked by ${lockPath}, which cannot be read; if no other process uses ${what}, remove that file and start again`);
    const live = liveness(current);
    if (live === 'gone') {
      const outcome = takeOver(lockPath, current, me, what);
      if (outcome !== 'retry') return outcome;
      continue;
    }
    return refused(current, describeHeld(current, live, lockPath, what));
  }
  return refused(undefined, `${what} is being locked and unlocked by other processes right now; start again in a moment`);
}

/**
 * Removing a stale lock is the one step that is not "create if absent": a guard file (itself
 * created exclusively) makes one process at a time do it, and that process re-reads the lock
 * under the guard and removes it only if it is still the very lock judged stale.
 */
function takeOver(lockPath: string, stale: LockHolder, me: LockHolder, what: string): LockOutcome | 'retry' {
  const guardPath = `${lockPath}.takeover`;
  if (!createExclusive(guardPath, me)) {
    const guard = readRecord(guardPath);
    if (guard !== 'absent' && (guard === 'unreadable' || liveness(guard) !== 'alive')) {
      return refused(stale, `${what} was left locked by process ${stale.pid}, which is gone, but an interrupted takeover left ${guardPath}; if no other process uses ${what}, remove that file and start again`);
    }
    // Another process is taking it over right now: look again, it will hold the lock.
    return 'retry';
  }
  try {
    const again = readRecord(lockPath);
    if (again !== 'absent' && again !== 'unreadable' && again.nonce === stale.nonce) unlinkSync(lockPath);
  } finally {
    unlinkSync(guardPath);
  }
  if (createExclusive(lockPath, me)) return held(lockPath, me, stale);
  return 'retry';
}

function held(lockPath: string, me: LockHolder, tookOverFrom: LockHolder | undefined): LockOutcome {
  let released = false;
  return {
    ok: true,
    tookOverFrom,
    release() {
      if (released) return;
      released = true;
      // Only our own: a lock that is no longer ours (removed by hand, then taken) stays.
      const current = readRecord(lockPath);
      if (current !== 'absent' && current !== 'unreadable' && current.nonce === me.nonce) unlinkSync(lockPath);
    },
  };
}

function refused(holder: LockHolder | undefined, message: string): LockOutcome {
  return { ok: false, holder, message };
}

function describeHeld(h: LockHolder, live: Liveness, lockPath: string, what: string): string {
  const who = `process ${h.pid}${h.command === '' ? '' : ` (${h.command})`}${h.host === hostname() ? '' : ` on host ${h.host}`}, since ${h.since}`;
  if (live === 'this-process') return `${what} is already open in this process (${who}): one opener per folder`;
  if (live === 'unknown') return `${what} is locked by ${who}, which cannot be checked from here; if that process is gone, remove ${lockPath} and start again`;
  return `${what} is in use by ${who}: one process per embedded ledger, so stop that process first or give this one another DATA_DIR`;
}

/** The file appears complete or not at all: written under a private name, then linked into place. */
function createExclusive(file: string, record: LockHolder): boolean {
  const temp = `${file}.${record.pid}.${record.nonce}.tmp`;
  const fd = openSync(temp, 'wx', 0o644);
  try {
    writeSync(fd, JSON.stringify(record));
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    linkSync(temp, file);
    return true;
  } catch (err) {
    if (codeOf(err) === 'EEXIST') return false;
    throw err;
  } finally {
    unlinkSync(temp);
  }
}

function readRecord(file: string): LockHolder | 'absent' | 'unreadable' {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if (codeOf(err) === 'ENOENT') return 'absent';
    throw err;
  }
  try {
    const v: unknown = JSON.parse(text);
    if (isHolder(v)) return v;
  } catch {
    // not JSON: said below
  }
  return 'unreadable';
}

function isHolder(v: unknown): v is LockHolder {
  if (typeof v !== 'object' || v === null) return false;
  const r = v as Record<string, unknown>;
  return (
    typeof r.pid === 'number' && Number.isInteger(r.pid) && r.pid > 0 &&
    typeof r.host === 'string' && typeof r.nonce === 'string' && typeof r.timeOrigin === 'number' &&
    typeof r.since === 'string' && typeof r.command === 'string' &&
    (r.bootId === null || typeof r.bootId === 'string') && (r.startTicks === null || typeof r.startTicks === 'string')
  );
}

function liveness(h: LockHolder): Liveness {
  // Another host's pids mean nothing here (and a shared folder over the network is exactly where guessing is unsafe).
  if (h.host !== hostname()) return 'unknown';
  const bootId = readBootId();
  if (h.bootId !== null && bootId !== null && h.bootId !== bootId) return 'gone';
  if (h.pid === process.pid) {
    // The same pid: this process (any of its threads), or an earlier one that had it (pid 1 in a
    // restarted container), told apart by the start time; without one, only this very thread is sure.
    const mine = startTicksOf(process.pid);
    if (h.startTicks !== null && mine !== null) return h.startTicks === mine ? 'this-process' : 'gone';
    return h.timeOrigin === performance.timeOrigin ? 'this-process' : 'unknown';
  }
  try {
    process.kill(h.pid, 0);
  } catch (err) {
    if (codeOf(err) === 'ESRCH') return 'gone';
    // EPERM: alive, run by another user.
  }
  const stat = procStat(h.pid);
  // A zombie (killed, not yet reaped by its parent) holds no file any more.
  if (stat !== null && (stat.state === 'Z' || stat.state === 'X')) return 'gone';
  if (h.startTicks !== null && stat !== null) return stat.startTicks === h.startTicks ? 'alive' : 'gone';
  // No start time to compare (not Linux): a running pid may be a reused one; we cannot tell, so it holds.
  return 'alive';
}

function ownRecord(): LockHolder {
  return {
    pid: process.pid,
    host: hostname(),
    bootId: readBootId(),
    startTicks: startTicksOf(process.pid),
    timeOrigin: performance.timeOrigin,
    since: new Date().toISOString(),
    command: process.argv.slice(1).map((a) => a.split(/[\\/]/).slice(-2).join('/')).join(' ').slice(0, 120),
    nonce: randomUUID(),
  };
}

function readBootId(): string | null {
  try {
    return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim() || null;
  } catch {
    return null;
  }
}

function startTicksOf(pid: number): string | null {
  return procStat(pid)?.startTicks ?? null;
}

/** State (field 3) and start time (field 22) of /proc/<pid>/stat, counted after the command name (which may hold spaces and parentheses). */
function procStat(pid: number): { state: string; startTicks: string } | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const [state, startTicks] = [fields[0], fields[19]];
    return state !== undefined && startTicks !== undefined ? { state, startTicks } : null;
  } catch {
    return null;
  }
}

function codeOf(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'string' ? err.code : undefined;
}
