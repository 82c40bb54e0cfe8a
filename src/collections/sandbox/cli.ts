import { intOption, option, stopOnSignals } from '../../cli-options';
import { isProvider, PROVIDERS } from '../types';
import { startSandboxWallet } from './server';
import { TEST_NUMBER_GUIDE } from './test-numbers';

/**
 * `npm run sandbox:wallet -- --port 4020 [--host 0.0.0.0] [--latency 300] [--approve-delay 1500]
 * [--deposit-callback URL] [--refund-callback URL] [--closed ORANGE_COD,…] [--delayed AIRTEL_COD,…]`:
 * the sandbox wallet on its own, to point
 * PAWAPAY_BASE_URL at or to try with curl. Options come from argv, not the environment: only
 * src/config.ts reads the environment.
 */
async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const wallet = await startSandboxWallet({
    port: intOption(args, 'port', 4020, 65535),
    host: option(args, 'host') ?? '127.0.0.1',
    latencyMs: intOption(args, 'latency', 0, 60_000),
    approveDelayMs: intOption(args, 'approve-delay', 1500, 600_000),
    callbackUrls: { deposit: option(args, 'deposit-callback'), refund: option(args, 'refund-callback') },
  });
  for (const [flag, status] of [['delayed', 'DELAYED'], ['closed', 'CLOSED']] as const) {
    for (const name of (option(args, flag) ?? '').split(',').filter((n) => n !== '')) {
      if (!isProvider(name)) throw new Error(`--${flag}: ${name} is not one of ${PROVIDERS.join(', ')}`);
      wallet.setDepositStatus(name, status);
    }
  }

  console.log(`sandbox wallet (pawaPay v2) listening on ${wallet.baseUrl}`);
  console.log(`Authorization: Bearer ${wallet.apiToken}`);
  console.log(`try: curl -H 'Authorization: Bearer ${wallet.apiToken}' '${wallet.baseUrl}/v2/active-conf?country=COD&operationType=DEPOSIT'`);
  console.log('test numbers (the last two digits decide; any Vodacom 81-83, Airtel 97-99 or Orange 84/85/89 prefix):');
  for (const t of TEST_NUMBER_GUIDE) console.log(`  ${t.example}  ${t.what}`);
  console.log(`close or delay a provider: curl -X PUT -H 'Authorization: Bearer ${wallet.apiToken}' -H 'content-type: application/json' -d '{"deposits":"CLOSED"}' ${wallet.baseUrl}/sandbox/providers/ORANGE_COD`);

  stopOnSignals(() => wallet.close());
}

main().catch((err: unknown) => {
  console.error('sandbox wallet failed to start:', err instanceof Error ? err.message : err);
  process.exit(1);
});
