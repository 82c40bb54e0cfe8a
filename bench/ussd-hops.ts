import { fork, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import type express from 'express';
import Redis from 'ioredis';
import { z } from 'zod';
import { createPostgresDb } from '../src/db/postgres';
import { silentLogger } from '../src/logging/logger';
import { createRedisFactory } from '../src/redis';
import { createRegidesoClient } from '../src/regideso/client';
import { phoneKeys, sessionKeys } from '../src/sessions/keys';
import { schemaUrl } from '../test/support/db';
import { freePort } from '../test/support/processes';
import { deletePrefix } from '../test/support/redis';
import { bareApp, minimalApp, protocolApp, ussdMenuBuilderApp } from './servers';

/**
 * `npm run bench [-- --connections 32 --duration 10 --warmup 3 --redis redis://… --database postgres://…]`
 * `[--servers minimal,umb,product] [--rounds 1] [--cpu-prof DIR] [--product-dir OTHER_CHECKOUT]`
 *
 * Many concurrent USSD sessions walk dial → pay → reference → province → bills (4 hops, the last
 * one calls REGIDESO's GetFact) against four servers in turn (`--rounds N`: N turns each, one
 * after the other's, so a change in what else loads the machine falls on every server alike),
 * under the same load: a bare express
 * handler, a minimal Redis handler (one GET + one SET a hop), ussd-menu-builder with a Redis
 * session store, and the product as it is deployed (`node dist/main.js`, production settings).
 * `--servers …,protocol` adds the protocol floor (bench/servers.ts `protocolApp`): the minimal
 * handler doing the product's two session scripts a hop instead of GET and SET, which shows what
 * the protocol alone costs against ussd-menu-builder, with no menu engine on top.
 *
 * Every part is a process of its own, as in production: the server under test, the sandbox
 * REGIDESO (`npm run sandbox`'s code, over HTTP, shared by the three servers that call GetFact),
 * and this process, which only generates the load (autocannon) and reads the others' CPU time from
 * /proc. Options come from argv, not the environment: only src/config.ts reads the environment.
 */

const ROOT = path.join(__dirname, '..');
const SERVICE_CODE = '*123#';
const NETWORK_CODE = '63902';
/** The sandbox's demo subscriber with unpaid bills in Kinshasa. */
const JOURNEY = ['', '1', '1*83262', '1*83262*1'] as const;
const HOP_NAMES = ['main menu', 'pay', 'reference', 'province→bills'] as const;
/** The bills screen names amounts; anything else there means GetFact did not happen. */
const BILLS_SCREEN = /CDF/;
const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';
const DEFAULT_DATABASE_URL = 'postgres://root@127.0.0.1:5432/test';
const BAD_SAMPLES_KEPT = 5;
/** Longer than a hop may take (the engine's budget is 8 s). */
const DRAIN_MS = 10_000;
/** The issue's targets for the product (issue 20). */
const TARGETS = { hopsVsMinimal: 0.9, hopsVsUmb: 1.0, p99VsMinimal: 1.1, cpuVsMinimal: 1.2, sessionBytes: 1200 };

const ROLES = ['baseline', 'minimal', 'umb', 'protocol', 'product'] as const;
type Role = (typeof ROLES)[number];
const LABEL: Record<Role, string> = { baseline: 'bare express', minimal: 'minimal Redis', umb: 'ussd-menu-builder', protocol: 'minimal + product protocol', product: 'product (dist/main.js)' };
/** The sandbox subscriber with nine unpaid bills (src/regideso/sandbox/data.ts). */
const NINE_BILLS = ['', '1', '1*62190', '1*62190*1'] as const;

interface Settings {
  connections: number;
  durationS: number;
  warmupS: number;
  /** Each server is measured this many times, `durationS` each, the servers taking turns. */
  rounds: number;
  redisUrl: string;
  databaseUrl: string;
  /** Only these servers (all four by default); the ratios need minimal and ussd-menu-builder. */
  roles: Role[];
  /** Start each server under `node --cpu-prof`, its profile written to `<dir>/<server>/` when it stops. */
  profileDir: string | undefined;
  /** The product's checkout (its `dist/main.js`, `menus/`, `migrations/`): another build to compare with. */
  productDir: string;
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
  rounds: positiveInt('rounds', 20).default(1),
  redis: z
    .string()
    .regex(/^rediss?:\/\/\S+$/, '--redis must be a redis:// URL')
    .default(DEFAULT_REDIS_URL),
  database: z
    .string()
    .regex(/^postgres(ql)?:\/\/[^\s?]+$/, '--database must be a postgres:// URL without a query')
    .default(DEFAULT_DATABASE_URL),
  servers: z
    .string()
    .transform((v) => v.split(','))
    .pipe(z.array(z.enum(ROLES, { error: `--servers takes a comma-separated list of ${ROLES.join(', ')}` })))
    .optional(),
  'cpu-prof': z.string().min(1).optional(),
  'product-dir': z.string().min(1).optional(),
  // Internal: a child serving one of the three other servers.
  serve: z.enum(['baseline', 'minimal', 'umb', 'protocol']).optional(),
  regideso: z.string().url().optional(),
});

