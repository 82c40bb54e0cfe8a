import { PassThrough } from 'node:stream';
import { createLogger } from '../../src/logging/logger';
import { isCluster } from '../../src/redis';
import { connectTestRedis } from '../support/redis';
import { REDIS_ENV, startProduct } from './product-kit';

// Jobs live in Redis (the ledger in PostgreSQL finds lost ones again, but only at the next sweep):
// the operator is told at start-up when Redis would forget them on a restart.
// On a cluster every node counts: a replica promoted by a failover must keep the file too.
test('start-up warns exactly when Redis runs without an append-only file', async () => {
  const probe = connectTestRedis();
  await probe.ping();
  const nodes = isCluster(probe) ? probe.nodes('all') : [probe];
  const replies = (await Promise.all(nodes.map((n) => n.config('GET', 'appendonly')))) as Array<[string, string]>;
  probe.disconnect();
  const appendonly = replies.some(([, v]) => v === 'no') ? 'no' : 'yes';

  const stream = new PassThrough();
  let logged = '';
  stream.on('data', (b: Buffer) => (logged += b.toString()));
  const p = await startProduct({ ...REDIS_ENV }, { logger: createLogger({ level: 'warn', json: true, secrets: [], stream }) });
  await p.close();

  expect(logged.includes('appendonly yes')).toBe(appendonly === 'no');
});
