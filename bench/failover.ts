import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Queue } from 'bullmq';
import { Cluster } from 'ioredis';
import { z } from 'zod';
import { startSandboxWallet, type RunningSandboxWallet } from '../src/collections/sandbox/server';
import { createPostgresDb } from '../src/db/postgres';
import type { Db } from '../src/db/types';
import { queuePrefix } from '../src/jobs/bullmq-runner';
import { startSandbox, type RunningSandbox } from '../src/regideso/sandbox/server';
import { schemaUrl } from '../test/support/db';
import { spawnProduct, type ProductProcess } from '../test/support/product-process';
import { startOwnCluster, type OwnCluster } from '../test/support/redis-cluster';

/**
 * `npm run bench:failover [-- --runs 3 --kill queue|other --collection pawapay|none --node-timeout 5000 --subscribers 6 --before 10 --after 30 --think 300 --drain 300]`
 *
 * A master of a Redis Cluster is killed (SIGKILL) during a stream of USSD hops and payments, and
 * its replica takes over. Two product instances (real processes, main.ts) share the cluster, one
 * PostgreSQL ledger (a schema of the run's own), the sandbox REGIDESO and the sandbox wallet
 * (COLLECTION=pawapay; `--collection none`: the operator collects upstream and the confirm hop
 * waits up to 2 s for PayFact), as in production behind a load balancer; each hop of a session goes to the
 * other instance than the hop before. Each subscriber pays 100 CDF, then looks at the bills and hangs
 * up, again and again, with `--think` ms between a screen and the next input.
 *
 * `--kill queue` kills the master holding BullMQ's slot (`{<prefix>q}`: every queue, the worst
 * case); `--kill other` one that does not (sessions and rate counts only). The cluster is the
 * run's own (three masters, three replicas, `appendonly yes`, `maxmemory-policy noeviction`,
 * `cluster-node-timeout` from --node-timeout), started and stopped here.
 *
 * Counted: hops answered with an error screen (an END that is not the payment's), hops the gateway
 * would have lost (no 200 CON/END within 10 s), how long after the kill the slot was served again,
 * and after the load stops and every payment has finished: payments promised ("Approuvez…") and
 * not completed (lost), PayFacts and completed deposits beyond one per payment (doubled), payments
 * whose receipt was not sent exactly once. Exits 1 when any payment is lost or doubled.
 */

