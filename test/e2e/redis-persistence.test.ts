import { PassThrough } from 'node:stream';
import Redis from 'ioredis';
import { createLogger } from '../../src/logging/logger';
import { REDIS_URL, startProduct } from './product-kit';

// Jobs live in Redis (the ledger in PostgreSQL finds lost ones again, but only at the next sweep):
// the operator is told at start-up when Redis would forget them on a restart.
test('start-up warns exactly when Redis runs without an append-only file', async () => {
  const probe = new Redis(REDIS_URL);
  const [, appendonly] = (await probe.config('GET', 'appendonly')) as [string, string];
  probe.disconnect();

  const stream = new PassThrough();
  let logged = '';
  stream.on('data', (b: Buffer) => (logged += b.toString()));
  const p = await startProduct({ REDIS_URL }, { logger: createLogger({ level: 'warn', json: true, secrets: [], stream }) });
  await p.close();

  expect(logged.includes('appendonly yes')).toBe(appendonly === 'no');
});