function parseCli(argv: string[]): { settings: Settings; serve: Exclude<Role, 'product'> | undefined; regideso: string | undefined } {
  const { values } = parseArgs({
    args: argv,
    options: {
      connections: { type: 'string', short: 'c' },
      duration: { type: 'string', short: 'd' },
      warmup: { type: 'string', short: 'w' },
      rounds: { type: 'string' },
      redis: { type: 'string' },
      database: { type: 'string' },
      servers: { type: 'string' },
      'cpu-prof': { type: 'string' },
      'product-dir': { type: 'string' },
      serve: { type: 'string' },
      regideso: { type: 'string' },
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
    settings: {
      connections: a.connections,
      durationS: a.duration,
      warmupS: a.warmup,
      rounds: a.rounds,
      redisUrl: a.redis,
      databaseUrl: a.database,
      // The protocol floor is a diagnosis, asked for by name: the issue's table is the other four.
      roles: ROLES.filter((r) => (a.servers === undefined ? r !== 'protocol' : a.servers.includes(r))),
      profileDir: a['cpu-prof'] === undefined ? undefined : path.resolve(a['cpu-prof']),
      productDir: path.resolve(a['product-dir'] ?? ROOT),
    },
    serve: a.serve,
    regideso: a.regideso,
  };
}

// ---------------------------------------------------------------------------------------------
// CPU time of another process, from /proc (Linux): what a server spent, whoever else runs.

const CLOCK_TICKS_PER_S = (() => {
  const out = spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' });
  const n = Number(out.stdout?.trim());
  return Number.isInteger(n) && n > 0 ? n : 100;
})();

/** User + system CPU time of `pid` so far, in µs. */
function cpuTimeUs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) may hold spaces: count fields after its closing parenthesis.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  return (ticks * 1e6) / CLOCK_TICKS_PER_S;
}

// ---------------------------------------------------------------------------------------------
// Child side: one of the three other servers, driven by the parent over IPC.