const args = parseArgs({
  options: {
    runs: { type: 'string', default: '1' },
    kill: { type: 'string', default: 'queue' },
    'node-timeout': { type: 'string', default: '5000' },
    subscribers: { type: 'string', default: '6' },
    before: { type: 'string', default: '10' },
    after: { type: 'string', default: '30' },
    think: { type: 'string', default: '300' },
    database: { type: 'string', default: 'postgres://root@127.0.0.1:5432/test' },
    drain: { type: 'string', default: '300' },
    collection: { type: 'string', default: 'pawapay' },
  },
});
const settings = z
  .object({
    runs: z.coerce.number().int().min(1).max(20),
    kill: z.enum(['queue', 'other']),
    nodeTimeoutMs: z.coerce.number().int().min(500).max(60_000),
    subscribers: z.coerce.number().int().min(1).max(64),
    beforeS: z.coerce.number().min(1).max(600),
    afterS: z.coerce.number().min(1).max(600),
    thinkMs: z.coerce.number().int().min(0).max(10_000),
    database: z.string().regex(/^postgres(ql)?:\/\//),
    drainS: z.coerce.number().int().min(10).max(3600),
    collection: z.enum(['pawapay', 'none']),
  })
  .parse({
    runs: args.values.runs,
    kill: args.values.kill,
    nodeTimeoutMs: args.values['node-timeout'],
    subscribers: args.values.subscribers,
    beforeS: args.values.before,
    afterS: args.values.after,
    thinkMs: args.values.think,
    database: args.values.database,
    drainS: args.values.drain,
    collection: args.values.collection,
  });

const PAY_100 = ['', '1', '1*83262', '1*83262*1', '1*83262*1*2', '1*83262*1*2*2', '1*83262*1*2*2*100', '1*83262*1*2*2*100*2'];
/** A look at the bills, then the subscriber hangs up: every other session. */
const BROWSE = PAY_100.slice(0, 4);
/**
 * What a confirm answers once the payment is in the ledger: with the wallet, the PIN prompt; when the
 * operator collects upstream (--collection none), paid, in progress or recorded (the hop waits up
 * to 2 s for PayFact).
 */
const PROMISED = settings.collection === 'pawapay' ? /^END Approuvez le paiement de 100 CDF/ : /^END Paiement de 100 CDF (réussi|en cours|enregistré)/;
/**
 * What a confirm answers while another subscriber's payment of the same account is open (every
 * subscriber here pays 83262): nothing started, not an error, not a promise.
 */
const UNDER_WAY = /^END Un paiement de 100 CDF pour cette référence est déjà en cours/;
/** Africa's Talking waits about 10 s for an answer. */
const GATEWAY_MS = 10_000;
const FINAL = ['succeeded', 'reconciled', 'failed', 'refunded', 'refund_failed', 'partial'];

interface Hop {
  at: number;
  ms: number;
  kind: 'ok' | 'error-screen' | 'lost';
  detail?: string;
  /** A confirm told another payment of the account is under way. */
  underWay?: boolean;
}

interface RunResult {
  failoverMs: number;
  hops: Hop[];
  killAt: number;
  promised: string[];
  confirmErrors: string[];
  tally: Tally;
  drainMs: number;
}

interface Tally {
  intents: number;
  /** Final status of the promised payments that did not complete (a refusal is not a loss). */
  promisedOther: Record<string, number>;
  completed: number;
  lost: number;
  notFinal: number;
  paidDespiteError: number;
  payFactsExtra: number;
  depositsExtra: number;
  receiptsNotOnce: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function hop(p: ProductProcess, sessionId: string, phoneNumber: string, text: string, last: boolean): Promise<Hop> {
  const at = Date.now();
  try {
    const res = await fetch(`${p.baseUrl}/ussd`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ sessionId, serviceCode: '*123#', phoneNumber, networkCode: '63001', text }).toString(),
      signal: AbortSignal.timeout(GATEWAY_MS),
    });
    const body = await res.text();
    const ms = Date.now() - at;
    if (res.status !== 200 || !/^(CON|END) /.test(body)) return { at, ms, kind: 'lost', detail: `${res.status} ${body.slice(0, 60)}` };
    if (last && UNDER_WAY.test(body)) return { at, ms, kind: 'ok', underWay: true };
    const expected = last ? PROMISED.test(body) : body.startsWith('CON ');
    return expected ? { at, ms, kind: 'ok' } : { at, ms, kind: 'error-screen', detail: body.slice(0, 80) };
  } catch (err) {
    return { at, ms: Date.now() - at, kind: 'lost', detail: err instanceof Error ? err.message : String(err) };
  }
}

async function until<T>(check: () => Promise<T | undefined>, ms: number): Promise<T | undefined> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    const v = await check().catch(() => undefined);
    if (v !== undefined) return v;
    await sleep(500);
  }
  return undefined;
}

