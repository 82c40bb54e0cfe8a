import type { Logger } from '../logging/logger';
import type { Metrics } from '../metrics';
import { maskPhone } from '../logging/mask';
import type { RedisFactory } from '../redis';
import { closeConnection } from './connections';
import type { RegidesoClient } from '../regideso/types';
import type { SmsSender } from '../sms/transport';
import { createAccountLock } from './account-lock';
import { createBullmqRunner } from './bullmq-runner';
import { intentIdFor } from './ids';
import { createInProcessRunner } from './in-process-runner';
import { isSettled, newIntent, outcomeOf, toRecord, type Intent } from './intent';
import { createPaymentJob } from './job';
import { createPaymentMetrics } from './metrics';
import { refusalOf } from './rules';
import type { JobRunner, RetryPolicy } from './runner';
import { createIntentStore, type AuditEntry, type IntentStore } from './store';
import { createSweep, type SweepReport } from './sweep';
import type { ConfirmOutcome, PaymentRecord, PaymentRecords, PaymentRequest, PaymentService } from './types';

export interface PaymentServiceDeps {
  /** `inMemory` (the embedded default): jobs run in-process, since BullMQ needs a real Redis. */
  redis: RedisFactory;
  /** Key prefix, e.g. `rgd:`; the BullMQ queue prefix derived from it is hash-tagged. */
  prefix: string;
  regideso: RegidesoClient;
  sms: SmsSender;
  logger: Logger;
  /** REGIDESO_OPERATOR: kept on every record (the client sends it with PayFact). */
  operator: string;
  minCentimes: number;
  /** How long the confirm hop waits for the job before answering `pending`; default 2000. */
  confirmWaitMs?: number;
  recordTtlSeconds: number;
  now?: () => Date;
  /**
   * Unchanged balances are believed to mean "PayFact did not land" only this long after sending it;
   * default 90 s (longer than the usual server-side timeout, so a request REGIDESO still holds is
   * not paid again before it could land).
   */
  reconcileSettleMs?: number;
  /** Defaults: 10 attempts, 2 s doubling, 50 % jitter (retries over some 9 to 17 minutes). */
  retry?: Partial<RetryPolicy>;
  /** BullMQ worker tuning (tests shorten these to see a dead worker's job picked up). */
  worker?: { concurrency?: number; lockDurationMs?: number; stalledIntervalMs?: number; maxStalledCount?: number };
  /** Counters and the settle-time histogram go to this registry (metrics already there are reused). */
  metrics?: Metrics;
  /** The recovery sweep runs on start() and then this often; default 60 000. */
  sweepIntervalMs?: number;
  /** An open intent nobody has written for this long gets its job checked by the sweep (and an unresolved `uncertain` one reconciled); default 10 min. */
  staleAfterMs?: number;
  /**
   * One payment at a time per account. `waitMs`: fixed delay before a job whose account is busy
   * looks again (default 3 s, no attempt used); `maxWaits`: then a `pending` payment fails with
   * nothing sent (default 200, some 10 minutes); `ttlMs`: the lock's lifetime from its last
   * refresh (default: the whole retry span plus the sweep's delay before resolving).
   */
  accountLock?: { waitMs?: number; maxWaits?: number; ttlMs?: number };
}

export interface PaymentServiceHandle extends PaymentService, PaymentRecords {
  start(): Promise<void>;
  close(opts?: { force?: boolean }): Promise<void>;
  /** What happened to one payment, oldest first: for the operator and for tests. */
  auditTrail(intentId: string): Promise<AuditEntry[]>;
  /** Payments a person must look at (money landed without a receipt number, outcome unknown), newest first. */
  flagged(limit: number): Promise<PaymentRecord[]>;
  /** Runs the recovery sweep now (after any sweep in progress), as the timer does. */
  sweep(): Promise<SweepReport>;
}

const DEFAULT_RETRY: RetryPolicy = { attempts: 10, backoffMs: 2000, jitter: 0.5 };
const POLL_MS = 100;
const DEFAULT_SETTLE_MS = 90_000;
const DEFAULT_SWEEP_INTERVAL_MS = 60_000;
const DEFAULT_STALE_AFTER_MS = 10 * 60_000;
const DEFAULT_LOCK_WAIT_MS = 3000;
const DEFAULT_MAX_LOCK_WAITS = 200;
/** What one attempt may take at most (GetFact with its retry, PayFact up to its timeout, Redis). */
const ATTEMPT_BUDGET_MS = 2 * 60_000;

/**
 * How long the account lock must outlive its last refresh: until the job's last attempt (every
 * backoff at its longest, every attempt at its budget), and, for an intent given up as
 * `uncertain`, until the sweep resolves it (each resolution attempt refreshes it again).
 */
