import { resumeKeptCounter } from '../channel-metrics';
import type { Logger } from '../logging/logger';
import type { Metrics } from '../metrics';
import type { ResumeStore } from '../sessions/resume-store';
import type { Session } from '../sessions/types';
import type { SmsQueue } from '../sms/queue';
import type { Messages } from '../texts/catalogue';
import { keptPaymentOf } from '../ussd/actions/resume';
import { dialString } from '../ussd/dial-string';

/**
 * Brings back the payments the network drops. A session that ends on a screen past the bills
 * (menu.yaml `resumable`) not by the subscriber's choice keeps its payment for the phone (30
 * minutes, read with the phone's preferences at its next dial) and sends one SMS with the dial
 * string that resumes it. Two signals: the gateway's end-of-session notice (`Incomplete`,
 * `Failed`), and, for networks that send none, the session's expiry: every session on those
 * screens is in a sorted set by the time it expires, which each instance scans; taking a session
 * off the set is atomic, so one instance only looks at it, and the phone's keep script lets one
 * SMS go per phone in 30 minutes (src/sessions/resume-store.ts).
 */
export interface ResumerDeps {
  store: ResumeStore;
  /** The session as last committed (no lease taken). */
  peek(sessionId: string): Promise<Session | undefined>;
  /** The screens a dropped payment resumes from. */
  resumable: readonly string[];
  messages: Messages;
  sms: Pick<SmsQueue, 'queue'>;
  logger: Logger;
  metrics: Metrics;
  now?: () => Date;
  /** How often the expired sessions are looked for; default 2 s. */
  scanEveryMs?: number;
  /** Told of each session found expired without a notice (the console's funnel counts it); its failure is only logged. */
  onExpired?: (s: Session) => Promise<void>;
}

export interface Resumer {
  /** An end-of-session notice arrived: a dropped session keeps its payment and gets its SMS now. */
  sessionEnded(event: { sessionId: string; status: string; serviceCode?: string | undefined }): Promise<void>;
  /** Looks at the sessions expired without a notice; how many it looked at. */
  scan(): Promise<number>;
  start(): void;
  close(): Promise<void>;
}

/** Sessions taken per scan; a scan finding this many looks again at once. */
const BATCH = 50;
/** A keep that failed (Redis, the ledger) is tried again this much later. */
const RETRY_MS = 10_000;

type Signal = 'notice' | 'expiry';

export function createResumer(deps: ResumerDeps): Resumer {
  const { store, logger } = deps;
  const now = deps.now ?? (() => new Date());
  const resumable = new Set(deps.resumable);
  const kept = resumeKeptCounter(deps.metrics);
  let timer: NodeJS.Timeout | undefined;
  let scanning: Promise<unknown> = Promise.resolve();

  async function keepAndTell(s: Session, signal: Signal, fallbackCode: string | undefined): Promise<void> {
    if (!resumable.has(s.screen)) return;
    const payment = keptPaymentOf(s.vars);
    if (payment === undefined) return;
    const result = await store.keep(s, payment);
    if (result === 'quiet' || result === 'paid') {
      kept.inc({ signal, result });
      logger.info('dropped payment: no resume SMS', { sessionId: s.id, signal, result });
      return;
    }
    const code = s.serviceCode ?? fallbackCode;
    if (code === undefined || code.trim() === '') {
      // Kept (the next dial offers it), but there is no dial string to tell.
      logger.warn('dropped payment kept without a service code: no SMS', { sessionId: s.id });
      return;
    }
    const body = deps.messages.text(s.language, 'sms.resume.dropped', {
      amount: payment.amountCentimes ?? payment.balanceCentimes,
      refClient: payment.refClient,
      dial: dialString(code, payment.refClient),
    });
    try {
      // One id per session (and its nonce: a reused session id is another session): recorded once.
      await deps.sms.queue({ id: `resume-${s.id}-${s.nonce}`, kind: 'notice', recipient: s.phone, body });
    } catch (err) {
      if (result === 'send') await store.unsend(s.phone, s.id).catch(() => undefined);
      throw err;
    }
    if (result === 'send') kept.inc({ signal, result: 'sms' });
    logger.info('dropped payment kept: resume SMS queued', { sessionId: s.id, signal, phone: s.phone });
  }

  async function scanOnce(): Promise<number> {
    const ids = await store.claimDue(now().getTime(), BATCH);
    for (const id of ids) {
      try {
        const s = await deps.peek(id);
        if (s !== undefined) {
          await keepAndTell(s, 'expiry', undefined);
          await deps.onExpired?.(s).catch((err: unknown) => logger.warn('expired session not counted in the funnel', { sessionId: id, err }));
        }
      } catch (err) {
        logger.warn('expired session not looked at: tried again later', { sessionId: id, err });
        await store.due(id, now().getTime() + RETRY_MS).catch(() => undefined);
      }
    }
    return ids.length;
  }

  async function scan(): Promise<number> {
    let total = 0;
    for (;;) {
      const n = await scanOnce();
      total += n;
      if (n < BATCH) return total;
    }
  }

  return {
    async sessionEnded(event) {
      const status = event.status.trim().toLowerCase();
      const dropped = status === 'incomplete' || status === 'failed';
      if (!dropped && status !== 'success') return;
      if (dropped) {
        const s = await deps.peek(event.sessionId);
        if (s !== undefined) await keepAndTell(s, 'notice', event.serviceCode);
      }
      // Dealt with: the expiry scan has nothing more to do for it.
      await store.undue(event.sessionId);
    },
    scan,
    start() {
      if (timer !== undefined) return;
      let busy = false;
      timer = setInterval(() => {
        if (busy) return;
        busy = true;
        scanning = scan()
          .catch((err: unknown) => logger.warn('scan of expired USSD sessions failed', { err }))
          .finally(() => (busy = false));
      }, deps.scanEveryMs ?? 2000);
      timer.unref();
    },
    async close() {
      if (timer !== undefined) clearInterval(timer);
      timer = undefined;
      await scanning;
    },
  };
}
