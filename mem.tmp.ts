import Redis from 'ioredis';
import { silentLogger } from './src/logging/logger';
import { createRedisHopStore } from './src/sessions/hop-store';
import { createUssdEngine } from './src/ussd/engine';
import { loadMenu } from './src/ussd/menu/load';
import { startSandbox } from './src/regideso/sandbox/server';
import { createRegidesoClient } from './src/regideso/client';
async function main() {
  const redis = new Redis('redis://127.0.0.1:6379');
  const sandbox = await startSandbox();
  const regideso = createRegidesoClient({ baseUrl: sandbox.baseUrl, apiKey: sandbox.apiKey, operator: 'X', timeoutMs: 5000, logger: silentLogger() });
  const prefix = 'bench:mem:';
  const engine = createUssdEngine({ menu: loadMenu('menus'), sessions: createRedisHopStore(redis, { prefix, ttlSeconds: 180, leaseMs: 10000, rateWindowSeconds: 60, prefsTtlSeconds: 600 }), regideso, payments: { confirm: async () => ({ kind: 'failed', message: '' }) }, minPaymentCentimes: 10000, hopBudgetMs: 8000, logger: silentLogger() });
  const id = 'ATUid_0123456789abcdef0123456789abcdef';
  for (const t of ['', '1', '1*62190', '1*62190*1']) await engine.handle({ sessionId: id, phoneNumber: '+243899000009', serviceCode: '*123#', text: t });
  const k = `${prefix}s:{${id}}`;
  const raw = await redis.get(k);
  console.log(raw, '\nbytes', Buffer.byteLength(raw!), 'usage', await redis.call('MEMORY', 'USAGE', k, 'SAMPLES', '0'));
  let c = '0'; do { const [nx, keys] = await redis.scan(c, 'MATCH', `${prefix}*`, 'COUNT', 1000); c = nx; if (keys.length) await redis.del(...keys); } while (c !== '0');
  redis.disconnect(); await sandbox.close();
}
main();
