import express from 'express';
import type { KeyObject } from 'node:crypto';
import type { Counter } from 'prom-client';
import { z } from 'zod';
import { checkCallbackSignature } from '../collections/pawapay/signature';
import type { Logger } from '../logging/logger';
import { counter, type Metrics } from '../metrics';
import { rawBodyOf } from './raw-body';

/**
 * pawaPay's callbacks: `POST /collections/pawapay/deposits` and `/collections/pawapay/refunds`,
 * behind the webhook token like every callback, and signed (RFC 9421) when a public key is
 * configured. A callback is a hint, never a fact: it may be lost, repeated, late or forged, so it
 * only makes the payment's job read the status from pawaPay now. Nothing changes on its say-so.
 */
export interface WalletCallbacksDeps {
  /** The job reads the status now; false when no intent has this id. */
  nudge(ref: { depositId: string } | { refundId: string }): Promise<boolean>;
  /** pawaPay's public key: callbacks without a valid signature are refused. */
  publicKey: KeyObject | undefined;
  logger: Logger;
  metrics: Metrics;
}

const uuid = z.string().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, 'must be a UUID');
const depositHint = z.object({ depositId: uuid });
const refundHint = z.object({ refundId: uuid });

function callbackCounter(m: Metrics): Counter<'kind' | 'outcome'> {
  return counter(m, 'wallet_callbacks_total', 'pawaPay callbacks by kind and what we did', ['kind', 'outcome'] as const);
}

export function createWalletCallbacksRouter(deps: WalletCallbacksDeps): express.Router {
  const router = express.Router();
  const counted = callbackCounter(deps.metrics);

  const route = (kind: 'deposit' | 'refund', read: (body: unknown) => z.ZodSafeParseResult<{ depositId: string } | { refundId: string }>) =>
    async (req: express.Request, res: express.Response) => {
      if (deps.publicKey !== undefined) {
        const check = checkCallbackSignature({ method: req.method, path: req.originalUrl, headers: req.headers, rawBody: rawBodyOf(req) ?? '' }, deps.publicKey);
        if (!check.ok) {
          counted.inc({ kind, outcome: 'bad_signature' });
          deps.logger.warn('wallet callback refused: bad signature', { kind, reason: check.reason });
          res.status(401).json({ error: 'unauthorized', message: 'signature does not verify' });
          return;
        }
      }
      const parsed = read(req.body ?? {});
      if (!parsed.success) {
        counted.inc({ kind, outcome: 'invalid' });
        res.status(400).json({ error: 'invalid_payload', message: parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ') });
        return;
      }
      try {
        const known = await deps.nudge(parsed.data);
        counted.inc({ kind, outcome: known ? 'nudged' : 'unknown_id' });
        if (!known) deps.logger.warn('wallet callback for an id we never issued', { kind });
      } catch (err) {
        // pawaPay sends the callback again later; the status poll finishes the payment meanwhile.
        deps.logger.error('wallet callback not handled now', { kind, err });
        res.status(503).json({ error: 'unavailable', message: 'try again later' });
        return;
      }
      res.status(200).json({ received: true });
    };

  router.post('/collections/pawapay/deposits', route('deposit', (b) => depositHint.safeParse(b)));
  router.post('/collections/pawapay/refunds', route('refund', (b) => refundHint.safeParse(b)));
  return router;
}
