import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import Redis from 'ioredis';
import { z } from 'zod';
import { startSandboxWallet, type RunningSandboxWallet } from '../src/collections/sandbox/server';
import { createPostgresDb } from '../src/db/postgres';
import { startSandbox, type RunningSandbox } from '../src/regideso/sandbox/server';
import { spawnProduct, type ProductProcess } from '../test/support/product-process';
import { deletePrefix } from '../test/support/redis';
import { walletProductEnv } from '../test/support/wallet-product';

/**
 * `npm run bench:crash [-- --runs 3 --mode restart|survivor|embedded --restart-after 3]`
 *
 * How long a payment waits after its process is killed (SIGKILL) right after the confirm hop
 * answered "approve with your PIN", while the payment's job is running (the job's check of the
 * bills with REGIDESO is held for 3 s, longer than the confirm hop waits for the wallet's first
 * answer, 2.5 s: the kill always finds the job taken and no deposit made yet):
 *
 * - `restart`: one instance (Redis, PostgreSQL), started again `--restart-after` s after the kill;
 * - `survivor`: two instances, the one that took the confirm is killed, the other carries on;
 * - `embedded`: the embedded default (in-memory Redis, jobs in-process, PGlite in DATA_DIR) with
 *   COLLECTION=pawapay on the sandbox wallet, started again like `restart`.
 *
 * Printed per run: seconds from the kill to the deposit reaching the sandbox wallet, and (restart,
 * embedded) from the restart (the spawn of the new process) to it. Exits 1 when a payment made
 * more or fewer than one deposit.
 */
const args = parseArgs({
  options: {
    runs: { type: 'string', default: '3' },
    mode: { type: 'string', default: 'restart' },
    'restart-after': { type: 'string', default: '3' },
    database: { type: 'string', default: 'postgres://root@127.0.0.1:5432/test' },
    redis: { type: 'string', default: 'redis://127.0.0.1:6379' },
  },
});
const settings = z
  .object({
    runs: z.coerce.number().int().min(1).max(20),
    mode: z.enum(['restart', 'survivor', 'embedded']),
    restartAfterS: z.coerce.number().min(0).max(60),
    database: z.string().url(),
    redis: z.string().url(),
  })
  .parse({ runs: args.values.runs, mode: args.values.mode, restartAfterS: args.values['restart-after'], database: args.values.database, redis: args.values.redis });

const CONFIRM_PATH = ['', '1', '1*83262', '1*83262*1', '1*83262*1*2', '1*83262*1*2*2', '1*83262*1*2*2*100', '1*83262*1*2*2*100*2'];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitFor<T>(check: () => T | undefined, deadlineMs: number): Promise<T | undefined> {
  const end = Date.now() + deadlineMs;
  while (Date.now() < end) {
    const v = check();
    if (v !== undefined) return v;
    await sleep(50);
  }
  return undefined;
}

interface RunResult {
  fromKillS: number | undefined;
  fromRestartS: number | undefined;
  deposits: number;
}

async function oneRun(regideso: RunningSandbox, wallet: RunningSandboxWallet, run: number): Promise<RunResult> {
  const schema = `bench_crash_${randomBytes(4).toString('hex')}`;
  const admin = createPostgresDb({ url: settings.database, max: 1 });
  const dataDir = settings.mode === 'embedded' ? mkdtempSync(path.join(tmpdir(), 'rgd-crash-')) : undefined;
  if (dataDir === undefined) await admin.query(`CREATE SCHEMA ${schema}`);
  const prefix = `bc${randomBytes(4).toString('hex')}:`;
  const shared = walletProductEnv({ redis: { REDIS_URL: settings.redis }, prefix, databaseUrl: settings.database, schema, regideso, wallet, logLevel: 'error' });
  // The embedded default: no Redis, no PostgreSQL, the ledger in DATA_DIR.
  const { REDIS_URL: _redis, DATABASE_URL: _database, ...embedded } = shared;
  const env = dataDir === undefined ? shared : { ...embedded, DATA_DIR: dataDir };
  const procs: ProductProcess[] = [];
  try {
    const first = await spawnProduct(env);
    procs.push(first);
    await first.ready();
    if (settings.mode === 'survivor') {
      const other = await spawnProduct(env);
      procs.push(other);
      await other.ready();
    }
    const phone = `+24381${String(Date.now() % 10_000).padStart(4, "0")}${run % 10}90`;
    const session = `ATUid_${randomUUID().replace(/-/g, '')}`;
    for (const text of CONFIRM_PATH.slice(0, -1)) await first.hop(session, phone, text);
    // The job's first step reads the bills: held past the confirm hop's wait, so the kill finds the job running.
    regideso.faults.getFact.push({ kind: 'hang', ms: 3000 });
    const confirmed = await first.hop(session, phone, CONFIRM_PATH.at(-1) ?? '');
    if (!confirmed.text.startsWith('END Approuvez')) throw new Error(`unexpected confirm screen: ${confirmed.text}`);
    await first.kill9();
    const killedAt = Date.now();
    const number = phone.replace(/^\+/, '');
    // A deposit made before the kill would leave nothing to measure.
    if (wallet.deposits().some((d) => d.phoneNumber === number)) throw new Error('the deposit left before the kill: the hold at REGIDESO is shorter than the confirm hop waits');
    let restartedAt: number | undefined;
    if (settings.mode !== 'survivor') {
      await sleep(settings.restartAfterS * 1000);
      restartedAt = Date.now();
      const again = await spawnProduct(env);
      procs.push(again);
    }
    const deposit = await waitFor(() => wallet.deposits().find((d) => d.phoneNumber === number), 180_000);
    const seenAt = Date.now();
    // A little longer: a second deposit would show up here.
    await sleep(5000);
    return {
      fromKillS: deposit === undefined ? undefined : (seenAt - killedAt) / 1000,
      fromRestartS: deposit === undefined || restartedAt === undefined ? undefined : (seenAt - restartedAt) / 1000,
      deposits: wallet.deposits().filter((d) => d.phoneNumber === number).length,
    };
  } finally {
    await Promise.all(procs.map((p) => p.stop()));
    if (dataDir !== undefined) rmSync(dataDir, { recursive: true, force: true });
    else {
      await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await deletePrefix(prefix, new Redis(settings.redis, { maxRetriesPerRequest: 1 }));
    }
    await admin.close();
  }
}

async function main(): Promise<void> {
  const regideso = await startSandbox();
  const wallet = await startSandboxWallet({});
  let bad = 0;
  try {
    console.log(`mode ${settings.mode}, restart after ${settings.restartAfterS} s`);
    console.log('run | kill → deposit (s) | restart → deposit (s) | deposits');
    for (let run = 1; run <= settings.runs; run++) {
      const r = await oneRun(regideso, wallet, run);
      if (r.deposits !== 1) bad++;
      const s = (v: number | undefined) => (v === undefined ? '–' : v.toFixed(1));
      console.log(`${run} | ${s(r.fromKillS)} | ${s(r.fromRestartS)} | ${r.deposits}`);
    }
  } finally {
    await regideso.close();
    await wallet.close();
  }
  process.exitCode = bad > 0 ? 1 : 0;
}

void main();