async function tally(ledger: Db, regideso: RunningSandbox, wallet: RunningSandboxWallet, promised: string[], confirmErrors: string[]): Promise<Tally> {
  const intents = (await ledger.query<{ id: string; session_id: string; status: string; num_acquit: string | null; deposit_id: string | null }>('SELECT id, session_id, status, num_acquit, deposit_id FROM payment_intents')).rows;
  const bySession = new Map(intents.map((i) => [i.session_id, i]));
  const completed = intents.filter((i) => i.status === 'succeeded' || i.status === 'reconciled');
  // Lost: promised, and then nothing: no intent, or one that never reached a final state. A payment
  // refused later (and its debit refunded) has been told so by SMS: counted apart.
  const lost = promised.filter((s) => {
    const it = bySession.get(s);
    return it === undefined || !FINAL.includes(it.status);
  }).length;
  const receipts = (await ledger.query<{ intent_id: string; n: number }>(`SELECT intent_id, count(*)::int AS n FROM sms_messages WHERE kind = 'receipt' AND status = 'sent' GROUP BY intent_id`)).rows;
  const receiptCount = new Map(receipts.map((r) => [r.intent_id, r.n]));
  const depositIds = new Set(intents.map((i) => i.deposit_id).filter((d): d is string => d !== null));
  const completedDeposits = wallet.deposits().filter((d) => d.status === 'COMPLETED');
  const promisedOther: Record<string, number> = {};
  for (const s of promised) {
    const status = bySession.get(s)?.status ?? 'missing';
    if (status !== 'succeeded' && status !== 'reconciled') promisedOther[status] = (promisedOther[status] ?? 0) + 1;
  }
  return {
    intents: intents.length,
    promisedOther,
    completed: completed.length,
    lost,
    notFinal: intents.filter((i) => !FINAL.includes(i.status)).length,
    paidDespiteError: confirmErrors.filter((s) => completed.some((i) => i.session_id === s)).length,
    // Every PayFact REGIDESO applied beyond one per completed payment, and every debit beyond one per payment.
    payFactsExtra: regideso.payments().length - completed.length,
    depositsExtra: completedDeposits.length - completedDeposits.filter((d) => depositIds.has(d.depositId)).length + (completedDeposits.length - new Set(completedDeposits.map((d) => d.depositId)).size),
    receiptsNotOnce: completed.filter((i) => receiptCount.get(i.id) !== 1).length,
  };
}

async function queuesEmpty(seeds: string, prefix: string): Promise<boolean> {
  const conn = new Cluster(seeds.split(',').map((s) => ({ host: s.split(':')[0] ?? '127.0.0.1', port: Number(s.split(':')[1]) })));
  const queues = ['payments', 'sms', 'sms-inbound'].map((name) => new Queue(name, { connection: conn, prefix: queuePrefix(prefix) }));
  try {
    for (const q of queues) {
      const counts = await q.getJobCounts('active', 'wait', 'delayed', 'prioritized', 'waiting-children');
      if (Object.values(counts).some((n) => n > 0)) return false;
    }
    return true;
  } finally {
    await Promise.all(queues.map((q) => q.close()));
    conn.disconnect();
  }
}

