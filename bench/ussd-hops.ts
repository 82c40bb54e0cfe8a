import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import express from 'express';
import Redis from 'ioredis';
import { z } from 'zod';
import { composeProduct } from '../src/compose';
import { loadConfig } from '../src/config';
import { silentLogger } from '../src/logging/logger';
import { createRegidesoClient } from '../src/regideso/client';
import { startSandbox } from '../src/regideso/sandbox/server';
import { phoneKeys, sessionKeys } from '../src/sessions/keys';
import { bareApp, minimalApp, ussdMenuBuilderApp } from './servers';

/**
 * `npm run bench [-- --connections 32 --duration 10 --warmup 2 --redis redis://…]`
 *
 * Many concurrent USSD sessions walk dial → pay → reference → province → bills (4 hops, the last
 * one calls the sandbox REGIDESO's GetFact) against four servers in turn, under the same load: a
 * bare express handler, a minimal Redis handler (one GET + one SET a hop), ussd-menu-builder with a
 * Redis session store, and the whole product built by `composeProduct`. Hops/s, p50/p99 and the
 * product's ratios to each are printed, then the Redis memory of one product session at the bills
 * screen of an account with nine unpaid bills.
 *
 * Each server runs in a child process forked from this file: autocannon parsing thousands of
 * responses a second on the server's own event loop would be measured as server time.
 * Options come from argv, not the environment: only src/config.ts reads the environment.
 */

const SERVICE_CODE = '*123#';
const NETWORK_CODE = '63902';
/** The sandbox's demo subscriber with unpaid bills in Kinshasa. */
const JOURNEY = ['', '1', '1*83262', '1*83262*1'] as const;
const HOP_NAMES = ['main menu', 'pay', 'reference', 'province→bills'] as const;
/** The bills screen names amounts; anything else there means GetFact did not happen. */
const BILLS_SCREEN = /CDF/;
const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';
const BAD_SAMPLES_KEPT = 5;
/** Longer than a hop may take (the engine's budget is 8 s). */
const DRAIN_MS = 10_000;

const ROLES = ['baseline', 'minimal', 'umb', 'product'] as const;
type Role = (typeof ROLES)[number];
const LABEL: Record<Role, string> = { baseline: 'bare express', minimal: 'minimal Redis', umb: 'ussd-menu-builder', product: 'product' };
/** The sandbox subscriber with nine unpaid bills (src/regideso/sandbox/data.ts). */
const NINE_BILLS = ['', '1', '1*62190', '1*62190*1'] as const;

interface Settings {
  connections: number;
  durationS: number;
  warmupS: number;
  redisUrl: string;
}

const positiveInt = (name: string, max: number) =>
  z.coerce
    .number({ error: `--${name} must be a number` })
    .int(`--${name} must be a whole number`)
    .min(1, `--${name} must be at least 1`)
    .max(max, `--${name} must be at most ${max}`);

const argsSchema = z.object({
  connections: positiveInt('connections', 10_000).default(32),
  duration: positiveInt('duration', 600).default(10),
  warmup: z.coerce.number().int().min(0).max(60).default(3),
  redis: z
    .string()
    .regex(/^rediss?:\/\/\S+$/, '--redis must be a redis:// URL')
    .default(DEFAULT_REDIS_URL),
  serve: z.enum(ROLES).optional(),
});

function parseCli(argv: string[]): { settings: Settings; serve: Role | undefined } {
  const { values } = parseArgs({
    args: argv,
    options: {
      connections: { type: 'string', short: 'c' },
      duration: { type: 'string', short: 'd' },
      warmup: { type: 'string', short: 'w' },
      redis: { type: 'string' },
      serve: { type: 'string' },
    },
    strict: true,
  });
  const parsed = argsSchema.safeParse(values);
  if (!parsed.success) {
    console.error(parsed.error.issues.map((i) => i.message).join('\n'));
    process.exit(2);
  }
  const a = parsed.data;
  return {
    settings: { connections: a.connections, durationS: a.duration, warmupS: a.warmup, redisUrl: a.redis },
    serve: a.serve,
  };
}

