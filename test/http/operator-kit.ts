import type express from 'express';
import type { Db } from '../../src/db/types';
import { createApp } from '../../src/http/app';
import { bearerKeyReader, createOperatorGuard, openUntilFirstKey } from '../../src/http/operator-auth';
import { createOperatorRouter, type OperatorPayments, type OperatorRouterDeps } from '../../src/http/operator-router';
import { createFailedAuthLimiter, requireWebhookToken } from '../../src/http/security';
import { silentLogger } from '../../src/logging/logger';
import { createMetrics } from '../../src/metrics';
import { createOperatorStore } from '../../src/operators/store';
import { createPaymentDetails } from '../../src/payments/detail';
import type { Ledger } from '../../src/payments/ledger';
import type { RedisClient } from '../../src/redis';
import { productMessages } from '../support/texts';

/**
 * The operator routes as the composition root mounts them (src/compose.ts): the real app factory,
 * the webhook token guarding the callbacks, operator keys checked in the ledger `db`. `production`
 * closes the routes to anyone without a key; otherwise they stay open until the first key exists.
 */
export function operatorApp(opts: {
  db: Db;
  ledger: Ledger;
  payments: OperatorPayments;
  redis: RedisClient;
  prefix: string;
  token: string;
  production?: boolean;
  failedAuthLimit?: number;
  resendReceipt?: OperatorRouterDeps['resendReceipt'];
}): express.Express {
  const logger = silentLogger();
  const metrics = createMetrics({ defaults: false });
  const operators = createOperatorStore(opts.db);
  const failedAuthLimiter = createFailedAuthLimiter({ redis: opts.redis, prefix: opts.prefix, limit: opts.failedAuthLimit ?? 1000, windowSeconds: 60 });
  const requireOperator = createOperatorGuard({
    readers: [bearerKeyReader(operators.authenticate)],
    ...(opts.production === true ? {} : { openWithoutKeys: openUntilFirstKey(operators.any) }),
    logger,
    failedAuthLimiter,
  });
  return createApp({
    logger,
    metrics,
    readiness: async () => ({ required: { test: true } }),
    messages: productMessages(),
    tokenGuard: requireWebhookToken(opts.token, { logger, metrics, failedAuthLimiter }),
    callbacks: [],
    operators: [createOperatorRouter({ payments: opts.payments, details: createPaymentDetails(opts.db, opts.ledger), requireOperator, resendReceipt: opts.resendReceipt, logger })],
  });
}

export const bearer = (key: string) => ({ Authorization: `Bearer ${key}` });
