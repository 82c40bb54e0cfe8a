import type { IncomingMessage } from 'node:http';

/**
 * The bytes of a JSON body as they arrived: a signed callback (pawaPay, RFC 9421) is verified
 * against them, not against a re-serialisation of the parsed object. Kept beside the request,
 * not on it, so express's types stay as they are.
 */
const bodies = new WeakMap<IncomingMessage, Buffer>();

export function keepRawBody(req: IncomingMessage, _res: unknown, buf: Buffer): void {
  bodies.set(req, buf);
}

export function rawBodyOf(req: IncomingMessage): Buffer | undefined {
  return bodies.get(req);
}