const toChild = z.object({ type: z.literal('stop') });
const fromChild = z.discriminatedUnion('type', [
  z.object({ type: z.literal('ready'), port: z.number().int(), prefix: z.string() }),
  z.object({ type: z.literal('stopped') }),
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
 * up on hops in flight, and their handlers must finish before Redis is closed under them.
 */
async function listen(app: express.Express): Promise<{ port: number; close: () => Promise<void> }> {
  let inFlight = 0;
  const server = http.createServer((req, res) => {
    inFlight += 1;
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
  };
}

/** The three other servers: their own Redis connection, and the sandbox REGIDESO over HTTP as the product has. */
async function serveOther(role: Exclude<Role, 'product'>, settings: Settings, regidesoUrl: string): Promise<void> {
  const prefix = `bench:${randomBytes(6).toString('hex')}:`;
  // The protocol floor talks to Redis as the product does: its commands of one turn in one write.
  const redis = role === 'protocol' ? (createRedisFactory(settings.redisUrl).connect('bench', { batchWrites: true }) as Redis) : new Redis(settings.redisUrl, { maxRetriesPerRequest: 1 });
  const regideso = createRegidesoClient({ baseUrl: regidesoUrl, apiKey: REGIDESO_KEY, operator: 'BENCH', timeoutMs: 5000, logger: silentLogger() });
  try {
    const app = role === 'baseline' ? bareApp() : role === 'minimal' ? minimalApp(redis, regideso, prefix) : role === 'protocol' ? protocolApp(redis, regideso, prefix) : ussdMenuBuilderApp(redis, regideso, prefix);
    const server = await listen(app);
    await send({ type: 'ready', port: server.port, prefix });
    await stopRequested();
    await server.close();
  } finally {
    await redis.quit().catch(() => undefined);
    await deletePrefix(prefix, new Redis(settings.redisUrl, { maxRetriesPerRequest: 1 }));
  }
  await send({ type: 'stopped' });
}

async function serve(role: Exclude<Role, 'product'>, settings: Settings, regidesoUrl: string | undefined): Promise<void> {
  try {
    if (regidesoUrl === undefined) throw new Error('--regideso is required with --serve');
    await serveOther(role, settings, regidesoUrl);
  } catch (err) {
    await send({ type: 'failed', message: err instanceof Error ? err.message : String(err) });
    process.exitCode = 1;
  }
  // The IPC channel keeps the child alive; letting go of it ends the process.
  process.disconnect?.();
}

// ---------------------------------------------------------------------------------------------
// Parent side: start the processes, load each server with autocannon, print the comparison.

/** The sandbox's own key (src/config.ts SANDBOX_API_KEY), printed by `npm run sandbox` too. */
const REGIDESO_KEY = 'sandbox-key';

interface Server {
  role: Role;
  pid: number;
  port: number;
  /** Where hops are posted: the product's carries its webhook token, as its registered URL does. */
  ussdPath: string;
  /** The server's Redis key prefix (the product's REDIS_KEY_PREFIX). */
  prefix: string;
  stop(): Promise<void>;
}

/** A process of ours that prints a line matching `ready` once it serves; its output is kept for errors. */
function startProcess(name: string, args: string[], opts: { env?: NodeJS.ProcessEnv; ready: RegExp }): Promise<{ child: ChildProcess; match: RegExpExecArray }> {
  const child = spawn(process.execPath, args, { cwd: ROOT, env: opts.env ?? { PATH: process.env.PATH ?? '' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => fail(new Error(`${name} did not start within 60 s:\n${output}`)), 60_000);
    const fail = (err: Error) => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(err);
    };
    const onData = (b: Buffer) => {
      output += b.toString();
      const m = opts.ready.exec(output);
      if (m === null) return;
      clearTimeout(timer);
      child.off('exit', onExit);
      // Keep draining its pipes, or a chatty child blocks on a full one.
      child.stdout?.removeListener('data', onData);
      child.stdout?.resume();
      resolve({ child, match: m });
    };
    const onExit = (code: number | null) => fail(new Error(`${name} exited early (code ${String(code)}):\n${output}`));
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (b: Buffer) => (output += b.toString()));
    child.once('exit', onExit);
  });
}

async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  await exited;
}

/** `npm run sandbox`'s code, in a process of its own, on a spare port. */
async function startRegideso(): Promise<{ baseUrl: string; pid: number; stop: () => Promise<void> }> {
  const { child, match } = await startProcess('sandbox REGIDESO', ['--import', 'tsx', 'src/regideso/sandbox/cli.ts', '--port', '0'], { ready: /listening on (http:\/\/\S+)/ });
  return { baseUrl: match[1] ?? '', pid: child.pid ?? 0, stop: () => stopProcess(child) };
}

