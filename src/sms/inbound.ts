import { smsInboundCounter } from '../channel-metrics';
import { createJobRunner } from '../jobs/create-runner';
import { DONE, type JobRunner, type RunResult } from '../jobs/runner';
import type { SweepSource } from '../jobs/sweep';
import type { Logger } from '../logging/logger';
import type { Metrics } from '../metrics';
import type { PaymentRecords } from '../payments/types';
import type { RedisFactory } from '../redis';
import type { RegidesoClient } from '../regideso/types';
import type { LookupLimiter } from '../sessions/lookup-limit';
import type { SubscriberPrefs } from '../sessions/types';
import type { Messages } from '../texts/catalogue';
import { runCommand } from './commands/dispatch';
import { keywordTexts } from './keyword-texts';
import { parseSms } from './keywords';
import type { SmsQueue } from './queue';
import type { SmsStore } from './store';

/**
 * Inbound keywords, answered durably: the message is recorded by its gateway id before the gateway
 * gets its 200 (a repeat of the same id is recognised), then a job works out the reply and queues
 * it with the SMS queue in one transaction with the "answered" mark. A crash after the 200, a
 * REGIDESO or gateway failure, delays the reply; it never loses it, nor sends it twice.
 */
export interface InboundSms {
  id: string;
  from: string;
  text: string;
}

export interface InboundAnswerer {
  /** Records the message; false when this id was seen before (the gateway's retry). */
  receive(msg: InboundSms): Promise<boolean>;
  readonly sweepSource: SweepSource;
  start(): Promise<void>;
  close(opts?: { force?: boolean }): Promise<void>;
}

// Job ids may not hold a colon (BullMQ); gateway ids may.
const jobIdOf = (inboundId: string) => `in-${encodeURIComponent(inboundId)}`;
const inboundIdOf = (jobId: string) => decodeURIComponent(jobId.replace(/^in-/, ''));
export const replyIdOf = (inboundId: string) => `reply-${encodeURIComponent(inboundId)}`;

export function createInboundAnswerer(deps: {
  store: SmsStore;
  queue: SmsQueue;
  regideso: RegidesoClient;
  records: PaymentRecords;
  redis: RedisFactory;
  prefix: string;
  logger: Logger;
  metrics: Metrics;
  /** The catalogue's texts: every reply is written from it. */
  messages: Messages;
  /** The phones' preferences (the references each has paid) and the daily lookup limit, shared with USSD. */
  prefs: Pick<SubscriberPrefs, 'get'>;
  lookups: LookupLimiter;
  now?: () => Date;
}): InboundAnswerer {
  const now = deps.now ?? (() => new Date());
  const inbound = smsInboundCounter(deps.metrics);
  const texts = keywordTexts(deps.messages);

  async function answer(jobId: string): Promise<RunResult> {
    const id = inboundIdOf(jobId);
    const msg = await deps.store.loadInbound(id);
    if (msg === undefined || msg.answered_at !== null) return DONE;
    const parsed = parseSms(msg.body);
    let reply: string;
    try {
      const ctx = { from: msg.sender, regideso: deps.regideso, records: deps.records, logger: deps.logger, texts, prefs: deps.prefs, lookups: deps.lookups };
      const result = await runCommand(ctx, parsed);
      inbound.inc({ command: result.command, outcome: result.outcome });
      reply = result.reply;
    } catch (err) {
      // A fault (a bug, the records unreadable): the subscriber still hears something.
      deps.logger.error('sms command failed', { err, smsId: id, command: parsed.command });
      inbound.inc({ command: parsed.command, outcome: 'error' });
      reply = texts.unavailable(parsed.language);
    }
    const replyId = replyIdOf(id);
    await deps.store.answer(id, { id: replyId, recipient: msg.sender, body: reply }, now());
    deps.queue.sendNow([replyId]);
    deps.logger.info('sms answered', { smsId: id, from: msg.sender, command: parsed.command });
    return DONE;
  }

  const runner: JobRunner = createJobRunner({ name: 'sms-inbound', redis: deps.redis, prefix: deps.prefix, handler: answer, logger: deps.logger });

  return {
    async receive(msg) {
      const first = await deps.store.receive({ id: msg.id, sender: msg.from, body: msg.text }, now());
      if (!first) {
        inbound.inc({ command: 'duplicate', outcome: 'ignored' });
        return false;
      }
      await runner.enqueue(jobIdOf(msg.id)).catch((err: unknown) => deps.logger.warn('sms answer job not queued now: the sweep will', { smsId: msg.id, err }));
      return true;
    },
    sweepSource: { name: 'sms-inbound', runner, due: async (before, limit) => (await deps.store.unanswered(before, limit)).map(jobIdOf) },
    start: () => runner.start(),
    close: (opts) => runner.close(opts),
  };
}
