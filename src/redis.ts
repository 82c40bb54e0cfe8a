import Redis from 'ioredis';
import RedisMock from 'ioredis-mock';

/**
 * One Redis connection factory. Without REDIS_URL the embedded default uses ioredis-mock, an
 * in-memory Redis with ioredis' API, so every store is written once against Redis instead of
 * twice (Redis + a hand-made memory twin). BullMQ does not run on it: payments switch to their
 * in-process runner there.
 */
export interface RedisFactory {
  /** A new connection; `role` only names it in logs and errors. */
  connect(role: string, opts?: { failFast?: boolean }): Redis;
  inMemory: boolean;
}

/**
 * `onError` receives every connection's errors: without a listener ioredis prints them to stderr,
 * past the logger (and its masking).
 */
export function createRedisFactory(url: string | undefined, onError?: (role: string, err: Error) => void): RedisFactory {
  if (url === undefined) {
    // Every mock instance shares one in-memory data set, as connections to one server would.
    return { inMemory: true, connect: () => new RedisMock() as unknown as Redis };
  }
  return {
    inMemory: false,
    connect: (role, opts) => {
      const conn = new Redis(url, {
        connectionName: `regideso-ussd:${role}`,
        // A producer (the USSD hop) must fail fast when Redis is down rather than queue commands
        // past the gateway's deadline; workers wait for Redis to come back.
        maxRetriesPerRequest: opts?.failFast ? 1 : null,
        ...(opts?.failFast ? { commandTimeout: 1500 } : {}),
      });
      conn.on('error', (err: Error) => onError?.(role, err));
      return conn;
    },
  };
}