// ---------------------------------------------------------------------------------------------
// Child side: one server under test, driven by the parent over IPC.

const toChild = z.object({ type: z.literal('stop') });
const fromChild = z.discriminatedUnion('type', [
  z.object({ type: z.literal('ready'), port: z.number().int(), prefix: z.string().optional() }),
  z.object({ type: z.literal('stopped'), keysDeleted: z.number().int(), keysLeft: z.number().int(), cpuUsPerHop: z.number() }),
  z.object({ type: z.literal('failed'), message: z.string() }),
]);
type FromChild = z.infer<typeof fromChild>;

function send(msg: FromChild): Promise<void> {
  return new Promise((resolve) => {
    if (process.send === undefined) resolve();
    else process.send(msg, undefined, {}, () => resolve());
  });
}

/** Resolves on the parent's `stop`, or when the parent is gone (so no server is left orphaned). */
function stopRequested(): Promise<void> {
  return new Promise((resolve) => {
    process.on('message', (raw: unknown) => {
      if (toChild.safeParse(raw).success) resolve();
    });
    process.on('disconnect', () => resolve());
  });
}

/**
 * Listens on an ephemeral port and counts handlers still running: when autocannon stops it hangs
 * up on hops in flight, and their handlers must finish before the product closes Redis under them.
 * Also the process's CPU time per request served: a figure other processes on the machine disturb
 * far less than throughput.
 */
