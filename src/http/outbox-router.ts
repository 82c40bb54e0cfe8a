import express from 'express';
import { z } from 'zod';
import type { OutboxMessage } from '../sms/transport';

/**
 * `GET /outbox?to=PHONE`: what the outbox transport "sent" to one number, as JSON.
 * An unencoded `+` in a query string arrives as a space (`?to=+243…` → ` 243…`), so a leading
 * space is read back as the `+` the caller meant.
 */
const querySchema = z.object({
  to: z
    .string()
    .transform((v) => v.replace(/^ /, '+').trim())
    .pipe(z.string().regex(/^\+?\d{6,15}$/, 'must be a phone number such as +243812345990')),
});

export function createOutboxRouter(outbox: { list(to: string): Promise<OutboxMessage[]> }): express.Router {
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
    res.json(messages.map((m) => ({ to: m.to, message: m.message, at: m.at })));
  });
  return router;
}
