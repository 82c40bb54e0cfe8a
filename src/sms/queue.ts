import { smsSendFailureCounter, smsSentCounter } from '../channel-metrics';
import { createJobRunner } from '../jobs/create-runner';
import { DONE, later, type JobRunner, type RunResult } from '../jobs/runner';
import type { SweepSource } from '../jobs/sweep';
import type { Logger } from '../logging/logger';
import { maskPhone } from '../logging/mask';
import type { Metrics } from '../metrics';
import type { RedisFactory } from '../redis';
import type { SmsKind, SmsMessage, SmsStore } from './store';
import type { SmsTransport } from './transport';

/**
 * The one way an SMS leaves: a row in `sms_messages` (written with whatever it tells), then a job
 * that hands it to the transport. A failure that is ours (timeout, gateway down, our key or credit
 * refused) keeps the message queued and tries again, with a growing pause, until it goes; a
 * refusal that is the recipient's (invalid number, blacklist) is final. Each failed send is logged
 * once, counted by reason, and a message still failing after a while is reported (`onFailing`).
 */
export interface SmsQueueDeps {
  store: SmsStore;
  transport: SmsTransport;
  redis: RedisFactory;
  prefix: string;
  logger: Logger;
  metrics: Metrics;
  now?: () => Date;
  /** First pause after a failure of ours, doubled each time up to `maxRetryMs`. Defaults 5 s and 10 min. */
  firstRetryMs?: number;
  maxRetryMs?: number;
  /** A message failing for reasons of ours for this long is reported once per failure; default 10 min. */
  failingAlertMs?: number;
  onFailing?: (m: SmsMessage) => void;
}

export interface SmsQueue {
  /** Records the message (once per id) and sends it as soon as it can. */
  queue(m: { id: string; kind: SmsKind; recipient: string; body: string }): Promise<void>;
  /** Messages another part queued in its own transaction: send them now (the sweep would, later). */
  sendNow(ids: string[]): void;
  readonly runner: JobRunner;
  readonly sweepSource: SweepSource;
  start(): Promise<void>;
  close(opts?: { force?: boolean }): Promise<void>;
}

export function createSmsQueue(deps: SmsQueueDeps): SmsQueue {
  const now = deps.now ?? (() => new Date());
  const firstRetryMs = deps.firstRetryMs ?? 5000;
  const maxRetryMs = deps.maxRetryMs ?? 10 * 60_000;
  const failingAlertMs = deps.failingAlertMs ?? 10 * 60_000;
  const sent = smsSentCounter(deps.metrics);
  const failures = smsSendFailureCounter(deps.metrics);

  async function send(id: string): Promise<RunResult> {
    const m = await deps.store.load(id);
    if (m === undefined || m.status !== 'queued') return DONE;
    const wait = m.next_attempt_at.getTime() - now().getTime();
    if (wait > 1000) return later(wait);
    const out = await deps.transport.send(m.recipient, m.body);
    sent.inc({ kind: m.kind, outcome: out.kind });
    const at = now();
    switch (out.kind) {
      case 'sent':
        // A gateway that gives no id (an answer we could not read) still took it: never sent twice.
        await deps.store.markSent(id, out.messageId ?? `${id}#${m.attempts + 1}`, at);
        return DONE;
      case 'refused':
        await deps.store.markFailed(id, out.message, at);
        deps.logger.warn('sms refused for its recipient: not sent', { smsId: id, kind: m.kind, phone: maskPhone(m.recipient), reason: out.message });
        return DONE;
      case 'retry': {
        failures.inc({ reason: out.reason });
        const delay = Math.min(firstRetryMs * 2 ** m.attempts, maxRetryMs);
        const after = await deps.store.markRetry(id, `${out.reason}: ${out.message}`, new Date(at.getTime() + delay), at);
        deps.logger.warn('sms not sent: kept and tried again', { smsId: id, kind: m.kind, phone: maskPhone(m.recipient), reason: out.reason, detail: out.message, attempt: m.attempts + 1, retryInMs: delay });
        const since = after?.failing_since;
        if (after !== undefined && since !== null && since !== undefined && at.getTime() - since.getTime() >= failingAlertMs) deps.onFailing?.(after);
        return later(delay);
      }
    }
  }

  const runner: JobRunner = createJobRunner({ name: 'sms', redis: deps.redis, prefix: deps.prefix, handler: send, logger: deps.logger });

  const sendNow = (ids: string[]) => {
    for (const id of ids) runner.enqueue(id).catch((err: unknown) => deps.logger.warn('sms job not queued now: the sweep will', { smsId: id, err }));
  };

  return {
    runner,
    sweepSource: { name: 'sms', runner, due: (before, limit) => deps.store.due(before, limit) },
    async queue(m) {
      await deps.store.insert(m, now());
      sendNow([m.id]);
    },
    sendNow,
    start: () => runner.start(),
    close: (opts) => runner.close(opts),
  };
}