function startOther(role: Exclude<Role, 'product'>, settings: Settings, regidesoUrl: string): Promise<Server> {
  const args = ['--serve', role, '--redis', settings.redisUrl, '--regideso', regidesoUrl];
  // execArgv is inherited, so the child runs under tsx like this process.
  const profile = settings.profileDir === undefined ? [] : ['--cpu-prof', '--cpu-prof-interval', '200', '--cpu-prof-dir', path.join(settings.profileDir, role)];
  const child: ChildProcess = fork(__filename, args, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execArgv: [...process.execArgv, ...profile] });
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
      if (ready.type !== 'ready' || child.pid === undefined) throw new Error(`${role} server: expected ready, got ${ready.type}`);
      return {
        role,
        pid: child.pid,
        port: ready.port,
        ussdPath: '/ussd',
        prefix: ready.prefix,
        async stop() {
          const exited = child.exitCode !== null ? Promise.resolve() : once(child, 'exit').then(() => undefined);
          child.send({ type: 'stop' });
          await next();
          await exited;
        },
      };
    },
    (err: unknown) => {
      child.kill();
      throw err;
    },
  );
}

/**
 * The product as deployed: `node dist/main.js` (built by `prebench`) with production settings:
 * real Redis under a prefix of the run's own, a PostgreSQL ledger in a schema of the run's own
 * (created here, migrated by the product at start, dropped at the end), REGIDESO over HTTP, the
 * webhook token, JSON logs at `info` to a file, metrics on, `COLLECTION=none`.
 */
async function startProduct(settings: Settings, regidesoUrl: string): Promise<Server & { logFile: string }> {
  if (!existsSync(path.join(settings.productDir, 'dist/main.js'))) throw new Error(`${settings.productDir}/dist/main.js is missing: run \`npm run build\` (npm run bench does it first)`);
  const id = randomBytes(4).toString('hex');
  const prefix = `bench${id}:`;
  const schema = `bench_hops_${id}`;
  const token = randomBytes(24).toString('hex');
  const port = await freePort();
  const admin = createPostgresDb({ url: settings.databaseUrl, max: 1 });
  await admin.query(`CREATE SCHEMA ${schema}`);
  const logFile = path.join(os.tmpdir(), `ussd-bench-product-${id}.log`);
  const log = openSync(logFile, 'w');
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH ?? '',
    NODE_ENV: 'production',
    PORT: String(port),
    LOG_LEVEL: 'info',
    REDIS_URL: settings.redisUrl,
    REDIS_KEY_PREFIX: prefix,
    DATABASE_URL: schemaUrl(settings.databaseUrl, schema),
    REGIDESO_BASE_URL: regidesoUrl,
    REGIDESO_API_KEY: REGIDESO_KEY,
    REGIDESO_OPERATOR: 'BENCH',
    WEBHOOK_TOKEN: token,
    // Production refuses to start without one; the bench does not read /metrics.
    METRICS_TOKEN: randomBytes(24).toString('hex'),
    COLLECTION: 'none',
    SMS_TRANSPORT: 'outbox',
  };
  const nodeArgs = settings.profileDir === undefined ? [] : ['--cpu-prof', '--cpu-prof-interval', '200', '--cpu-prof-dir', path.join(settings.profileDir, 'product')];
  const child = spawn(process.execPath, [...nodeArgs, 'dist/main.js'], { cwd: settings.productDir, env, stdio: ['ignore', log, log] });
  closeSync(log);
  const cleanup = async () => {
    await stopProcess(child);
    await deletePrefix(prefix, new Redis(settings.redisUrl, { maxRetriesPerRequest: 1 }));
    await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await admin.close();
  };
  try {
    const deadline = Date.now() + 60_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`the product exited at start-up (code ${child.exitCode}); its log: ${logFile}`);
      if (Date.now() > deadline) throw new Error(`the product was not ready within 60 s; its log: ${logFile}`);
      const res = await fetch(`http://127.0.0.1:${port}/readyz`).catch(() => undefined);
      if (res?.status === 200) break;
      await new Promise((r) => setTimeout(r, 200));
    }
  } catch (err) {
    await cleanup();
    throw err;
  }
  if (child.pid === undefined) throw new Error('the product process did not start');
  return { role: 'product', pid: child.pid, port, ussdPath: `/${token}/ussd`, prefix, logFile, stop: cleanup };
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

