import express from 'express';
import { z } from 'zod';
import type { PaymentRecord } from '../payments/types';

/**
 * `GET /payments/flagged?limit=N`: the payments a person must look at (money landed without a
 * receipt number, an outcome still unknown, a payment made on a second PayFact), newest first.
 * It sits behind the webhook token with the callbacks.
 */
const querySchema = z.object({
  limit: z
    .string()
    .regex(/^\d{1,3}$/, 'must be a whole number from 1 to 500')
    .transform(Number)
    .pipe(z.number().min(1, 'must be a whole number from 1 to 500').max(500, 'must be a whole number from 1 to 500'))
    .optional(),
});

export function createOperatorRouter(payments: { flagged(limit: number): Promise<PaymentRecord[]> }): express.Router {
  const router = express.Router();
  router.get('/payments/flagged', async (req, res) => {
    const parsed = querySchema.safeParse(req.query);
    if (!parsed.success) {
      res.status(400).json({ error: 'bad_request', message: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ') });
      return;
    }
    try {
      res.json(await payments.flagged(parsed.data.limit ?? 50));
    } catch {
      res.status(503).json({ error: 'unavailable', message: 'Payment records cannot be read right now' });
    }
  });
  return router;
}