async function listen(app: express.Express): Promise<{ port: number; close: () => Promise<void>; cpuUsPerHop: () => number }> {
  let inFlight = 0;
  let served = 0;
  const cpu = process.cpuUsage();
  const server = http.createServer((req, res) => {
    inFlight += 1;
    served += 1;
    let counted = true;
    const end = res.end.bind(res) as (...args: unknown[]) => http.ServerResponse;
    // Every answer goes through res.end, even to a client that has already hung up.
    res.end = ((...args: unknown[]) => {
      if (counted) inFlight -= 1;
      counted = false;
      return end(...args);
    }) as typeof res.end;
    app(req, res);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    port: (server.address() as AddressInfo).port,
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
      const deadline = Date.now() + DRAIN_MS;
      while (inFlight > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    },
    cpuUsPerHop() {
      const used = process.cpuUsage(cpu);
      return served === 0 ? 0 : (used.user + used.system) / served;
    },
  };
}

/** Deletes only this run's keys: the store keys and the hash-tagged BullMQ queue keys. */
async function deleteKeys(redisUrl: string, prefix: string): Promise<{ deleted: number; left: number }> {
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
  const patterns = [`${prefix}*`, `{${prefix}q}*`];
  const scanAll = async (): Promise<string[]> => {
    const keys: string[] = [];
    for (const match of patterns) {
      let cursor = '0';
      do {
        const [next, batch] = await redis.scan(cursor, 'MATCH', match, 'COUNT', 1000);
        keys.push(...batch);
        cursor = next;
      } while (cursor !== '0');
    }
    return keys;
  };
  try {
    const keys = await scanAll();
    let deleted = 0;
    for (let i = 0; i < keys.length; i += 500) deleted += await redis.del(...keys.slice(i, i + 500));
    return { deleted, left: (await scanAll()).length };
  } finally {
    await redis.quit().catch(() => undefined);
  }
}

async function serveProduct(settings: Settings): Promise<void> {
  const prefix = `bench:${randomBytes(6).toString('hex')}:`;
  const loaded = loadConfig({ REDIS_URL: settings.redisUrl });
  if (!loaded.ok) throw new Error(`config: ${loaded.errors.join('; ')}`);
  const product = await composeProduct(loaded.config, silentLogger(), { prefix, defaultMetrics: false });
  let cleaned: { deleted: number; left: number };
  let cpuUsPerHop: number;
  try {
    await product.start();
    const server = await listen(product.app);
    await send({ type: 'ready', port: server.port, prefix });
    await stopRequested();
    cpuUsPerHop = server.cpuUsPerHop();
    await server.close();
  } finally {
    await product.stop();
    cleaned = await deleteKeys(settings.redisUrl, prefix);
  }
  await send({ type: 'stopped', keysDeleted: cleaned.deleted, keysLeft: cleaned.left, cpuUsPerHop });
}

/** The other servers: their own Redis connection and in-process sandbox REGIDESO, as the product has. */
async function serveOther(role: Exclude<Role, 'product'>, settings: Settings): Promise<void> {
  const prefix = `bench:${randomBytes(6).toString('hex')}:`;
  const redis = new Redis(settings.redisUrl, { maxRetriesPerRequest: 1 });
  const sandbox = await startSandbox();
  const regideso = createRegidesoClient({ baseUrl: sandbox.baseUrl, apiKey: sandbox.apiKey, operator: 'BENCH', timeoutMs: 5000, logger: silentLogger() });
  let cleaned: { deleted: number; left: number };
  let cpuUsPerHop: number;
  try {
    const app = role === 'baseline' ? bareApp() : role === 'minimal' ? minimalApp(redis, regideso, prefix) : ussdMenuBuilderApp(redis, regideso, prefix);
    const server = await listen(app);
    await send({ type: 'ready', port: server.port, prefix });
    await stopRequested();
    cpuUsPerHop = server.cpuUsPerHop();
    await server.close();
  } finally {
    await redis.quit().catch(() => undefined);
    await sandbox.close();
    cleaned = await deleteKeys(settings.redisUrl, prefix);
  }
  await send({ type: 'stopped', keysDeleted: cleaned.deleted, keysLeft: cleaned.left, cpuUsPerHop });
}

async function serve(role: Role, settings: Settings): Promise<void> {
  try {
    if (role === 'product') await serveProduct(settings);
    else await serveOther(role, settings);
  } catch (err) {
    await send({ type: 'failed', message: err instanceof Error ? err.message : String(err) });
    process.exitCode = 1;
  }
  // The IPC channel keeps the child alive; letting go of it ends the process.
  process.disconnect?.();
}

// ---------------------------------------------------------------------------------------------
// Parent side: start the servers, load them with autocannon, print the comparison.

interface ChildServer {
  port: number;
  prefix: string | undefined;
  stop(): Promise<{ keysDeleted: number; keysLeft: number; cpuUsPerHop: number }>;
}

function startChild(role: Role, settings: Settings): Promise<ChildServer> {
  const args = ['--serve', role, '--redis', settings.redisUrl];
  // execArgv is inherited, so the child runs under tsx like this process.
  const child: ChildProcess = fork(__filename, args, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const next = (): Promise<FromChild> =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${role} server did not answer within 30 s`)), 30_000);
      const onExit = (code: number | null) => reject(new Error(`${role} server exited early (code ${String(code)})`));
      child.once('exit', onExit);
      child.once('message', (raw: unknown) => {
        clearTimeout(timer);
        child.off('exit', onExit);
        const msg = fromChild.safeParse(raw);
        if (!msg.success) reject(new Error(`${role} server sent an unexpected message`));
        else if (msg.data.type === 'failed') reject(new Error(`${role} server failed: ${msg.data.message}`));
        else resolve(msg.data);
      });
    });
  return next().then(
    (ready) => {
      if (ready.type !== 'ready') throw new Error(`${role} server: expected ready, got ${ready.type}`);
      return {
        port: ready.port,
        prefix: ready.prefix,
        async stop() {
          const exited = child.exitCode !== null ? Promise.resolve() : once(child, 'exit').then(() => undefined);
          child.send({ type: 'stop' });
          const done = await next();
          await exited;
          return done.type === 'stopped' ? { keysDeleted: done.keysDeleted, keysLeft: done.keysLeft, cpuUsPerHop: done.cpuUsPerHop } : { keysDeleted: 0, keysLeft: -1, cpuUsPerHop: 0 };
        },
      };
    },
    (err: unknown) => {
      child.kill();
      throw err;
    },
  );
}

interface Tally {
  /** Latency (ms, sub-millisecond precision) of every answered hop, by hop index. */
  latencies: number[][];
  answered: number;
  journeys: number;
  badAnswers: number;
  badSamples: Map<string, number>;
}

function newTally(): Tally {
  return { latencies: JOURNEY.map(() => []), answered: 0, journeys: 0, badAnswers: 0, badSamples: new Map() };
}

/** Fresh session ids and phone numbers for the whole run, so no phone nears the 40-a-minute limit. */
function createIdentities(): () => { sessionId: string; phoneNumber: string } {
  const run = randomBytes(4).toString('hex');
  let n = 0;
  return () => {
    n += 1;
    return { sessionId: `bench-${run}-${n}`, phoneNumber: `+2438${String(n % 100_000_000).padStart(8, '0')}` };
  };
}

interface JourneyContext {
  sessionId?: string;
  phoneNumber?: string;
  failed?: boolean;
}

function journeyRequests(role: Role, tally: Tally, identity: () => { sessionId: string; phoneNumber: string }, hopSeen: { index: number }): autocannon.Request[] {
  return JOURNEY.map((text, i) => ({
    method: 'POST',
    path: '/ussd',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    setupRequest: (req: autocannon.Request, context: object) => {
      const ctx = context as JourneyContext;
      if (i === 0) Object.assign(ctx, identity(), { failed: false });
      // A failed hop ends the session: returning nothing makes autocannon restart at hop 0.
      if (ctx.failed === true || ctx.sessionId === undefined || ctx.phoneNumber === undefined) return undefined as unknown as autocannon.Request;
      const body = new URLSearchParams({ sessionId: ctx.sessionId, serviceCode: SERVICE_CODE, phoneNumber: ctx.phoneNumber, networkCode: NETWORK_CODE, text });
      return { ...req, body: body.toString() };
    },
    onResponse: (status: number, body: string, context: object) => {
      // autocannon emits the instance's `response` (with the latency) right after this call,
      // synchronously: the hop index is handed over through `hopSeen`.
      hopSeen.index = i;
      const answer = String(body);
      const ok = status === 200 && answer.startsWith('CON ') && (role === 'baseline' || i < JOURNEY.length - 1 || BILLS_SCREEN.test(answer));
      if (ok) {
        if (i === JOURNEY.length - 1) tally.journeys += 1;
        return;
      }
      (context as JourneyContext).failed = true;
      tally.badAnswers += 1;
      const sample = `${status} at hop ${i + 1} (${HOP_NAMES[i]}): ${answer.replace(/\s+/g, ' ').slice(0, 100)}`;
      if (tally.badSamples.has(sample) || tally.badSamples.size < BAD_SAMPLES_KEPT) tally.badSamples.set(sample, (tally.badSamples.get(sample) ?? 0) + 1);
    },
  }));
}

interface Measured {
  role: Role;
  durationS: number;
  tally: Tally;
  /** Connection errors and timeouts (no answer at all). */
  connErrors: number;
  timeouts: number;
}

async function drive(role: Role, port: number, connections: number, durationS: number, identity: () => { sessionId: string; phoneNumber: string }): Promise<Measured> {
  const tally = newTally();
  const hopSeen = { index: 0 };
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(
      {
        url: `http://127.0.0.1:${port}`,
        connections,
        duration: durationS,
        timeout: 15,
        requests: journeyRequests(role, tally, identity, hopSeen),
      },
      (err: unknown, res: autocannon.Result) => (err ? reject(err instanceof Error ? err : new Error(String(err))) : resolve(res)),
    );
    instance.on('response', (_client, _status, _bytes, responseTime) => {
      tally.answered += 1;
      tally.latencies[hopSeen.index]?.push(responseTime);
    });
  });
  return { role, durationS: result.duration, tally, connErrors: result.errors, timeouts: result.timeouts };
}

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}

