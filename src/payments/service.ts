import { jobsRecoveredCounter } from '../channel-metrics';
import { depositFailureKind } from '../collections/failure-codes';
import type { CollectionPort, Provider, ProviderRules } from '../collections/types';
import { CommitOutcomeUnknown, type Db } from '../db/types';
import { createJobRunner } from '../jobs/create-runner';
import type { JobRunner, RetryPolicy } from '../jobs/runner';
import { createSweeper, type Sweeper } from '../jobs/sweep';
import type { Logger } from '../logging/logger';
import { maskPhone } from '../logging/mask';
import type { Metrics } from '../metrics';
import type { RedisFactory } from '../redis';
import type { RegidesoClient } from '../regideso/types';
import { receiptTexts } from './sms-texts';
import type { Messages } from '../texts/catalogue';
import { intentIdFor } from './ids';
import { isOpen, newIntent, outcomeOf, sameRequest, toRecord, type Intent } from './intent';
import { createPaymentFlagger } from './flags';
import { createPaymentJob } from './job';
import { AccountBusyError, createLedger, type Ledger, type LedgerQuery, type QueuedSms, type QueueSmsIn } from './ledger';
import { createPaymentMetrics } from './metrics';
import { refusalOf } from './rules';
import { createLocalSettleSignal, createRedisSettleSignal, type SettleSignal } from './settle-signal';
import { DEFAULT_TIMINGS, type JobTimings } from './steps/change';
import type { ConfirmOutcome, PaymentRecord, PaymentRecords, PaymentRequest, PaymentService } from './types';

export interface PaymentServiceDeps {
  db: Db;
  /** `inMemory` (the embedded default): jobs run in-process, since BullMQ needs a real Redis. */
  redis: RedisFactory;
  /** Key prefix, e.g. `rgd:`; the BullMQ queue prefix derived from it is hash-tagged. */
  prefix: string;
  regideso: RegidesoClient;
  /** `wallet`: collect from the subscriber's mobile-money wallet before PayFact; `none`: the operator collects upstream. */
  collection: 'wallet' | 'none';
  wallet: CollectionPort | undefined;
  logger: Logger;
  /** REGIDESO_OPERATOR: kept on every record (the client sends it with PayFact). */
  operator: string;
  minCentimes: number;
  /** Queues a change's SMS in the change's transaction (the SMS store's `queueSmsIn`). */
  queueSms: QueueSmsIn;
  /** The SMS an intent's change queued, once committed: to the SMS queue. */
  onSms: (sms: QueuedSms[]) => void;
  /** The catalogue's texts: the receipts and notices are written from it. */
  messages: Messages;
  /** How long the confirm hop waits for PayFact (operator collects upstream) before answering "in progress"; default 2000. */
  confirmWaitMs?: number;
  /**
   * How long the confirm hop waits for the wallet to take or refuse the deposit before answering
   * "approve with your PIN" (a refusal then comes by SMS); default 2500.
   */
  initiationWaitMs?: number;
  now?: () => Date;
  timings?: Partial<JobTimings>;
  retry?: Partial<RetryPolicy>;
  /** BullMQ worker tuning; defaults PAYMENT_WORKER (tests shorten these to see a dead worker's job picked up). */
  worker?: { concurrency?: number; lockDurationMs?: number; stalledIntervalMs?: number };
  /** The sweep: how often, and how far past its due time an open intent must be. Defaults 20 s and 40 s. */
  sweep?: { intervalMs?: number; graceMs?: number };
  metrics?: Metrics;
  /** A payment's money landed (succeeded or reconciled), once committed; must not block (it is not awaited). */
  onPaid?: (payment: PaymentRecord) => void;
}