async function oneRun(n: number): Promise<RunResult> {
  const prefix = `fo${randomBytes(3).toString('hex')}:`;
  const schema = `bench_failover_${randomBytes(4).toString('hex')}`;
  const cluster: OwnCluster = await startOwnCluster({ nodeTimeoutMs: settings.nodeTimeoutMs, persistent: true });
  const regideso = await startSandbox();
  const wallet = await startSandboxWallet({});
  const admin = createPostgresDb({ url: settings.database, max: 1 });
  await admin.query(`CREATE SCHEMA ${schema}`);
  const ledger = createPostgresDb({ url: settings.database, schema, max: 2 });
  const env = {
    LOG_LEVEL: 'warn',
    REDIS_CLUSTER_NODES: cluster.seeds,
    REDIS_KEY_PREFIX: prefix,
    DATABASE_URL: schemaUrl(settings.database, schema),
    REGIDESO_BASE_URL: regideso.baseUrl,
    REGIDESO_API_KEY: regideso.apiKey,
    REGIDESO_OPERATOR: 'BENCH',
    ...(settings.collection === 'pawapay' ? { COLLECTION: 'pawapay', PAWAPAY_BASE_URL: wallet.baseUrl, PAWAPAY_API_TOKEN: wallet.apiToken } : { COLLECTION: 'none' }),
    SMS_TRANSPORT: 'outbox',
  };
  const instances = await Promise.all([spawnProduct(env), spawnProduct(env)]);
  try {
    await Promise.all(instances.map((p) => p.ready()));
    wallet.setCallbackUrls({ deposit: `${instances[0]?.baseUrl}/collections/pawapay/deposits` });

    const hops: Hop[] = [];
    const promised: string[] = [];
    const confirmErrors: string[] = [];
    const started = Date.now();
    const stopAt = started + (settings.beforeS + settings.afterS) * 1000;
    let phoneSeq = 0;
    const subscriber = async (k: number) => {
      for (let round = 0; Date.now() < stopAt; round++) {
        const walk = round % 2 === 0 ? PAY_100 : BROWSE;
        const session = `ATUid_fo${n}_${k}_${randomBytes(6).toString('hex')}`;
        // 9 digits after +243, ending in 90: the sandbox wallet approves it on its own.
        const phone = `+24381${String(phoneSeq++ % 100_000).padStart(5, '0')}90`;
        for (const [i, text] of walk.entries()) {
          const confirm = walk === PAY_100 && i === PAY_100.length - 1;
          const h = await hop(instances[(i + k) % 2] as ProductProcess, session, phone, text, confirm);
          hops.push(h);
          if (confirm && h.underWay !== true) (h.kind === 'ok' ? promised : confirmErrors).push(session);
          // The phone shows END (or the telco's failure): this subscriber dials again.
          if (h.kind !== 'ok') break;
          // A person reads the screen and types.
          await sleep(settings.thinkMs);
        }
      }
    };
    const load = Promise.all(Array.from({ length: settings.subscribers }, (_, k) => subscriber(k)));

    await sleep(settings.beforeS * 1000);
    const queueMaster = await cluster.masterOf(`{${prefix}q}`);
    const victim = settings.kill === 'queue' ? queueMaster : await otherMaster(cluster, queueMaster);
    const victimKey = settings.kill === 'queue' ? `{${prefix}q}` : await keyServedBy(cluster, victim);
    const killAt = Date.now();
    await cluster.kill9(victim);
    await cluster.servedAgain(victimKey);
    const failoverMs = Date.now() - killAt;
    await load;

    const drainStart = Date.now();
    await until(async () => {
      const open = await ledger.query<{ n: number }>(`SELECT count(*)::int AS n FROM payment_intents WHERE status NOT IN (${FINAL.map((s) => `'${s}'`).join(',')})`);
      const unsent = await ledger.query<{ n: number }>(`SELECT count(*)::int AS n FROM sms_messages WHERE status = 'queued'`);
      return open.rows[0]?.n === 0 && unsent.rows[0]?.n === 0 && (await queuesEmpty(cluster.seeds, prefix)) ? true : undefined;
    }, settings.drainS * 1000);
    const drainMs = Date.now() - drainStart;
    const diagnosis = await diagnose(ledger, cluster.seeds, prefix);
    const result = { failoverMs, hops, killAt, promised, confirmErrors, tally: await tally(ledger, regideso, wallet, promised, confirmErrors), drainMs };
    const logFile = path.join(tmpdir(), `rgd-failover-${prefix.slice(0, -1)}-run${n}.log`);
    writeFileSync(logFile, [diagnosis, ...instances.map((p, i) => `--- instance ${i}\n${p.output()}`)].join('\n'));
    console.log(`run ${n}: instance logs in ${logFile}`);
    return result;
  } finally {
    await Promise.all(instances.map((p) => p.stop()));
    await cluster.stop();
    await regideso.close();
    await wallet.close();
    await ledger.close();
    await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await admin.close();
  }
}

/** What is still open at the end, and where its job is: for the log file when something is stuck. */
async function diagnose(ledger: Db, seeds: string, prefix: string): Promise<string> {
  const open = (await ledger.query<{ id: string; status: string; holds_account: boolean; next_check_at: Date }>(`SELECT id, status, holds_account, next_check_at FROM payment_intents WHERE status NOT IN (${FINAL.map((s) => `'${s}'`).join(',')}) ORDER BY created_at`)).rows;
  const conn = new Cluster(seeds.split(',').map((s) => ({ host: s.split(':')[0] ?? '127.0.0.1', port: Number(s.split(':')[1]) })));
  const queue = new Queue('payments', { connection: conn, prefix: queuePrefix(prefix) });
  try {
    const lines = [`--- open payments at the end: ${open.length}; payments queue ${JSON.stringify(await queue.getJobCounts())}`];
    for (const it of open.slice(0, 20)) {
      const job = await queue.getJob(it.id);
      lines.push(`${it.id} ${it.status} holds_account=${it.holds_account} next_check_at=${it.next_check_at.toISOString()} job=${job === undefined ? 'none' : `${await job.getState()} by ${job.processedBy ?? '-'} attempts ${job.attemptsMade}`}`);
    }
    return lines.join('\n');
  } finally {
    await queue.close();
    conn.disconnect();
  }
}

