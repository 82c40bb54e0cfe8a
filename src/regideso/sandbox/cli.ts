import { intOption, option, stopOnSignals } from '../../cli-options';
import { DEMO_SUBSCRIBER_GUIDE } from './data';
import { startSandbox } from './server';

/**
 * `npm run sandbox -- --port 4010 [--host 0.0.0.0] [--latency 300] [--admin-token T]`: the sandbox REGIDESO on its
 * own, to point REGIDESO_BASE_URL at or to try with curl. Options come from argv, not the
 * environment: only src/config.ts reads the environment.
 */
async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const port = intOption(args, 'port', 4010, 65535);
  const latencyMs = intOption(args, 'latency', 0, 60_000);
  const host = option(args, 'host') ?? '127.0.0.1';
  // Tests that run the sandbox as a process make it forget a receipt through this (see server.ts).
  const adminToken = option(args, 'admin-token');
  const sandbox = await startSandbox({ port, host, latencyMs, ...(adminToken !== undefined ? { adminToken } : {}) });

  console.log(`sandbox REGIDESO listening on ${sandbox.baseUrl}`);
  console.log(`x-api-key: ${sandbox.apiKey}`);
  console.log(`try: curl -H 'x-api-key: ${sandbox.apiKey}' '${sandbox.baseUrl}/api/factures?ref_client=83262&province=KIN'`);
  console.log('demo subscribers:');
  for (const s of DEMO_SUBSCRIBER_GUIDE) console.log(`  ${s.refClient.padEnd(6)} ${s.province.padEnd(4)} ${s.what}`);

  stopOnSignals(() => sandbox.close());
}

main().catch((err: unknown) => {
  console.error('sandbox failed to start:', err instanceof Error ? err.message : err);
  process.exit(1);
});