function journeyRequests(role: Role, ussdPath: string, tally: Tally, identity: () => { sessionId: string; phoneNumber: string }, hopSeen: { index: number }): autocannon.Request[] {
  return JOURNEY.map((text, i) => ({
    method: 'POST',
    path: ussdPath,
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
  /** CPU time (µs) the server process, and the sandbox REGIDESO, spent during the measured load. */
  serverCpuUs: number;
  regidesoCpuUs: number;
  /** Redis's CPU time (INFO cpu) over the same turn: the scripts a server sends cost there too. */
  redisCpuUs: number;
  /** The commands Redis ran over the same turn (a script's own commands count, besides the script). */
  redisCalls: number;
}

/**
 * Redis so far, in one INFO: its own CPU time (user + system, µs; Redis may run anywhere), and the
 * commands it has run by its commandstats, which count each command a script runs as well as the
 * script (unlike CPU time, the same for every run of the same build).
 */
async function redisSoFar(redis: Redis): Promise<{ cpuUs: number; calls: number }> {
  const info = await redis.info('cpu', 'commandstats');
  const read = (field: string) => Number(new RegExp(`^${field}:([\\d.]+)`, 'm').exec(info)?.[1] ?? Number.NaN);
  let calls = 0;
  for (const m of info.matchAll(/calls=(\d+)/g)) calls += Number(m[1]);
  return { cpuUs: (read('used_cpu_user') + read('used_cpu_sys')) * 1e6, calls };
}

async function drive(
  server: Server,
  regidesoPid: number,
  redis: Redis,
  connections: number,
  durationS: number,
  identity: () => { sessionId: string; phoneNumber: string },
): Promise<Measured> {
  const tally = newTally();
  const hopSeen = { index: 0 };
  const cpuBefore = [cpuTimeUs(server.pid), cpuTimeUs(regidesoPid)];
  const redisBefore = await redisSoFar(redis);
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(
      {
        url: `http://127.0.0.1:${server.port}`,
        connections,
        duration: durationS,
        timeout: 15,
        requests: journeyRequests(server.role, server.ussdPath, tally, identity, hopSeen),
      },
      (err: unknown, res: autocannon.Result) => (err ? reject(err instanceof Error ? err : new Error(String(err))) : resolve(res)),
    );
    instance.on('response', (_client, _status, _bytes, responseTime) => {
      tally.answered += 1;
      tally.latencies[hopSeen.index]?.push(responseTime);
    });
  });
  const redisAfter = await redisSoFar(redis);
  return {
    role: server.role,
    durationS: result.duration,
    tally,
    connErrors: result.errors,
    timeouts: result.timeouts,
    serverCpuUs: cpuTimeUs(server.pid) - (cpuBefore[0] ?? 0),
    regidesoCpuUs: cpuTimeUs(regidesoPid) - (cpuBefore[1] ?? 0),
    redisCpuUs: redisAfter.cpuUs - redisBefore.cpuUs,
    redisCalls: redisAfter.calls - redisBefore.calls,
  };
}

/** Two turns of one server's load as one measurement. */
function mergeMeasured(a: Measured, b: Measured): Measured {
  const badSamples = new Map(a.tally.badSamples);
  for (const [k, n] of b.tally.badSamples) badSamples.set(k, (badSamples.get(k) ?? 0) + n);
  return {
    role: a.role,
    durationS: a.durationS + b.durationS,
    tally: {
      latencies: a.tally.latencies.map((l, i) => l.concat(b.tally.latencies[i] ?? [])),
      answered: a.tally.answered + b.tally.answered,
      journeys: a.tally.journeys + b.tally.journeys,
      badAnswers: a.tally.badAnswers + b.tally.badAnswers,
      badSamples,
    },
    connErrors: a.connErrors + b.connErrors,
    timeouts: a.timeouts + b.timeouts,
    serverCpuUs: a.serverCpuUs + b.serverCpuUs,
    regidesoCpuUs: a.regidesoCpuUs + b.regidesoCpuUs,
    redisCpuUs: a.redisCpuUs + b.redisCpuUs,
    redisCalls: a.redisCalls + b.redisCalls,
  };
}

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}

function sortedOf(values: number[]): Float64Array {
  return Float64Array.from(values).sort();
}