function sortedOf(values: number[]): Float64Array {
  return Float64Array.from(values).sort();
}

interface Summary {
  label: string;
  hopsPerS: number;
  journeysPerS: number;
  p50: number;
  p99: number;
  errors: number;
  errorRate: number;
  /** The server process's CPU time per request, warm-up included. */
  cpuUs: number;
}

function summarize(label: string, m: Measured, cpuUs: number): Summary {
  const all = sortedOf(m.tally.latencies.flat());
  const errors = m.tally.badAnswers + m.connErrors;
  const attempts = m.tally.answered + m.connErrors;
  return {
    label,
    hopsPerS: m.tally.answered / m.durationS,
    journeysPerS: m.tally.journeys / m.durationS,
    p50: percentile(all, 50),
    p99: percentile(all, 99),
    errors,
    errorRate: attempts === 0 ? 1 : errors / attempts,
    cpuUs,
  };
}

const fmt = (n: number, digits = 2): string => (Number.isFinite(n) ? n.toFixed(digits) : 'n/a');

function printTable(rows: Summary[]): void {
  console.log(`${'server'.padEnd(32)}${'hops/s'.padStart(10)}${'journeys/s'.padStart(12)}${'p50 ms'.padStart(9)}${'p99 ms'.padStart(9)}${'CPU µs/hop'.padStart(12)}   errors`);
  for (const r of rows) {
    console.log(
      `${r.label.padEnd(32)}${fmt(r.hopsPerS, 1).padStart(10)}${fmt(r.journeysPerS, 1).padStart(12)}${fmt(r.p50).padStart(9)}${fmt(r.p99).padStart(9)}${fmt(r.cpuUs, 0).padStart(12)}   ${r.errors} (${fmt(r.errorRate * 100)} %)`,
    );
  }
}