/** A master other than `not`: the one serving some key whose slot is not `not`'s. */
async function otherMaster(cluster: OwnCluster, not: number): Promise<number> {
  for (let i = 0; i < 100; i++) {
    const port = await cluster.masterOf(`probe:{${i}}`);
    if (port !== not) return port;
  }
  throw new Error('no other master');
}

async function keyServedBy(cluster: OwnCluster, port: number): Promise<string> {
  for (let i = 0; i < 100; i++) if ((await cluster.masterOf(`probe:{${i}}`)) === port) return `probe:{${i}}`;
  throw new Error(`no key served by ${port}`);
}

function report(n: number, r: RunResult): string[] {
  const during = r.hops.filter((h) => h.at >= r.killAt);
  const errors = r.hops.filter((h) => h.kind !== 'ok');
  const lastError = errors.at(-1);
  const kinds = new Map<string, number>();
  for (const h of errors) kinds.set(h.detail ?? h.kind, (kinds.get(h.detail ?? h.kind) ?? 0) + 1);
  const lines = [
    `run ${n}: kill -9 of the ${settings.kill === 'queue' ? "master holding BullMQ's slot" : 'master not holding the queues'}; its slots served again after ${(r.failoverMs / 1000).toFixed(1)} s`,
    `  hops: ${r.hops.length} (${during.length} from the kill on); error screens ${r.hops.filter((h) => h.kind === 'error-screen').length}, lost at the gateway ${r.hops.filter((h) => h.kind === 'lost').length}; last error ${lastError === undefined ? '-' : `${((lastError.at - r.killAt) / 1000).toFixed(1)} s after the kill`}; slowest hop ${Math.max(...r.hops.map((h) => h.ms))} ms`,
    ...[...kinds].map(([k, c]) => `    ${c} × ${k.replace(/\n/g, ' ')}`),
    `  payments: ${r.promised.length} promised (${r.hops.filter((h) => h.underWay === true).length} confirms told another was under way), ${r.tally.completed} completed${Object.keys(r.tally.promisedOther).length > 0 ? ` (others: ${JSON.stringify(r.tally.promisedOther)})` : ''}, lost ${r.tally.lost}, PayFact doubled ${r.tally.payFactsExtra}, deposits doubled ${r.tally.depositsExtra}, receipts not sent once ${r.tally.receiptsNotOnce}, still open ${r.tally.notFinal}`,
    `  confirms answered with an error screen: ${r.confirmErrors.length} (of which paid anyway: ${r.tally.paidDespiteError}); everything finished ${(r.drainMs / 1000).toFixed(0)} s after the load stopped`,
  ];
  return lines;
}

async function main(): Promise<void> {
  console.log(`failover bench: ${settings.runs} run(s), --kill ${settings.kill}, --collection ${settings.collection}, cluster-node-timeout ${settings.nodeTimeoutMs} ms, ${settings.subscribers} subscribers, ${settings.beforeS} s before the kill, ${settings.afterS} s after`);
  let bad = false;
  const all: string[] = [];
  for (let n = 1; n <= settings.runs; n++) {
    const r = await oneRun(n);
    const lines = report(n, r);
    console.log(lines.join('\n'));
    all.push(...lines);
    if (r.tally.lost > 0 || r.tally.payFactsExtra > 0 || r.tally.depositsExtra > 0 || r.tally.notFinal > 0) bad = true;
  }
  if (settings.runs > 1) console.log(`\nsummary\n${all.join('\n')}`);
  process.exitCode = bad ? 1 : 0;
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
