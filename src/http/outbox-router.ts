import express from 'express';
import { z } from 'zod';
import { phoneSchema } from '../phone';
import type { OutboxMessage } from '../sms/transport';

/**
 * `GET /outbox[?to=PHONE]`: what the outbox transport "sent", newest first, as JSON: to one number,
 * or every recent message, each with the `id` a delivery report (`POST /sms/delivery`) names it by.
 * The number is read as any edge reads one (src/phone.ts): an unencoded `+` that a query string
 * turned into a space, no `+`, or a national `081…` all name the same phone.
 */
const querySchema = z.object({
  to: phoneSchema.optional(),
});

export function createOutboxRouter(outbox: { list(to?: string): Promise<OutboxMessage[]> }): express.Router {
  const router = express.Router();
  router.get('/outbox', async (req, res) => {
    const parsed = querySchema.safeParse(req.query);
    if (!parsed.success) {
      res.status(400).json({ error: 'bad_request', message: parsed.error.issues.map((i) => `${i.path.join('.') || 'query'}: ${i.message}`).join('; ') });
      return;
    }
    let messages: OutboxMessage[];
    try {
      messages = await outbox.list(parsed.data.to);
    } catch {
      // Redis is down: say so like the other routes do, rather than a bare 500.
      res.status(503).json({ error: 'unavailable', message: 'The outbox cannot be read right now' });
      return;
    }
    res.json(messages.map((m) => ({ id: m.id, to: m.to, message: m.message, at: m.at })));
  });
  return router;
}