function printPerHop(m: Measured): void {
  console.log('product by hop:'.padEnd(32) + 'count'.padStart(10) + ''.padStart(12) + 'p50 ms'.padStart(9) + 'p99 ms'.padStart(9));
  m.tally.latencies.forEach((values, i) => {
    const s = sortedOf(values);
    console.log(`  ${i + 1}. ${HOP_NAMES[i] ?? ''}`.padEnd(32) + String(s.length).padStart(10) + ''.padStart(12) + fmt(percentile(s, 50)).padStart(9) + fmt(percentile(s, 99)).padStart(9));
  });
}

function printBad(label: string, m: Measured): void {
  if (m.tally.badAnswers === 0 && m.connErrors === 0) return;
  console.log(`${label}: ${m.tally.badAnswers} bad answers, ${m.connErrors} connection errors (${m.timeouts} timeouts); first kinds seen:`);
  for (const [sample, count] of m.tally.badSamples) console.log(`  ${count} × ${sample}`);
}

/**
 * One product session walked to the bills screen of the nine-bill account, then `MEMORY USAGE` of
 * every key of that session (the record; the lease and the wait note when present) and, apart,
 * of the phone's (preferences, rate count), which outlive sessions.
 */
async function sessionMemory(port: number, prefix: string, redisUrl: string): Promise<{ session: number; phone: number; answer: string }> {
  // Shaped as Africa's Talking's ids, whose length counts in the key.
  const sessionId = `ATUid_${randomBytes(16).toString('hex')}`;
  const phoneNumber = '+243899000009';
  let answer = '';
  for (const text of NINE_BILLS) {
    const res = await fetch(`http://127.0.0.1:${port}/ussd`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ sessionId, serviceCode: SERVICE_CODE, phoneNumber, networkCode: NETWORK_CODE, text }).toString(),
    });
    answer = await res.text();
  }
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
  try {
    const usage = async (keys: string[]) => {
      let total = 0;
      for (const k of keys) total += Number((await redis.call('MEMORY', 'USAGE', k, 'SAMPLES', '0')) ?? 0);
      return total;
    };
    const s = sessionKeys(prefix, sessionId);
    const p = phoneKeys(prefix, phoneNumber);
    return { session: await usage([s.record, s.lease, s.wait]), phone: await usage([p.prefs, p.rate]), answer };
  } finally {
    redis.disconnect();
  }
}

