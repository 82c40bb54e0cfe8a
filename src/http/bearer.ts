import { createHash, timingSafeEqual } from 'node:crypto';
import type { Request } from 'express';

/** The `Authorization: Bearer <token>` a request carries, if any. */
export function bearerOf(req: Request): string | undefined {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(req.get('authorization') ?? '');
  return m?.[1];
}

/** Compares two secrets in constant time (their digests, so the length says nothing either). */
export function sameSecret(presented: string, expected: string): boolean {
  const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();
  return timingSafeEqual(digest(presented), digest(expected));
}
