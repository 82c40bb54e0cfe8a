import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { createOperatorStore } from '../../src/operators/store';
import { intentIdFor } from '../../src/payments/ids';
import { newIntent, toRecord } from '../../src/payments/intent';
import { createLedger, type Ledger } from '../../src/payments/ledger';
import type { OperatorPayments } from '../../src/http/operator-router';
import type { RedisClient } from '../../src/redis';
import { testDb, type TestDb } from '../support/db';
import { deleteKeys, newTestPrefix, testRedisFactory } from '../support/redis';
import { bearer, operatorApp } from './operator-kit';
import { queueSmsIn } from '../../src/sms/store';

/**
 * Before the first operator key: outside production the operator routes stay open (the two-command
 * demo works, and what is done there is recorded as the anonymous operator); in production they
 * are closed to anyone without a key. A ledger of this file's own, with no operator in it.
 */
const TOKEN = 'open-webhook-token-0123456789';
let pg: TestDb;
let ledger: Ledger;
let redis: RedisClient;
const prefix = newTestPrefix('opopen');
const factory = testRedisFactory();

/** The ledger's own reads and writes, as the payment service passes them through. */
const payments = (): OperatorPayments => ({
  list: async (q) => (await ledger.list(q)).map(toRecord),
  flagged: async (limit, opts) => (await ledger.flagged(limit, opts)).map(toRecord),
  resolveFlag: (id, note, by) => ledger.resolveFlag(id, note, by, new Date()),
});

async function flaggedPayment(): Promise<string> {
  const sessionId = `ATUid_${randomUUID()}`;
  const id = intentIdFor(sessionId, 'nonce');
  const req = { sessionId, sessionNonce: 'nonce', phoneNumber: '+243812345990', language: 'fr' as const, refClient: '83262', province: 'KIN' as const, subscriberName: 'MUKEBA MUKEBA', bills: [{ faeId: '108776771', billNumber: 'F1', issuedOn: '2025-01-01', balanceCentimes: 500_000 }], amountCentimes: 500_000 };
  await ledger.create({ ...newIntent(req, id, { operator: 'FINCA', collection: 'none', at: new Date() }), status: 'reconciled' });
  expect(await ledger.flag(id, 'landed_without_receipt', 'answer lost')).toBe(true);
  return id;
}

beforeAll(async () => {
  pg = await testDb('operators_open');
  ledger = createLedger(pg.db, { queueSms: queueSmsIn });
  redis = factory.connect('test');
});
afterAll(async () => {
  await deleteKeys(redis, prefix);
  await redis.quit();
  await pg.drop();
});

const appFor = (production: boolean) => operatorApp({ db: pg.db, ledger, payments: payments(), redis, prefix, token: TOKEN, production });

it('in production, with no key yet: closed (401), even under the webhook token', async () => {
  const app = appFor(true);
  const id = await flaggedPayment();
  await request(app).get('/payments').expect(401);
  await request(app).get(`/${TOKEN}/payments`).expect(401);
  await request(app).get(`/payments/${id}`).expect(401);
  await request(app).post(`/payments/flagged/${id}/resolve`).send({ note: 'checked with REGIDESO' }).expect(401);
});

it('outside production, with no key yet: open to all as the anonymous admin, recorded as such; the first key closes it at once, and revoking it does not reopen it', async () => {
  const app = appFor(false);
  const id = await flaggedPayment();
  expect((await request(app).get('/payments').expect(200)).body.payments.map((r: { intentId: string }) => r.intentId)).toContain(id);
  const res = await request(app).post(`/payments/flagged/${id}/resolve`).send({ note: 'checked with REGIDESO' }).expect(200);
  expect(res.body.by).toBe('anonymous (no operator keys yet)');
  const trail = await ledger.events(id);
  expect(trail.at(-1)).toMatchObject({ event: 'flag_resolved', actor: 'anonymous (no operator keys yet)' });
  // A key presented is checked even while the door is open: a wrong one is refused.
  await request(app).get('/payments').set(bearer('rgdop_' + 'C'.repeat(43))).expect(401);
  // `Bearer ` and nothing (the README's curl with $KEY unset) presents no key: still open.
  await request(app).get('/payments').set('Authorization', 'Bearer ').expect(200);

  const operators = createOperatorStore(pg.db);
  const added = await operators.add('First Admin', 'admin');
  if (added.kind !== 'added') throw new Error('not added');
  await request(app).get('/payments').expect(401);
  await request(app).get('/payments').set('Authorization', 'Bearer ').expect(401);
  await request(app).get('/payments').set(bearer(added.key)).expect(200);
  await operators.revoke('First Admin');
  await request(app).get('/payments').expect(401);
  // A new app on the same ledger (a restart) agrees.
  await request(appFor(false)).get('/payments').expect(401);
});