/**
 * A payment job whose process died (kill -9, a lost host) is taken over once its BullMQ lock has
 * lapsed and a stalled-job check has seen it at two checks in a row. With BullMQ's defaults (30 s,
 * 30 s) that was 64-94 s after a restart (the dead worker's last check also holds off the next one
 * for a whole interval): the subscriber saw no PIN prompt, dialled again and paid twice. With these,
 * some 11 s after the kill (bench/crash-resume.ts). The lock is renewed by a timer every 2-4 s
 * whatever the job is doing, so a slow step (a call that takes seconds) is never taken for a dead
 * one; only an event loop blocked for 4 s or more could be, and then the second run loses its first
 * compare-and-set in the ledger. (The SMS queues keep BullMQ's defaults: a send is not a
 * compare-and-set, and a late receipt costs less than a doubled one.)
 */
export const PAYMENT_WORKER = { lockDurationMs: 8000, stalledIntervalMs: 3000 };

export interface PaymentServiceHandle extends PaymentService, PaymentRecords {
  start(): Promise<void>;
  close(opts?: { force?: boolean }): Promise<void>;
  /** What happened to one payment, oldest first: for the operator and for tests. */
  auditTrail(intentId: string): Promise<Array<{ at: string; event: string; detail: string | null; actor: string | null }>>;
  /** Payments a person must look at, newest first; with `resolved`, the ones already handled, newest resolution first. */
  flagged(limit: number, opts?: { resolved?: boolean; oldestFirst?: boolean }): Promise<PaymentRecord[]>;
  /** Takes a flagged payment off the list with the operator's note; false when it is not (or no longer) flagged. */
  resolveFlag(intentId: string, note: string, by: string): Promise<boolean>;
  /** Flags a payment for something outside its steps (its SMS cannot be sent); once per reason. */
  flag(intentId: string, reason: string, detail: string): Promise<void>;
  /** The ledger by creation date, for reconciliation with REGIDESO. */
  list(q: LedgerQuery): Promise<PaymentRecord[]>;
  /** A wallet callback named this deposit or refund: its job reads the status now. False when no intent has it. */
  nudge(ref: { depositId: string } | { refundId: string }): Promise<boolean>;
  /** Runs the recovery sweep now, as its timer does. */
  sweep(): Promise<number>;
  readonly ledger: Ledger;
}

/** Counts what a sweep queued again, per queue: a job lost with Redis, or dropped after its attempts. */
export function recoveredCounter(m: Metrics): (queue: string, count: number) => void {
  const c = jobsRecoveredCounter(m);
  return (queue, count) => c.inc({ queue }, count);
}

