import type express from 'express';
import request from 'supertest';
import { createOperatorStore, type OperatorStore } from '../../src/operators/store';
import { newIntent } from '../../src/payments/intent';
import type { PaymentServiceHandle } from '../../src/payments/service';
import type { PaymentRecord } from '../../src/payments/types';
import { intentOf, PHONE, requestFor, settledRecord, startHarness, type Harness } from '../payments/harness';
import { bearer, operatorApp } from './operator-kit';
import { metricNow } from './sms-kit';

/**
 * The operator's views of the ledger over HTTP, mounted by the real app factory as the product
 * mounts them, each behind an operator key of its own (never the webhook token), on payments made
 * by the real payment service (sandbox REGIDESO over HTTP, PostgreSQL, BullMQ): one that succeeded,
 * one whose PayFact answer REGIDESO dropped after applying it (landed without a receipt: flagged),
 * one REGIDESO refused (failed). Keys exist from the start: the routes are closed to anyone without
 * one (test/http/operator-open.test.ts covers the demo's open door before the first key).
 */
const TOKEN = 'operator-webhook-token-0123456789';
let h: Harness;
let service: PaymentServiceHandle;
let app: express.Express;
let operators: OperatorStore;
let succeeded: PaymentRecord;
let flagged: PaymentRecord;
let failed: PaymentRecord;
let limiterRedis: ReturnType<Harness['redis']['connect']>;
const keys = { admin: '', viewer: '', resolver: '' };

function appFor(payments: PaymentServiceHandle = service): express.Express {
  return operatorApp({ db: h.db, ledger: service.ledger, payments, redis: limiterRedis, prefix: `${h.prefix}op:`, token: TOKEN });
}

/** A calendar day in Kinshasa (UTC+1), as the route reads a bare date. */
const kinshasaDay = (d: Date) => new Date(d.getTime() + 3_600_000).toISOString().slice(0, 10);
const DAY = 86_400_000;

async function addKey(name: string, role: 'viewer' | 'resolver' | 'admin'): Promise<string> {
  const out = await operators.add(name, role);
  if (out.kind !== 'added') throw new Error(`${name}: ${out.kind}`);
  return out.key;
}

beforeAll(async () => {
  h = await startHarness();
  service = await h.service();
  limiterRedis = h.redis.connect('limiter');
  operators = createOperatorStore(h.db);
  keys.admin = await addKey('Amani Admin', 'admin');
  keys.viewer = await addKey('Vicky Viewer', 'viewer');
  keys.resolver = await addKey('Rose Resolver', 'resolver');

  const first = await requestFor(h.regideso, { amountCentimes: 100_000 });
  const ok = await service.confirm(first);
  if (ok.kind !== 'succeeded') throw new Error(`expected succeeded, got ${ok.kind}`);
  succeeded = await settledRecord(service, intentOf(first));

  h.sandbox.faults.payFact.push({ kind: 'dropAfterApply' });
  const second = await requestFor(h.regideso, { amountCentimes: 200_057 });
  await service.confirm(second);
  flagged = await settledRecord(service, intentOf(second));

  // The subscriber saw a balance REGIDESO no longer has: the job's check refuses it, nothing paid.
  const third = await requestFor(h.regideso, { amountCentimes: 5_000_000 });
  const bill = third.bills[0];
  if (bill === undefined) throw new Error('no bill');
  third.bills = [{ ...bill, balanceCentimes: 10_000_000 }];
  await service.confirm(third);
  failed = await settledRecord(service, intentOf(third));

  app = appFor();
});

afterAll(async () => {
  await limiterRedis.quit();
  await h.cleanup();
});

/** A GET as the admin. */
const get = (path: string) => request(app).get(path).set(bearer(keys.admin));
const pageOf = (res: request.Response) => (res.body as { payments: PaymentRecord[]; next: string | null }).payments;

it('the payments are what the test made (the ledger holds them)', () => {
  expect(succeeded).toMatchObject({ status: 'succeeded', flagReason: null, phoneNumber: PHONE });
  expect(flagged).toMatchObject({ status: 'reconciled', ownReference: true, flagReason: 'landed_without_receipt' });
  expect(failed).toMatchObject({ status: 'failed', numAcquit: null });
});

