import { Queue } from 'bullmq';
import type { RedisFactory } from '../redis';
import { queuePrefix } from './bullmq-runner';
import { closeConnection } from './connections';

/**
 * How many jobs wait in each BullMQ queue (waiting, prioritised and delayed: work not yet taken),
 * read for the operator's gauges and health view. On the embedded default jobs are timers in the
 * process, not a queue: nothing to read, so the answer is empty.
 */
export interface QueueDepth {
  read(): Promise<Record<string, number>>;
  close(): Promise<void>;
}

const READ_TIMEOUT_MS = 1500;

export function createQueueDepth(deps: { redis: RedisFactory; prefix: string; queues: readonly string[] }): QueueDepth {
  if (deps.redis.inMemory) return { read: async () => ({}), close: async () => undefined };
  const connection = deps.redis.connect('queue-depth', { failFast: true });
  const queues = deps.queues.map((name) => new Queue(name, { connection, prefix: queuePrefix(deps.prefix) }));
  // Errors come back through read(); without a listener BullMQ would print them past the logger.
  for (const q of queues) q.on('error', () => undefined);
  return {
    async read() {
      const counts = await Promise.all(
        queues.map(async (q) => {
          let timer: NodeJS.Timeout | undefined;
          const late = new Promise<never>((_resolve, reject) => {
            timer = setTimeout(() => reject(new Error(`queue ${q.name}: no answer within ${READ_TIMEOUT_MS} ms`)), READ_TIMEOUT_MS);
          });
          try {
            const c = await Promise.race([q.getJobCounts('wait', 'prioritized', 'delayed'), late]);
            return [q.name, Object.values(c).reduce((a, b) => a + b, 0)] as const;
          } finally {
            clearTimeout(timer);
          }
        }),
      );
      return Object.fromEntries(counts);
    },
    async close() {
      await Promise.all(queues.map((q) => q.close().catch(() => undefined)));
      await closeConnection(connection);
    },
  };
}
