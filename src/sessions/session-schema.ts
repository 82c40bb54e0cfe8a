import { z } from 'zod';
import { LANGUAGES } from '../language';
import type { Json } from '../ussd/render/template';
import type { Session } from './types';

const json: z.ZodType<Json> = z.lazy(() =>
  z.union([z.string(), z.number(), z.boolean(), z.null(), z.array(json), z.record(z.string(), json)]),
);

/** What comes back from Redis is outside data too: parsed, never trusted. */
export const sessionSchema: z.ZodType<Session> = z.object({
  id: z.string(),
  phone: z.string(),
  menuVersion: z.string(),
  language: z.enum(LANGUAGES),
  mode: z.enum(['cumulative', 'last']),
  text: z.string(),
  screen: z.string(),
  page: z.int().min(0),
  history: z.array(z.object({ screen: z.string(), page: z.int().min(0) })),
  vars: z.record(z.string(), json),
  responses: z.array(z.tuple([z.string(), z.string()])),
  ended: z.boolean(),
  startedAt: z.number(),
  updatedAt: z.number(),
  hops: z.int(),
  interim: z.string().optional(),
});
