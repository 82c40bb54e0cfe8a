import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type express from 'express';

/** Serves `app` on a port (0: an ephemeral one) and says where: what both sandboxes need to start. */
export async function listenOn(app: express.Express, opts: { port?: number; host?: string }): Promise<{ server: Server; baseUrl: string }> {
  const server = createServer(app);
  // Longer than a client agent's idle timeout, so the client never reuses a socket we just closed.
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { address, port } = server.address() as AddressInfo;
  const host = address.includes(':') ? `[${address}]` : address;
  return { server, baseUrl: `http://${host}:${port}` };
}
