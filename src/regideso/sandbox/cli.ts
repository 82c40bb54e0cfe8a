import { DEMO_SUBSCRIBER_GUIDE } from './data';
import { startSandbox } from './server';

/**
 * `npm run sandbox -- --port 4010 [--host 0.0.0.0] [--latency 300]`: the sandbox REGIDESO on its
 * own, to point REGIDESO_BASE_URL at or to try with curl. Options come from argv, not the
 * environment: only src/config.ts reads the environment.
 */
function option(args: string[], name: string): string | undefined {
  const i = args.findIndex((a) => a === `--${name}` || a.startsWith(`--${name}=`));
  if (i < 0) return undefined;
  const arg = args[i] ?? '';
  return arg.includes('=') ? arg.slice(arg.indexOf('=') + 1) : args[i + 1];
}

function intOption(args: string[], name: string, fallback: number, max: number): number {
  const raw = option(args, name);
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0 || n > max) {
    console.error(`--${name} must be a whole number between 0 and ${max}, got "${raw}"`);
    process.exit(2);
  }
  return n;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const port = intOption(args, 'port', 4010, 65535);
  const latencyMs = intOption(args, 'latency', 0, 60_000);
  const host = option(args, 'host') ?? '127.0.0.1';
  const sandbox = await startSandbox({ port, host, latencyMs });

  console.log(`sandbox REGIDESO listening on ${sandbox.baseUrl}`);
  console.log(`x-api-key: ${sandbox.apiKey}`);
  console.log(`try: curl -H 'x-api-key: ${sandbox.apiKey}' '${sandbox.baseUrl}/api/factures?ref_client=83262&province=KIN'`);
  console.log('demo subscribers:');
  for (const s of DEMO_SUBSCRIBER_GUIDE) console.log(`  ${s.refClient.padEnd(6)} ${s.province.padEnd(4)} ${s.what}`);

  const stop = (signal: string): void => {
    console.log(`${signal}: stopping`);
    void sandbox.close().then(() => process.exit(0));
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
}

main().catch((err: unknown) => {
  console.error('sandbox failed to start:', err instanceof Error ? err.message : err);
  process.exit(1);
});
