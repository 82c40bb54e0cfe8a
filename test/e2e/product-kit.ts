import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { composeProduct, type ComposeOptions, type Product } from '../../src/compose';
import { loadConfig } from '../../src/config';
import { silentLogger, type Logger } from '../../src/logging/logger';
import { testDb, type TestDb } from '../support/db';
import { deletePrefix, newTestPrefix, REDIS_ENV, REDIS_URL } from '../support/redis';

/** REDIS_ENV points a product at the tests' Redis: REDIS_URL, or REDIS_CLUSTER_NODES in the cluster run. */
export { REDIS_ENV, REDIS_URL };

export interface RunningProduct {
  product: Product;
  prefix: string;
  /** The embedded ledger's folder (DATA_DIR), when the product keeps PGlite on disk. */
  dataDir: string | undefined;
  /** The PostgreSQL schema of this product's ledger, when it has one. */
  pg: TestDb | undefined;
  hop(sessionId: string, phoneNumber: string, text: string, path?: string): request.Test;
  /** Polls until `check` returns a value (the payment job runs after the hop has answered); jest's timeout is the bound. */
  eventually<T>(check: () => Promise<T | undefined>, what: string): Promise<T>;
  close(): Promise<void>;
}

export interface StartOptions extends Pick<ComposeOptions, 'payments' | 'db' | 'regidesoCheckMs' | 'reconciliationSchedule'> {
  logger?: Logger;
  /**
   * Where the ledger lives. `schema` (the default with REDIS_URL or REDIS_CLUSTER_NODES): a PostgreSQL schema of the test's
   * own, passed in as ComposeOptions.db. `data-dir` (the default without): the embedded PGlite,
   * opened by the product itself in DATA_DIR, a temporary folder unless the env names one (a restart
   * on the same folder finds its ledger again). Ignored when `db` is given.
   */
  ledger?: 'schema' | 'data-dir';
  /** Keep DATA_DIR when closing (a restart test removes it itself). */
  keepDataDir?: boolean;
}

/** A temporary DATA_DIR; removed by `close()` unless kept. */
export function tempDataDir(): string {
  return mkdtempSync(path.join(tmpdir(), 'rgd-e2e-'));
}

/** The whole product as main.ts builds it, from an environment given here (not process.env). */
export async function startProduct(env: Record<string, string>, opts: StartOptions = {}): Promise<RunningProduct> {
  const onRedis = env.REDIS_URL !== undefined || env.REDIS_CLUSTER_NODES !== undefined;
  const { logger = silentLogger(), ledger = onRedis ? 'schema' : 'data-dir', keepDataDir = false, ...composeOpts } = opts;
  const pg = composeOpts.db === undefined && ledger === 'schema' && env.DATABASE_URL === undefined ? await testDb('e2e') : undefined;
  const ownDataDir = composeOpts.db === undefined && ledger === 'data-dir' && env.DATA_DIR === undefined ? tempDataDir() : undefined;
  const dataDir = env.DATA_DIR ?? ownDataDir;
  const result = loadConfig({ ...env, ...(ownDataDir !== undefined ? { DATA_DIR: ownDataDir } : {}) });
  if (!result.ok) throw new Error(result.errors.join('; '));
  const prefix = newTestPrefix('e2e');
  const product = await composeProduct(result.config, logger, { prefix, defaultMetrics: false, ...composeOpts, ...(pg !== undefined ? { db: pg.db } : {}) });
  await product.start();
  return {
    product,
    prefix,
    dataDir,
    pg,
    hop: (sessionId, phoneNumber, text, p = '/ussd') =>
      request(product.app).post(p).type('form').send({ sessionId, serviceCode: '*123#', phoneNumber, networkCode: '63902', text }),
    async eventually(check, _what) {
      // No deadline of its own: jest's test timeout is the bound (`_what` names the wait for a reader).
      for (;;) {
        const v = await check();
        if (v !== undefined) return v;
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    async close() {
      await product.stop();
      if (onRedis) await deletePrefix(prefix);
      await pg?.drop();
      if (ownDataDir !== undefined && !keepDataDir) rmSync(ownDataDir, { recursive: true, force: true });
    },
  };
}

export const newSession = () => `ATUid_${randomUUID().replace(/-/g, '')}`;
let phoneCounter = 0;
export const newPhone = () => `+24381${String(Date.now() % 1e5).padStart(5, '0')}${String(phoneCounter++ % 100).padStart(2, '0')}`;

/** The inputs that pay 100 CDF on the oldest unpaid bill of 83262 (bill 108776771 of 2024-03). */
export const PAY_100_ON_108776771 = ['', '1', '1*83262', '1*83262*1', '1*83262*1*2', '1*83262*1*2*2', '1*83262*1*2*2*100', '1*83262*1*2*2*100*2'];