describe('GET /payments', () => {
  it('lists the day in JSON, oldest first, every field of the record, and says there is no next page', async () => {
    const today = kinshasaDay(new Date());
    const res = await get(`/payments?from=${today}&to=${today}`).expect(200).expect('content-type', /json/);
    expect(res.body.next).toBeNull();
    expect(res.headers.link).toBeUndefined();
    const rows = pageOf(res);
    expect(rows.map((r) => r.intentId)).toEqual([succeeded.intentId, flagged.intentId, failed.intentId]);
    expect(rows[0]).toEqual(succeeded);
  });

  it('filters by status', async () => {
    expect(pageOf(await get('/payments?status=reconciled').expect(200)).map((r) => r.intentId)).toEqual([flagged.intentId]);
    expect(pageOf(await get('/payments?status=failed').expect(200))).toEqual([failed]);
  });

  it('takes a range: a bare date is a whole Kinshasa day, `to` included; an ISO timestamp is taken as it is', async () => {
    const now = new Date();
    const tomorrow = kinshasaDay(new Date(now.getTime() + DAY));
    const yesterday = kinshasaDay(new Date(now.getTime() - DAY));
    expect(pageOf(await get(`/payments?from=${tomorrow}`).expect(200))).toEqual([]);
    expect(pageOf(await get(`/payments?to=${yesterday}`).expect(200))).toEqual([]);
    expect(pageOf(await get(`/payments?from=${yesterday}`).expect(200))).toHaveLength(3);
    // From the second payment's own instant: the first is left out.
    const res = await get('/payments').query({ from: flagged.createdAt }).expect(200);
    expect(pageOf(res).map((r) => r.intentId)).toEqual([flagged.intentId, failed.intentId]);
  });

  it('answers CSV to Accept: text/csv: a header line, one line per payment, the amount in CDF beside the centimes, a formula-looking field neutralised', async () => {
    const res = await get('/payments').set('Accept', 'text/csv').expect(200).expect('content-type', /text\/csv/);
    const lines = res.text.split('\r\n');
    expect(lines[0]).toBe(
      'createdAt,intentId,status,refClient,province,amountCentimes,amountCdf,numAcquit,ownReference,phoneNumber,billIds,collection,provider,depositId,depositStatus,providerTransactionId,refundId,refundStatus,flagReason,resolvedAt,updatedAt',
    );
    expect(lines).toHaveLength(5);
    expect(lines[4]).toBe('');
    expect(res.headers.link).toBeUndefined();
    const cells = (lines[2] ?? '').split(',');
    expect(cells.slice(0, 10)).toEqual([flagged.createdAt, flagged.intentId, 'reconciled', '83262', 'KIN', '200057', '2000.57', flagged.numAcquit, 'true', `'${PHONE}`]);
    expect((lines[1] ?? '').split(',')[6]).toBe('1000.00');
    // A cell starting with + would be read by a spreadsheet as a formula: kept as text.
    expect(res.text).not.toMatch(/(^|,)\+243/m);
    expect(cells[18]).toBe('landed_without_receipt');
  });

  it.each([
    ['from=2026-13-45', 'from'],
    ['from=yesterday', 'from'],
    ['to=2026-02-30T25:00:00Z', 'to'],
    ['from=2026-02-30', 'from'],
    ['to=2025-04-31', 'to'],
    ['from=2026-02-29T10:00:00Z', 'from'],
    ['from=1', 'from'],
    ['to=March%203%202026', 'to'],
    ['status=paid', 'status'],
    ['limit=0', 'limit'],
    ['limit=1001', 'limit'],
    ['limit=abc', 'limit'],
    ['cursor=abc', 'cursor'],
    [`cursor=${Buffer.from(JSON.stringify(['2026-01-01T00:00:00.000Z', "x' OR 1=1"])).toString('base64url')}`, 'cursor'],
  ])('%s: 400 naming the field', async (query, field) => {
    const res = await get(`/payments?${query}`).expect(400);
    expect(res.body.error).toBe('bad_request');
    expect(res.body.message).toContain(`${field}:`);
  });

  it('a ledger that cannot be read is a 503, not a stack trace', async () => {
    const down = appFor({ ...service, list: () => Promise.reject(new Error('connection refused')), flagged: () => Promise.reject(new Error('connection refused')) });
    expect((await request(down).get('/payments').set(bearer(keys.viewer)).expect(503)).body).toEqual({ error: 'unavailable', message: 'Payment records cannot be read right now' });
    await request(down).get('/payments/flagged').set(bearer(keys.viewer)).expect(503);
  });
});

