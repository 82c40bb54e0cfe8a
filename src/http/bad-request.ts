import type { Response } from 'express';
import type { z } from 'zod';

/** A malformed callback: 400 with what was wrong, field by field (never the values themselves). */
export function sendValidationError(res: Response, error: z.ZodError): void {
  res.status(400).json({
    error: 'invalid_payload',
    issues: error.issues.map((i) => ({ field: i.path.join('.') || '(body)', message: i.message })),
  });
}

/** Express 5 leaves `req.body` undefined when no parser matched the content type. */
export function bodyOf(body: unknown): unknown {
  return body === undefined ? {} : body;
}