export function createPaymentService(deps: PaymentServiceDeps): PaymentServiceHandle {
  const now = deps.now ?? (() => new Date());
  const waitMs = deps.confirmWaitMs ?? 2000;
  const initiationWaitMs = deps.initiationWaitMs ?? 2500;
  const metrics = createPaymentMetrics(deps.metrics);
  const ledger = createLedger(deps.db, { now, queueSms: deps.queueSms });
  const timings: JobTimings = { ...DEFAULT_TIMINGS, ...deps.timings };
  if (deps.collection === 'wallet' && deps.wallet === undefined) throw new Error('collection from the wallet needs a wallet adapter');

  let signalConnection: ReturnType<RedisFactory['connect']> | undefined;
  const signal: SettleSignal = deps.redis.inMemory
    ? createLocalSettleSignal()
    : createRedisSettleSignal({
        redis: (signalConnection = deps.redis.connect('payments-signal', { failFast: true })),
        connect: () => deps.redis.connect('payments-wait', { failFast: false }),
        prefix: deps.prefix,
      });

  const handler = createPaymentJob({ ledger, regideso: deps.regideso, wallet: deps.wallet, logger: deps.logger, metrics, now, timings, signal, afterCommit: deps.onSms, receiptTexts: receiptTexts(deps.messages), onPaid: deps.onPaid && ((it) => deps.onPaid?.(toRecord(it))) });
  const runner: JobRunner = createJobRunner({ name: 'payments', redis: deps.redis, prefix: deps.prefix, handler, logger: deps.logger, ...(deps.retry ? { retry: deps.retry } : {}), ...PAYMENT_WORKER, ...deps.worker });

  const sweeper: Sweeper = createSweeper({
    sources: [{ name: 'payments', runner, due: (before, limit) => ledger.due(before, limit) }],
    logger: deps.logger,
    intervalMs: deps.sweep?.intervalMs ?? 20_000,
    graceMs: deps.sweep?.graceMs ?? 40_000,
    // In-process jobs die with the process: after a restart every open payment runs at once (each
    // step keeps its own time: a deposit's status is read, a settle window is waited out).
    ...(deps.redis.inMemory ? { firstGraceMs: 'all' as const } : {}),
    ...(deps.metrics !== undefined ? { onRecovered: recoveredCounter(deps.metrics) } : {}),
  });

  const record = (it: Intent | undefined) => (it === undefined ? undefined : toRecord(it));

  /** Waits, without polling, for the job to bring the intent where `done` says (settled by default) or the hop's wait to run out. */
  async function waitForSettled(intentId: string, first: Intent, deadline: number, done: (it: Intent) => boolean = () => false): Promise<Intent> {
    let last = first;
    for (;;) {
      if (!isOpen(last) || last.status === 'uncertain' || done(last)) return last;
      const left = deadline - Date.now();
      if (left <= 0) return last;
      await signal.wait(intentId, left);
      try {
        last = (await ledger.load(intentId)) ?? last;
      } catch {
        return last;
      }
    }
  }

  async function confirm(req: PaymentRequest): Promise<ConfirmOutcome> {
    const deadline = Date.now() + waitMs;
    const refusal = refusalOf(req, deps.minCentimes);
    const log = { sessionId: req.sessionId, phone: maskPhone(req.phoneNumber) };
    if (refusal !== undefined) {
      deps.logger.info('payment refused before recording', { ...log, reason: refusal.reason });
      return refusal;
    }
    if (deps.collection === 'wallet' && req.provider === undefined) {
      // The menu asks which wallet when it cannot tell; a confirm that arrives without one is told by the number.
      const provider = await deps.wallet?.predictProvider(req.phoneNumber).catch(() => undefined);
      if (provider === undefined) return { kind: 'refused', reason: 'rejected', message: 'no wallet chosen' };
      req = { ...req, provider };
    }
    // A wallet pawaPay says is closed: told now, before anything is recorded or started.
    const rules = deps.collection === 'wallet' && req.provider !== undefined ? await walletRules(req.provider) : undefined;
    if (rules === 'closed' && req.provider !== undefined) return { kind: 'wallet_closed', provider: req.provider };
    const id = intentIdFor(req.sessionId, req.sessionNonce);
    let stored: { created: boolean; intent: Intent };
    try {
      // The account is taken with the confirm: while this payment is open, no other (a redial, another phone) starts.
      const intent: Intent = { ...newIntent(req, id, { operator: deps.operator, collection: deps.collection, at: now() }), holdsAccount: true };
      stored = await ledger.create(intent, { events: [{ event: 'confirmed' }] });
    } catch (err) {
      if (err instanceof AccountBusyError && err.holder !== undefined) {
        deps.logger.info('confirm refused: another payment of this account is open', { ...log, jobId: id, holder: err.holder.id, holderStatus: err.holder.status });
        return { kind: 'under_way', amountCentimes: err.holder.amountCentimes };
      }
      // Only a COMMIT without an answer may have recorded it: any other failure rolled the insert back.
      if (!(err instanceof CommitOutcomeUnknown)) {
        deps.logger.error('payment intent not recorded (ledger unavailable?)', { ...log, jobId: id, err });
        return { kind: 'not_recorded' };
      }
      deps.logger.error('payment intent: COMMIT sent, no answer', { ...log, jobId: id, err });
      const found = await ledger.load(id).then(
        (it) => ({ read: true as const, it }),
        () => ({ read: false as const, it: undefined }),
      );
      if (!found.read) return { kind: 'unknown', amountCentimes: req.amountCentimes };
      if (found.it === undefined) return { kind: 'not_recorded' };
      stored = { created: true, intent: found.it };
    }
    if (!stored.created) {
      if (!sameRequest(stored.intent, req)) {
        deps.logger.warn('confirm replayed with other payment details: refused', { ...log, jobId: id });
        return { kind: 'mismatch' };
      }
      deps.logger.info('confirm replayed: same intent', { ...log, jobId: id, status: stored.intent.status });
    }
    if (isOpen(stored.intent)) {
      // The ledger holds the promise: should queueing fail, the sweep queues it within a minute.
      await runner.enqueue(id).catch((err: unknown) => deps.logger.warn('payment job not queued now: the sweep will', { ...log, jobId: id, err }));
    }
    if (deps.collection === 'wallet') {
      // The wallet's first answer (taken, or refused at once) usually comes within this wait: a refusal is told on this screen.
      const initiated = await waitForSettled(id, stored.intent, Date.now() + initiationWaitMs, (it) => it.status !== 'pending' && (it.status !== 'collecting' || it.depositStatus !== null));
      return walletOutcome(initiated, rules === 'closed' ? undefined : rules);
    }
    return outcomeOf(await waitForSettled(id, stored.intent, deadline));
  }

  /** The provider's rules as last read (cached: no call on a hop once read); `closed` when pawaPay takes no deposit to it. */
  async function walletRules(provider: Provider): Promise<ProviderRules | 'closed' | undefined> {
    const all = await deps.wallet?.providerRules().catch(() => undefined);
    if (all === undefined) return undefined;
    return all.find((r) => r.provider === provider) ?? 'closed';
  }

  /** What the confirm hop says of a wallet payment: refused at once, or waiting for the PIN and how to raise it. */
  function walletOutcome(it: Intent, rules: ProviderRules | undefined): ConfirmOutcome {
    if (it.status === 'failed' && it.depositFailureCode !== null && it.provider !== null) {
      return { kind: 'wallet_refused', reason: depositFailureKind(it.depositFailureCode), provider: it.provider, amountCentimes: it.amountCentimes };
    }
    const outcome = outcomeOf(it);
    if (outcome.kind !== 'collecting') return outcome;
    return { ...outcome, ...(rules?.pinPrompt?.dialCode !== undefined ? { prompt: { ...rules.pinPrompt } } : {}), ...(rules?.delayed ? { delayed: true as const } : {}) };
  }

  async function nudge(ref: { depositId: string } | { refundId: string }): Promise<boolean> {
    const it = 'depositId' in ref ? await ledger.byDepositId(ref.depositId) : await ledger.byRefundId(ref.refundId);
    if (it === undefined) return false;
    if (isOpen(it)) await runner.nudge(it.id);
    return true;
  }

  let closing: Promise<void> | undefined;
  return {
    confirm,
    ledger,
    async start() {
      await runner.start();
      sweeper.start();
    },
    close(opts) {
      closing ??= (async () => {
        await sweeper.close();
        await runner.close(opts);
        await signal.close();
        signalConnection?.disconnect();
      })();
      return closing;
    },
    get: async (id) => record(await ledger.load(id)),
    async findByNumAcquit(n) {
      return record(await ledger.byNumAcquit(n));
    },
    recentByPhone: async (phone, limit) => (await ledger.byPhone(phone, limit)).map(toRecord),
    auditTrail: async (id) => (await ledger.events(id)).map((e) => ({ at: e.at.toISOString(), event: e.event, detail: e.detail, actor: e.actor })),
    flagged: async (limit, opts) => (await ledger.flagged(limit, opts)).map(toRecord),
    async resolveFlag(id, note, by) {
      const ok = await ledger.resolveFlag(id, note, by, now());
      if (ok) {
        metrics.flagResolved();
        deps.logger.info('flagged payment resolved by the operator', { jobId: id, by });
      }
      return ok;
    },
    flag: createPaymentFlagger({ ledger, metrics: deps.metrics, logger: deps.logger }),
    list: async (q) => (await ledger.list(q)).map(toRecord),
    nudge,
    async sweep() {
      const r = await sweeper.sweep();
      return r.payments ?? 0;
    },
  };
}