describe('operator keys and roles', () => {
  it.each([
    ['GET', '/payments'],
    ['GET', '/payments/flagged'],
    ['GET', '/payments/pi-00000000000000000000000000000000'],
    ['POST', '/payments/flagged/x/resolve'],
  ])('%s %s: the webhook token opens nothing (path, query, or as a bearer), nor no key, nor a wrong one: 401', async (method, path) => {
    const call = (p: string, key?: string) => {
      const r = method === 'GET' ? request(app).get(p) : request(app).post(p).send({ note: 'checked' });
      return key === undefined ? r : r.set(bearer(key));
    };
    for (const res of [
      await call(path),
      await call(`/${TOKEN}${path}`),
      await call(`${path}?token=${TOKEN}`),
      await call(path, TOKEN),
      await call(path, `${keys.admin.slice(0, -1)}x`),
      await call(path, 'rgdop_' + 'A'.repeat(43)),
    ]) {
      expect(res.status).toBe(401);
      expect(res.body.error).toBe('unauthorized');
      expect(res.headers['www-authenticate']).toMatch(/^Bearer/);
    }
    // The same request with a key is served.
    expect((await call(path, keys.admin)).status).not.toBe(401);
  });

  it('an Authorization header that is not a bearer key is refused, not ignored', async () => {
    await request(app).get('/payments').set('Authorization', `Basic ${Buffer.from(`x:${TOKEN}`).toString('base64')}`).expect(401);
  });

  it('a viewer reads, but gets 403 on resolve, and the flag stays', async () => {
    expect(pageOf(await request(app).get('/payments').set(bearer(keys.viewer)).expect(200))).toHaveLength(3);
    await request(app).get(`/payments/${flagged.intentId}`).set(bearer(keys.viewer)).expect(200);
    const res = await request(app).post(`/payments/flagged/${flagged.intentId}/resolve`).set(bearer(keys.viewer)).send({ note: 'checked with REGIDESO' }).expect(403);
    expect(res.body).toEqual({ error: 'forbidden', message: 'this needs the resolver role; the key of Vicky Viewer has the viewer role' });
    expect((await get('/payments/flagged').expect(200)).body).toHaveLength(1);
  });

  it('a revoked key stops working at once', async () => {
    const key = await addKey('Short Lived', 'viewer');
    await request(app).get('/payments').set(bearer(key)).expect(200);
    expect(await operators.revoke('Short Lived')).toBe(true);
    const res = await request(app).get('/payments').set(bearer(key)).expect(401);
    expect(res.body.message).toMatch(/revoked/);
    // Its name may be given a new key; the old one stays dead.
    const fresh = await addKey('Short Lived', 'viewer');
    await request(app).get('/payments').set(bearer(fresh)).expect(200);
    await request(app).get('/payments').set(bearer(key)).expect(401);
  });

  it('wrong keys from one address are throttled like wrong webhook tokens: 429 past the limit', async () => {
    const strict = operatorApp({ db: h.db, ledger: service.ledger, payments: service, redis: limiterRedis, prefix: `${h.prefix}strict:`, token: TOKEN, failedAuthLimit: 2 });
    const wrong = () => request(strict).get('/payments').set(bearer('rgdop_' + 'B'.repeat(43)));
    expect((await wrong()).status).toBe(401);
    expect((await wrong()).status).toBe(401);
    expect((await wrong()).status).toBe(429);
  });
});