function defaultLockTtlMs(retry: RetryPolicy, settleMs: number, staleAfterMs: number, sweepIntervalMs: number): number {
  let backoffs = 0;
  for (let i = 1; i < retry.attempts; i++) backoffs += retry.backoffMs * 2 ** (i - 1);
  const span = backoffs + retry.attempts * ATTEMPT_BUDGET_MS + settleMs;
  return span + staleAfterMs + 2 * sweepIntervalMs;
}

export function createPaymentService(deps: PaymentServiceDeps): PaymentServiceHandle {
  const now = deps.now ?? (() => new Date());
  const waitMs = deps.confirmWaitMs ?? 2000;
  const retry: RetryPolicy = { ...DEFAULT_RETRY, ...deps.retry };
  const storeOpts = { prefix: deps.prefix, ttlSeconds: deps.recordTtlSeconds };
  const metrics = createPaymentMetrics(deps.metrics);

  // The hop's side fails fast when Redis is down; the job's side waits for Redis to come back.
  const hopConnection = deps.redis.connect('payments-hop', { failFast: true });
  const jobConnection = deps.redis.connect('payments-job');
  const hopStore = createIntentStore(hopConnection, storeOpts);
  const jobStore = createIntentStore(jobConnection, storeOpts);

  const settleMs = deps.reconcileSettleMs ?? DEFAULT_SETTLE_MS;
  const staleAfterMs = deps.staleAfterMs ?? DEFAULT_STALE_AFTER_MS;
  const sweepIntervalMs = deps.sweepIntervalMs ?? DEFAULT_SWEEP_INTERVAL_MS;
  const lockWaitMs = deps.accountLock?.waitMs ?? DEFAULT_LOCK_WAIT_MS;

  const job = createPaymentJob({
    store: jobStore,
    regideso: deps.regideso,
    sms: deps.sms,
    logger: deps.logger,
    now,
    settleMs,
    metrics,
    lock: createAccountLock(jobConnection, { prefix: deps.prefix }),
    lockTtlMs: deps.accountLock?.ttlMs ?? defaultLockTtlMs(retry, settleMs, staleAfterMs, sweepIntervalMs),
    maxLockWaits: deps.accountLock?.maxWaits ?? DEFAULT_MAX_LOCK_WAITS,
  });
  const runner: JobRunner = deps.redis.inMemory
    ? createInProcessRunner({ job, logger: deps.logger, retry, lockWaitMs })
    : createBullmqRunner({
        redis: deps.redis,
        prefix: deps.prefix,
        job,
        logger: deps.logger,
        retry,
        lockWaitMs,
        ...(deps.worker?.concurrency !== undefined ? { concurrency: deps.worker.concurrency } : {}),
        ...(deps.worker?.lockDurationMs !== undefined ? { lockDurationMs: deps.worker.lockDurationMs } : {}),
        ...(deps.worker?.stalledIntervalMs !== undefined ? { stalledIntervalMs: deps.worker.stalledIntervalMs } : {}),
        ...(deps.worker?.maxStalledCount !== undefined ? { maxStalledCount: deps.worker.maxStalledCount } : {}),
      });

  let closing: Promise<void> | undefined;
  let stopped = false;
  let sweepTimer: NodeJS.Timeout | undefined;
  let sweeping: Promise<unknown> = Promise.resolve();
  let sweepRunning = false;
  // The hop's fail-fast connection: a sweep against a dead Redis fails at once and the next one
  // tries again, rather than hanging (and holding up close()).
  const recovery = createSweep({
    store: hopStore,
    runner,
    logger: deps.logger,
    metrics,
    now,
    staleAfterMs,
    stopped: () => stopped,
  });

  /** One sweep at a time: `sweep()` waits for the one in progress, a timer tick skips. */
  function runSweep(): Promise<SweepReport> {
    const run = sweeping.then(async () => {
      sweepRunning = true;
      try {
        return await recovery.sweep();
      } finally {
        sweepRunning = false;
      }
    });
    sweeping = run.catch(() => undefined);
    return run;
  }

  function sweepInBackground(): void {
    if (stopped || sweepRunning) return;
    runSweep().then(
      (r) => {
        if (r.requeued + r.retried + r.resolving + r.errors > 0) deps.logger.info('payment sweep done', { ...r });
      },
      (err: unknown) => deps.logger.error('payment sweep failed', { err }),
    );
  }

  async function loadRecord(store: IntentStore, intentId: string): Promise<PaymentRecord | undefined> {
    const v = await store.load(intentId);
    return v === undefined ? undefined : toRecord(v.intent);
  }

  /** Polls the intent until the job settles it or the hop's budget runs out. */
  async function waitForSettled(intentId: string, deadline: number): Promise<Intent | undefined> {
    let last: Intent | undefined;
    for (;;) {
      try {
        last = (await hopStore.load(intentId))?.intent;
      } catch {
        return last;
      }
      if (last !== undefined && isSettled(last)) return last;
      const left = deadline - Date.now();
      if (left <= 0) return last;
      await new Promise((resolve) => setTimeout(resolve, Math.min(POLL_MS, left)));
    }
  }

  async function confirm(req: PaymentRequest): Promise<ConfirmOutcome> {
    const deadline = Date.now() + waitMs;
    const refusal = refusalOf(req, deps.minCentimes);
    if (refusal !== undefined) {
      deps.logger.info('payment refused before queueing', { sessionId: req.sessionId, phone: maskPhone(req.phoneNumber), reason: refusal.reason });
      return refusal;
    }
    const intentId = intentIdFor(req.sessionId);
    const log = { jobId: intentId, sessionId: req.sessionId, phone: maskPhone(req.phoneNumber) };
    let created: boolean;
    let current: Intent;
    try {
      created = await hopStore.create(newIntent(req, intentId, deps.operator, now()));
      const loaded = await hopStore.load(intentId);
      if (loaded === undefined) return { kind: 'failed', message: 'the payment could not be recorded' };
      current = loaded.intent;
    } catch (err) {
      deps.logger.error('payment intent not recorded (Redis unavailable?)', { ...log, err });
      return { kind: 'failed', message: 'the payment could not be recorded' };
    }
    if (!created) deps.logger.info('confirm replayed: same intent', { ...log, status: current.status });
    if (!isSettled(current)) {
      try {
        await runner.enqueue(intentId);
      } catch (err) {
        deps.logger.error('payment job not queued', { ...log, err });
        if (created) await markNotQueued(intentId);
        return { kind: 'failed', message: 'the payment could not be queued' };
      }
    }
    const settled = await waitForSettled(intentId, deadline);
    return outcomeOf(settled ?? current);
  }

  /** So a replayed confirm answers the same `failed` rather than queueing behind the subscriber's back. */
  async function markNotQueued(intentId: string): Promise<void> {
    try {
      const cur = await hopStore.load(intentId);
      if (cur === undefined || cur.intent.status !== 'pending') return;
      const next: Intent = { ...cur.intent, status: 'failed', failureMessage: 'not queued', receipt: { status: 'skipped', attempts: 0 }, updatedAt: now().toISOString() };
      if ((await hopStore.update(cur, next)) !== undefined) metrics.settled(next);
    } catch {
      // Redis is down: the intent stays pending and expires; no PayFact was sent for it.
    }
  }

  return {
    confirm,
    async start() {
      if (stopped) throw new Error('payment service is closed');
      await runner.start();
      if (sweepTimer !== undefined) return;
      sweepInBackground();
      sweepTimer = setInterval(sweepInBackground, sweepIntervalMs);
      // Never what keeps the process alive.
      sweepTimer.unref();
    },
    sweep: runSweep,
    close(opts) {
      closing ??= (async () => {
        stopped = true;
        if (sweepTimer !== undefined) clearInterval(sweepTimer);
        // A sweep stops between intents; the one it is on finishes before the runner closes.
        if (opts?.force !== true) await sweeping;
        await runner.close(opts);
        await Promise.all([hopConnection, jobConnection].map(closeConnection));
      })();
      return closing;
    },
    get: (intentId) => loadRecord(hopStore, intentId),
    async findByNumAcquit(numAcquit) {
      const intentId = await hopStore.byNumAcquit(numAcquit);
      const record = intentId === undefined ? undefined : await loadRecord(hopStore, intentId);
      // The index is written just before the record: until then (or if that write lost a race) it does not count.
      return record?.numAcquit === numAcquit ? record : undefined;
    },
    async recentByPhone(phoneNumber, limit) {
      const ids = await hopStore.byPhone(phoneNumber, limit);
      const records = await Promise.all(ids.map((id) => loadRecord(hopStore, id)));
      return records.filter((r): r is PaymentRecord => r !== undefined);
    },
    auditTrail: (intentId) => hopStore.auditTrail(intentId),
    async flagged(limit) {
      const ids = await hopStore.flagged(limit);
      const records = await Promise.all(ids.map((id) => loadRecord(hopStore, id)));
      return records.filter((r): r is PaymentRecord => r !== undefined);
    },
  };
}
