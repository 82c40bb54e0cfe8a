import type Redis from 'ioredis';

/**
 * The gateway posts an inbound SMS again every minute until it gets a 200, so one message may
 * arrive several times with the same `id`. The first arrival claims the id (SET NX with a TTL that
 * outlives the gateway's retries); later ones are answered 200 and not replied to.
 */
export function createInboundDedup(deps: { redis: Redis; prefix: string; ttlSeconds: number }) {
  return {
    async firstDelivery(id: string): Promise<boolean> {
      const r = await deps.redis.set(`${deps.prefix}sms:in:${id}`, '1', 'EX', deps.ttlSeconds, 'NX');
      return r === 'OK';
    },
  };
}

export type InboundDedup = ReturnType<typeof createInboundDedup>;