interface Summary {
  role: Role;
  label: string;
  hopsPerS: number;
  journeysPerS: number;
  p50: number;
  p99: number;
  errors: number;
  errorRate: number;
  /** The server process's CPU time per hop answered during the measured load (/proc). */
  cpuUs: number;
  /** The sandbox REGIDESO's, per hop of that server. */
  regidesoCpuUs: number;
  /** Redis's, per hop of that server. */
  redisCpuUs: number;
  /** Redis commands per journey (four hops). */
  redisCallsPerWalk: number;
}

function summarize(m: Measured): Summary {
  const all = sortedOf(m.tally.latencies.flat());
  const errors = m.tally.badAnswers + m.connErrors;
  const attempts = m.tally.answered + m.connErrors;
  const perHop = (us: number) => (m.tally.answered === 0 ? Number.NaN : us / m.tally.answered);
  return {
    role: m.role,
    label: LABEL[m.role],
    hopsPerS: m.tally.answered / m.durationS,
    journeysPerS: m.tally.journeys / m.durationS,
    p50: percentile(all, 50),
    p99: percentile(all, 99),
    errors,
    errorRate: attempts === 0 ? 1 : errors / attempts,
    cpuUs: perHop(m.serverCpuUs),
    regidesoCpuUs: perHop(m.regidesoCpuUs),
    redisCpuUs: perHop(m.redisCpuUs),
    redisCallsPerWalk: m.tally.journeys === 0 ? Number.NaN : m.redisCalls / m.tally.journeys,
  };
}

const fmt = (n: number, digits = 2): string => (Number.isFinite(n) ? n.toFixed(digits) : 'n/a');

function printTable(rows: Summary[]): void {
  console.log(`${'server'.padEnd(32)}${'hops/s'.padStart(10)}${'journeys/s'.padStart(12)}${'p50 ms'.padStart(9)}${'p99 ms'.padStart(9)}${'CPU µs/hop'.padStart(12)}${'REGIDESO µs'.padStart(13)}${'Redis µs'.padStart(10)}${'Redis cmds/walk'.padStart(17)}   errors`);
  for (const r of rows) {
    console.log(
      `${r.label.padEnd(32)}${fmt(r.hopsPerS, 1).padStart(10)}${fmt(r.journeysPerS, 1).padStart(12)}${fmt(r.p50).padStart(9)}${fmt(r.p99).padStart(9)}${fmt(r.cpuUs, 0).padStart(12)}${fmt(r.regidesoCpuUs, 0).padStart(13)}${fmt(r.redisCpuUs, 0).padStart(10)}${fmt(r.redisCallsPerWalk, 1).padStart(17)}   ${r.errors} (${fmt(r.errorRate * 100)} %)`,
    );
  }
}

function printRatios(rows: Summary[]): void {
  const line = (a: Summary, b: Summary) =>
    console.log(
      `${`${a.role} / ${b.label}`.padEnd(32)}${`${fmt(a.hopsPerS / b.hopsPerS, 2)}×`.padStart(10)}${''.padStart(12)}${`${fmt(a.p50 / b.p50, 2)}×`.padStart(9)}${`${fmt(a.p99 / b.p99, 2)}×`.padStart(9)}${`${fmt(a.cpuUs / b.cpuUs, 2)}×`.padStart(12)}${''.padStart(13)}${b.redisCpuUs > 0 ? `${fmt(a.redisCpuUs / b.redisCpuUs, 2)}×`.padStart(10) : ''}`,
    );
  const prod = rows.find((r) => r.role === 'product');
  if (prod !== undefined) for (const other of rows) if (other !== prod) line(prod, other);
  // The floor against the library: what the protocol alone leaves of the hops/s target.
  const floor = rows.find((r) => r.role === 'protocol');
  const umb = rows.find((r) => r.role === 'umb');
  if (floor !== undefined && umb !== undefined) line(floor, umb);
}

/**
 * The ratios turn by turn (the product's turn against the other server's in the same round, a few
 * seconds apart): on a machine whose speed drifts (a shared host), one slow stretch moves the
 * totals' ratios, while the median of the turns' ratios holds. Printed beside the totals, not
 * instead of them.
 */
