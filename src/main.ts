import type { Server } from 'node:http';
import { loadConfigFromProcess } from './config';
import { composeProduct } from './compose';
import { createLogger } from './logging/logger';

/**
 * The process: read the environment once, build the product, serve, and stop cleanly on
 * SIGTERM/SIGINT (turn readiness off, keep serving while the load balancer notices, stop
 * accepting, let in-flight hops finish, close workers and connections).
 */

async function main(): Promise<void> {
  const result = loadConfigFromProcess();
  if (!result.ok) {
    console.error(`Invalid configuration:\n${result.errors.map((e) => `  - ${e}`).join('\n')}`);
    process.exit(1);
  }
  const config = result.config;
  // How long a stopping instance keeps serving after /readyz turns 503; no load balancer in development.
  const drainMs = config.production ? 5000 : 0;
  const secrets = [config.regideso.apiKey, config.webhookToken ?? '', config.metricsToken ?? '', config.sms.transport === 'africastalking' ? config.sms.apiKey : ''];
  const logger = createLogger({ level: config.logLevel, json: config.production, secrets });
  for (const w of config.warnings) logger.warn(w);

  const product = await composeProduct(config, logger);
  await product.start();
  const server: Server = product.app.listen(config.port);
  server.on('listening', () => {
    product.listening(`http://127.0.0.1:${config.port}`);
    logger.info('listening', { port: config.port, regideso: product.regidesoBaseUrl, sms: config.sms.transport });
  });
  server.on('error', (err: Error) => {
    // EADDRINUSE and the like: a process that serves nothing must not look alive.
    logger.error('cannot serve HTTP', { port: config.port, err });
    void product.stop().finally(() => process.exit(1));
  });
  // The gateway gives a hop ~10 s; a request that takes longer is already lost.
  server.requestTimeout = 15_000;
  server.headersTimeout = 16_000;

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info('stopping', { signal, drainMs: drainMs });
    const force = setTimeout(() => {
      logger.error('forced exit: shutdown took too long');
      process.exit(1);
    }, drainMs + 20_000);
    force.unref();
    // Readiness fails first and requests are still served for a moment, so the load balancer
    // moves traffic away before connections close instead of seeing them reset.
    product.drain();
    setTimeout(() => closeServer(), drainMs);
  };
  const closeServer = () => {
    server.close(() => {
      product
        .stop()
        .then(() => process.exit(0))
        .catch((err: unknown) => {
          logger.error('error while stopping', { err });
          process.exit(1);
        });
    });
    server.closeIdleConnections();
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

main().catch((err: unknown) => {
  console.error('Start-up failed:', err instanceof Error ? err.message : err);
  process.exit(1);
});