describe('flagged payments', () => {
  it('GET /payments/flagged lists the payments a person must look at, and only those', async () => {
    const res = await get('/payments/flagged').expect(200);
    expect((res.body as PaymentRecord[]).map((r) => [r.intentId, r.flagReason])).toEqual([[flagged.intentId, 'landed_without_receipt']]);
    await get('/payments/flagged?limit=abc').expect(400);
    await get('/payments/flagged?resolved=maybe').expect(400);
    expect((await get('/payments/flagged?resolved=true').expect(200)).body).toEqual([]);
  });

  it.each([
    ['no body', undefined],
    ['no note', { note: undefined }],
    ['a note too short to say anything', { note: 'ok' }],
    ['a note that is not text', { note: 42 }],
    ['a note over 1000 characters', { note: 'x'.repeat(1001) }],
    ['a name of its own choosing in `by`', { note: 'checked with REGIDESO', by: 'mallory' }],
  ])('resolve with %s: 400, and the payment stays flagged', async (_what, body) => {
    const req = request(app).post(`/payments/flagged/${flagged.intentId}/resolve`).set(bearer(keys.resolver));
    const res = await (body === undefined ? req : req.send(body)).expect(400);
    expect(res.body.error).toBe('bad_request');
    expect((await get('/payments/flagged').expect(200)).body).toHaveLength(1);
  });

  it('an unknown id, or one never flagged: 404', async () => {
    await request(app).post('/payments/flagged/no-such-intent/resolve').set(bearer(keys.resolver)).send({ note: 'checked with REGIDESO' }).expect(404);
    const res = await request(app).post(`/payments/flagged/${succeeded.intentId}/resolve`).set(bearer(keys.resolver)).send({ note: 'checked with REGIDESO' }).expect(404);
    expect(res.body.error).toBe('not_found');
  });

  it("a resolver resolves with a note: off the open list, on the resolved one, the key's name in the trail, counted; again is a 404", async () => {
    const resolutions = await metricNow(h.metrics, 'payments_flag_resolutions_total', {});
    const note = 'REGIDESO confirms the payment landed; receipt 29-01-25X-83262 given by phone';
    const res = await request(app).post(`/payments/flagged/${flagged.intentId}/resolve`).set(bearer(keys.resolver)).send({ note }).expect(200);
    expect(res.body).toEqual({ resolved: true, intentId: flagged.intentId, by: 'Rose Resolver' });
    expect((await get('/payments/flagged').expect(200)).body).toEqual([]);
    const trail = await service.auditTrail(flagged.intentId);
    expect(trail.at(-1)).toMatchObject({ event: 'flag_resolved', detail: `by Rose Resolver: ${note}`, actor: 'Rose Resolver' });
    expect(await metricNow(h.metrics, 'payments_flag_resolutions_total', {})).toBe(resolutions + 1);
    await request(app).post(`/payments/flagged/${flagged.intentId}/resolve`).set(bearer(keys.admin)).send({ note: 'again' }).expect(404);

    // A cleared landed_without_receipt stays findable: on the resolved list, and on the payment's page.
    const resolved = (await get('/payments/flagged?resolved=true').expect(200)).body as PaymentRecord[];
    expect(resolved.map((r) => [r.intentId, r.flagReason, r.resolvedBy, r.resolutionNote])).toEqual([[flagged.intentId, 'landed_without_receipt', 'Rose Resolver', note]]);
    const page = await get(`/payments/${flagged.intentId}`).expect(200);
    expect(page.body.flag).toEqual({ reason: 'landed_without_receipt', flaggedAt: flagged.flaggedAt, resolvedAt: expect.any(String), resolvedBy: 'Rose Resolver', note });
    expect(page.body.trail.at(-1)).toMatchObject({ event: 'flag_resolved', by: 'Rose Resolver' });
    // Still in the ledger, as it was: only the flag is handled.
    expect(pageOf(await get('/payments?status=reconciled').expect(200))[0]).toMatchObject({ intentId: flagged.intentId, flagReason: 'landed_without_receipt' });
  });
});