function printTurnRatios(turns: Map<Role, Measured[]>): void {
  const prod = turns.get('product');
  if (prod === undefined || prod.length < 3) return;
  const median = (xs: number[]) => {
    const s = [...xs].sort((a, b) => a - b);
    return s[Math.floor(s.length / 2)] ?? Number.NaN;
  };
  const spread = (xs: number[]) => `${fmt(median(xs))}× (${fmt(Math.min(...xs))}–${fmt(Math.max(...xs))})`;
  console.log(`\nturn by turn, the median of ${prod.length} turns' ratios (lowest–highest):`);
  for (const [role, others] of turns) {
    if (role === 'product') continue;
    const rows = prod.map((p, i) => [summarize(p), summarize(others[i] as Measured)] as const);
    const hops = rows.map(([p, o]) => p.hopsPerS / o.hopsPerS);
    const p99 = rows.map(([p, o]) => p.p99 / o.p99);
    const cpu = rows.map(([p, o]) => p.cpuUs / o.cpuUs);
    console.log(`  product / ${LABEL[role]}: hops/s ${spread(hops)}, p99 ${spread(p99)}, CPU per hop ${spread(cpu)}`);
  }
}

function printTargets(rows: Summary[], sessionBytes: number | undefined): void {
  const prod = rows.find((r) => r.role === 'product');
  const minimal = rows.find((r) => r.role === 'minimal');
  const umb = rows.find((r) => r.role === 'umb');
  if (prod === undefined || minimal === undefined || umb === undefined) return;
  const check = (what: string, value: number, target: number, atMost: boolean, unit = '×') =>
    console.log(`  ${what.padEnd(44)}${`${fmt(value, 2)}${unit}`.padStart(10)}   target ${atMost ? '≤' : '≥'} ${target}${unit}   ${(atMost ? value <= target : value >= target) ? 'met' : 'MISSED'}`);
  console.log('targets (issue 20):');
  check('hops/s vs minimal Redis', prod.hopsPerS / minimal.hopsPerS, TARGETS.hopsVsMinimal, false);
  check('hops/s vs ussd-menu-builder', prod.hopsPerS / umb.hopsPerS, TARGETS.hopsVsUmb, false);
  check('p99 vs minimal Redis', prod.p99 / minimal.p99, TARGETS.p99VsMinimal, true);
  check('CPU per hop vs minimal Redis', prod.cpuUs / minimal.cpuUs, TARGETS.cpuVsMinimal, true);
  if (sessionBytes !== undefined) check('Redis per session at the bills screen', sessionBytes, TARGETS.sessionBytes, true, ' B');
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
async function sessionMemory(server: Server, redisUrl: string): Promise<{ session: number; phone: number; answer: string }> {
  // Shaped as Africa's Talking's ids, whose length counts in the key.
  const sessionId = `ATUid_${randomBytes(16).toString('hex')}`;
  const phoneNumber = '+243899000009';
  let answer = '';
  for (const text of NINE_BILLS) {
    const res = await fetch(`http://127.0.0.1:${server.port}${server.ussdPath}`, {
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
    const s = sessionKeys(server.prefix, sessionId);
    const p = phoneKeys(server.prefix, phoneNumber);
    return { session: await usage([s.record, s.lease, s.wait]), phone: await usage([p.prefs, p.rate]), answer };
  } finally {
    redis.disconnect();
  }
}

async function runParent(settings: Settings): Promise<number> {
  const cpus = os.cpus();
  console.log('ussd-hops: dial → pay → reference → province → bills, 4 hops a session, a fresh session and phone each time');
  console.log(`machine:  ${cpus.length} × ${cpus[0]?.model.trim() ?? 'unknown cpu'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, node ${process.version}, ${process.platform} ${process.arch}, load ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  const rounds = settings.rounds === 1 ? '' : ` in ${settings.rounds} turns of ${settings.durationS} s`;
  console.log(`settings: ${settings.connections} connections, ${settings.durationS * settings.rounds} s measured${rounds} (+${settings.warmupS} s warm-up) per server, Redis ${settings.redisUrl}`);
  console.log('          each server, the sandbox REGIDESO (over HTTP) and this load generator in processes of their own;');
  console.log('          the product is `node dist/main.js`, NODE_ENV=production, LOG_LEVEL=info, PostgreSQL ledger, webhook token, COLLECTION=none\n');

  const identity = createIdentities();
  const measured = new Map<Role, Measured>();
  /** Each turn's measurement apart, by server: the per-turn ratios compare turns run one after the other. */
  const turns = new Map<Role, Measured[]>();
  /** Hops each server answered in all (warm-up included): a profile's samples are per these. */
  const served = new Map<Role, number>();
  const regideso = await startRegideso();
  let memory: { session: number; phone: number; answer: string } | undefined;
  let productLog: string | undefined;
  // Every server runs from the start to the end: the rounds take turns between them.
  const servers = new Map<Role, Server>();
  const redis = new Redis(settings.redisUrl, { maxRetriesPerRequest: 1 });
  try {
    for (const role of settings.roles) {
      const server = role === 'product' ? await startProduct(settings, regideso.baseUrl) : await startOther(role, settings, regideso.baseUrl);
      servers.set(role, server);
      if ('logFile' in server && typeof server.logFile === 'string') productLog = server.logFile;
    }
    for (const [role, server] of servers) {
      const warm = settings.warmupS > 0 ? (await drive(server, regideso.pid, redis, settings.connections, settings.warmupS, identity)).tally.answered : 0;
      served.set(role, warm);
    }
    for (let round = 0; round < settings.rounds; round++) {
      for (const [role, server] of servers) {
        const m = await drive(server, regideso.pid, redis, settings.connections, settings.durationS, identity);
        const before = measured.get(role);
        measured.set(role, before === undefined ? m : mergeMeasured(before, m));
        turns.set(role, [...(turns.get(role) ?? []), m]);
        served.set(role, (served.get(role) ?? 0) + m.tally.answered);
      }
    }
    const product = servers.get('product');
    if (product !== undefined) {
      memory = await sessionMemory(product, settings.redisUrl);
      served.set('product', (served.get('product') ?? 0) + NINE_BILLS.length);
    }
  } finally {
    await Promise.all([...servers.values()].map((s) => s.stop()));
    await regideso.stop();
    redis.disconnect();
  }

  const rows = settings.roles.map((role) => summarize(measured.get(role) as Measured));
  printTable(rows);
  printRatios(rows);
  printTurnRatios(turns);
  console.log('');
  const product = measured.get('product');
  if (product !== undefined) printPerHop(product);
  if (memory !== undefined) {
    const shown = memory.answer.split('\n')[0] ?? '';
    console.log(`\nRedis MEMORY USAGE, one product session at the bills screen of 62190 (9 unpaid bills, "${shown}"):`);
    console.log(`  session keys ${memory.session} bytes; the phone's keys (preferences, rate count) ${memory.phone} bytes`);
  }
  console.log('');
  printTargets(rows, memory?.session);
  if (productLog !== undefined) console.log(`\nthe product's log: ${productLog}`);
  if (settings.profileDir !== undefined) {
    console.log(`CPU profiles (.cpuprofile), one folder per server under ${settings.profileDir}; read one with`);
    for (const role of settings.roles) console.log(`  npx tsx bench/profile-top.ts ${path.join(settings.profileDir, role)}/*.cpuprofile --hops ${served.get(role) ?? 0}`);
  }
  for (const role of settings.roles) printBad(LABEL[role], measured.get(role) as Measured);

  const prod = rows.find((r) => r.role === 'product');
  if (prod !== undefined && (prod.hopsPerS === 0 || prod.errorRate > 0.01)) {
    console.error(`\nFAIL: product error rate ${fmt(prod.errorRate * 100)} % (limit 1 %)`);
    return 1;
  }
  return 0;
}

async function main(): Promise<void> {
  const { settings, serve: role, regideso } = parseCli(process.argv.slice(2));
  if (role !== undefined) {
    await serve(role, settings, regideso);
    return;
  }
  // Bounded even if a server hangs on the way down (the product drains 5 s on SIGTERM).
  const budgetMs = settings.roles.length * ((settings.durationS * settings.rounds + settings.warmupS) * 1000 + 30_000) + 120_000;
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
