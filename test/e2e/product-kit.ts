import { randomUUID } from 'node:crypto';
import Redis from 'ioredis';
import request from 'supertest';
import { composeProduct, type ComposeOptions, type Product } from '../../src/compose';
import { loadConfig } from '../../src/config';
import { silentLogger, type Logger } from '../../src/logging/logger';
import { deleteKeys, newTestPrefix, REDIS_URL } from '../support/redis';

export { REDIS_URL };

export interface RunningProduct {
  product: Product;
  prefix: string;
  hop(sessionId: string, phoneNumber: string, text: string, path?: string): request.Test;
  /** Polls until `check` returns a value: the payment job runs after the hop has answered. */
  eventually<T>(check: () => Promise<T | undefined>, what: string): Promise<T>;
  close(): Promise<void>;
}

/** The whole product as main.ts builds it, from an environment given here (not process.env). */
export async function startProduct(env: Record<string, string>, opts: Pick<ComposeOptions, 'payments'> & { logger?: Logger } = {}): Promise<RunningProduct> {
  const result = loadConfig(env);
  if (!result.ok) throw new Error(result.errors.join('; '));
  const prefix = newTestPrefix('e2e');
  const { logger = silentLogger(), ...composeOpts } = opts;
  const product = await composeProduct(result.config, logger, { prefix, defaultMetrics: false, ...composeOpts });
  await product.start();
  return {
    product,
    prefix,
    hop: (sessionId, phoneNumber, text, path = '/ussd') =>
      request(product.app).post(path).type('form').send({ sessionId, serviceCode: '*123#', phoneNumber, networkCode: '63902', text }),
    async eventually(check, what) {
      for (let i = 0; i < 200; i++) {
        const v = await check();
        if (v !== undefined) return v;
        await new Promise((r) => setTimeout(r, 50));
      }
      throw new Error(`never happened: ${what}`);
    },
    async close() {
      await product.stop();
      if (env.REDIS_URL !== undefined) {
        const redis = new Redis(REDIS_URL);
        await deleteKeys(redis, prefix).finally(() => redis.disconnect());
      }
    },
  };
}

export const newSession = () => `ATUid_${randomUUID().replace(/-/g, '')}`;
let phoneCounter = 0;
export const newPhone = () => `+24381${String(Date.now() % 1e5).padStart(5, '0')}${String(phoneCounter++ % 100).padStart(2, '0')}`;

/** The inputs that pay 100 CDF on the oldest unpaid bill of 83262 (bill 108776771 of 2024-03). */
export const PAY_100_ON_108776771 = ['', '1', '1*83262', '1*83262*1', '1*83262*1*2', '1*83262*1*2*2', '1*83262*1*2*2*100', '1*83262*1*2*2*100*2'];