describe('GET /payments/:intentId', () => {
  it("one payment: the record, its whole trail in order with who and when, its receipt SMS", async () => {
    const res = await request(app).get(`/payments/${succeeded.intentId}`).set(bearer(keys.viewer)).expect(200);
    expect(res.body.payment).toEqual(await service.get(succeeded.intentId));
    const trail = res.body.trail as Array<{ at: string; event: string; by: string }>;
    expect(trail.map((e) => e.event)).toEqual((await service.auditTrail(succeeded.intentId)).map((e) => e.event));
    expect(trail[0]).toMatchObject({ event: 'confirmed', by: `subscriber ${PHONE}` });
    expect(trail.at(-1)).toMatchObject({ event: 'paid', by: 'product' });
    expect(trail.map((e) => e.at)).toEqual([...trail.map((e) => e.at)].sort());
    expect(res.body.sms).toEqual([expect.objectContaining({ kind: 'receipt', recipient: PHONE, body: expect.stringContaining(succeeded.numAcquit ?? 'none') })]);
    expect(res.body).toMatchObject({ flag: null, deposit: null, refund: null });
  });

  it('an unknown id is a 404, a malformed one a 400, both JSON', async () => {
    expect((await get('/payments/pi-0123456789abcdef0123456789abcdef').expect(404)).body).toEqual({ error: 'not_found', message: 'no payment has this id' });
    expect((await get("/payments/pi-x' OR 1=1").expect(400)).body.error).toBe('bad_request');
  });
});

// Last: it adds a payment to the ledger, which the lists above do not expect.
describe('paging', () => {
  it('a cursor walks every payment exactly once, in JSON and through the CSV Link header, while a new one arrives mid-walk', async () => {
    const seen: string[] = [];
    let res = await get('/payments?limit=2').expect(200);
    expect(pageOf(res)).toHaveLength(2);
    expect(res.body.next).toEqual(expect.any(String));
    expect(res.headers.link).toBe(`</payments?limit=2&cursor=${res.body.next as string}>; rel="next"`);
    seen.push(...pageOf(res).map((r) => r.intentId));

    // A payment made while the operator pages: it comes last, and nothing is seen twice or skipped.
    const req = await requestFor(h.regideso);
    const late = { ...newIntent(req, intentOf(req), { operator: 'FINCA', collection: 'none', at: new Date() }), status: 'failed' as const };
    await service.ledger.create(late);

    while (typeof res.body.next === 'string') {
      res = await get('/payments').query({ limit: 2, cursor: res.body.next }).expect(200);
      seen.push(...pageOf(res).map((r) => r.intentId));
    }
    expect(seen).toEqual([succeeded.intentId, flagged.intentId, failed.intentId, late.id]);

    const csvIds: string[] = [];
    let url: string | undefined = '/payments?limit=3';
    while (url !== undefined) {
      const page: request.Response = await get(url).set('Accept', 'text/csv').expect(200);
      const lines = page.text.split('\r\n').filter((l: string) => l !== '');
      expect(lines[0]).toMatch(/^createdAt,intentId,/);
      csvIds.push(...lines.slice(1).map((l) => l.split(',')[1] ?? ''));
      url = /^<([^>]+)>; rel="next"$/.exec(String(page.headers.link ?? ''))?.[1];
    }
    expect(csvIds).toEqual(seen);
  });

  it('filters hold across pages: the link repeats them', async () => {
    const res = await get('/payments?status=failed&limit=1').expect(200);
    expect(pageOf(res).map((r) => r.intentId)).toEqual([failed.intentId]);
    const next = await get(/^<([^>]+)>/.exec(String(res.headers.link))?.[1] ?? 'missing').expect(200);
    expect(pageOf(next).map((r) => r.status)).toEqual(['failed']);
    expect(next.body.next).toBeNull();
  });

  it('without a limit a page is 100 rows', async () => {
    const req = await requestFor(h.regideso);
    const at = Date.now();
    for (let i = 0; i < 100; i++) {
      const r = { ...req, sessionId: `${req.sessionId}-${i}` };
      await service.ledger.create({ ...newIntent(r, intentOf(r), { operator: 'FINCA', collection: 'none', at: new Date(at + i) }), status: 'failed' });
    }
    const res = await get('/payments').expect(200);
    expect(pageOf(res)).toHaveLength(100);
    expect(res.body.next).toEqual(expect.any(String));
  });
});