async function runParent(settings: Settings): Promise<number> {
  const cpus = os.cpus();
  console.log('ussd-hops: dial → pay → reference → province → bills, 4 hops a session, a fresh session and phone each time');
  console.log(`machine:  ${cpus.length} × ${cpus[0]?.model.trim() ?? 'unknown cpu'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, node ${process.version}, ${process.platform} ${process.arch}`);
  console.log(`settings: ${settings.connections} connections, ${settings.durationS} s measured (+${settings.warmupS} s warm-up) per server, Redis ${settings.redisUrl}, REGIDESO sandbox in-process`);
  console.log('          load generator in this process, each server in its own child process, one after the other\n');

  const identity = createIdentities();
  const measured = new Map<Role, Measured>();
  const cpu = new Map<Role, number>();
  const cleanups: Array<() => Promise<unknown>> = [];
  let memory: { session: number; phone: number; answer: string } | undefined;
  try {
    for (const role of ROLES) {
      const server = await startChild(role, settings);
      let stopped = false;
      const stop = async () => {
        if (stopped) return;
        stopped = true;
        cpu.set(role, (await server.stop()).cpuUsPerHop);
      };
      cleanups.push(stop);
      if (settings.warmupS > 0) await drive(role, server.port, settings.connections, settings.warmupS, identity);
      measured.set(role, await drive(role, server.port, settings.connections, settings.durationS, identity));
      if (role === 'product' && server.prefix !== undefined) memory = await sessionMemory(server.port, server.prefix, settings.redisUrl);
      await stop();
    }
  } finally {
    await Promise.allSettled(cleanups.map((c) => c()));
  }

  const rows = ROLES.map((role) => summarize(LABEL[role], measured.get(role) as Measured, cpu.get(role) ?? Number.NaN));
  printTable(rows);
  const prod = rows[3] as Summary;
  for (const [i, role] of (['baseline', 'minimal', 'umb'] as const).entries()) {
    const other = rows[i] as Summary;
    console.log(
      `${`product / ${LABEL[role]}`.padEnd(32)}${`${fmt(prod.hopsPerS / other.hopsPerS, 2)}×`.padStart(10)}${''.padStart(12)}${`${fmt(prod.p50 / other.p50, 2)}×`.padStart(9)}${`${fmt(prod.p99 / other.p99, 2)}×`.padStart(9)}${`${fmt(prod.cpuUs / other.cpuUs, 2)}×`.padStart(12)}`,
    );
  }
  console.log('');
  printPerHop(measured.get('product') as Measured);
  if (memory !== undefined) {
    const shown = memory.answer.split('\n')[0] ?? '';
    console.log(`\nRedis MEMORY USAGE, one product session at the bills screen of 62190 (9 unpaid bills, "${shown}"):`);
    console.log(`  session keys ${memory.session} bytes; the phone's keys (preferences, rate count) ${memory.phone} bytes`);
  }
  for (const role of ROLES) printBad(LABEL[role], measured.get(role) as Measured);

  if (prod.hopsPerS === 0 || prod.errorRate > 0.01) {
    console.error(`\nFAIL: product error rate ${fmt(prod.errorRate * 100)} % (limit 1 %)`);
    return 1;
  }
  return 0;
}

async function main(): Promise<void> {
  const { settings, serve: role } = parseCli(process.argv.slice(2));
  if (role !== undefined) {
    await serve(role, settings);
    return;
  }
  // Bounded even if a server hangs on the way down.
  const budgetMs = ROLES.length * (settings.durationS + settings.warmupS) * 1000 + 120_000;
  setTimeout(() => {
    console.error('bench overran its time budget; giving up');
    process.exit(3);
  }, budgetMs).unref();
  process.exitCode = await runParent(settings);
}

main().catch((err: unknown) => {
  console.error('bench failed:', err instanceof Error ? err.message : err);
  process.exit(1);
});
