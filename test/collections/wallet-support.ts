import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { silentLogger, type Logger } from '../../src/logging/logger';
import { createPawapayCollection, type PawapayCollection, type PawapayCollectionOptions } from '../../src/collections/pawapay/adapter';
import type { RunningSandboxWallet } from '../../src/collections/sandbox/server';
import type { DepositRequest } from '../../src/collections/types';

/** The real adapter pointed at a sandbox wallet over HTTP, with short timeouts for tests. */
export function walletAdapter(wallet: Pick<RunningSandboxWallet, 'baseUrl' | 'apiToken'>, overrides: Partial<PawapayCollectionOptions> = {}): PawapayCollection {
  const logger: Logger = silentLogger();
  return createPawapayCollection({ baseUrl: wallet.baseUrl, apiToken: wallet.apiToken, timeoutMs: 2000, lookupTimeoutMs: 1000, logger, ...overrides });
}

/** A deposit request for a test number (its last two digits decide the outcome). */
export function depositFor(phoneE164: string, overrides: Partial<DepositRequest> = {}): DepositRequest {
  return {
    depositId: randomUUID(),
    amountCentimes: 150_000,
    provider: 'VODACOM_MPESA_COD',
    phoneE164,
    customerMessage: 'REGIDESO 83262',
    clientReferenceId: 'pi-test',
    ...overrides,
  };
}

/**
 * Polls until `read` gives a value `done` accepts. Bounded by jest's timeout, not by a clock of its
 * own: outcomes are awaited, never assumed after a fixed sleep.
 */
export async function waitUntil<T>(read: () => T | Promise<T>, done: (v: T) => boolean, pauseMs = 15): Promise<T> {
  for (;;) {
    const v = await read();
    if (done(v)) return v;
    await new Promise((r) => setTimeout(r, pauseMs));
  }
}

export interface ReceivedCallback {
  path: string;
  headers: Record<string, string | string[] | undefined>;
  rawBody: Buffer;
  json: unknown;
}

/** A stand-in for the product's callback routes: records every POST with its raw body. */
export async function startCallbackReceiver(status = 200): Promise<{ url: string; received: ReceivedCallback[]; close(): Promise<void> }> {
  const received: ReceivedCallback[] = [];
  const app = express();
  app.post('/{*rest}', express.raw({ type: '*/*' }), (req, res) => {
    const rawBody = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    let json: unknown;
    try {
      json = JSON.parse(rawBody.toString('utf8'));
    } catch {
      json = undefined;
    }
    received.push({ path: req.originalUrl, headers: req.headers, rawBody, json });
    res.status(status).end();
  });
  const server: Server = createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
