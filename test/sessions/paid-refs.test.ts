import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import Redis from 'ioredis';
import { createLogger, silentLogger } from '../../src/logging/logger';
import { rememberPaidOn } from '../../src/privacy/remember-paid';
import { createRedisHopStore } from '../../src/sessions/hop-store';
import { phoneKeys } from '../../src/sessions/keys';
import { createSubscriberPrefs, hasPaidRef, PAID_REFS_KEPT, readPrefs } from '../../src/sessions/subscriber-prefs';
import type { PaidRef } from '../../src/sessions/types';
import { record } from '../http/sms-kit';
import { connectTestRedis, deleteKeys, newTestPrefix } from '../support/redis';
import { freePort } from '../support/processes';
import { until } from '../support/wait';

/** The references a phone has paid, kept with its preferences in Redis (real Redis, a prefix of this file's own). */
const redis = connectTestRedis();
const prefix = newTestPrefix('paid-refs');
const prefs = createSubscriberPrefs(redis, { prefix, ttlSeconds: 600 });
afterAll(async () => {
  await deleteKeys(redis, prefix);
  await redis.quit();
});

const newPhone = () => `+24381${String(Math.floor(Math.random() * 1e7)).padStart(7, '0')}`;
const paid = (ref: string, over: Partial<PaidRef> = {}): PaidRef => ({ ref, province: 'KIN', maskedName: 'MUKEBA M.', at: Date.now(), ...over });

test('newest first, one entry per reference and province, the newest few kept, within a TTL', async () => {
  const phone = newPhone();
  for (const ref of ['10001', '10002', '10003', '10004', '10005', '10006']) await prefs.rememberPaidRef(phone, paid(ref));
  await prefs.rememberPaidRef(phone, paid('10003', { at: 42 }));
  await prefs.rememberPaidRef(phone, paid('10003', { province: 'NK', maskedName: 'KAHINDO M.' }));
  const list = (await prefs.get(phone)).paidRefs;
  expect(list).toHaveLength(PAID_REFS_KEPT);
  expect(list.map((p) => `${p.ref} ${p.province}`)).toEqual(['10003 NK', '10003 KIN', '10006 KIN', '10005 KIN', '10004 KIN']);
  expect(list[1]).toEqual({ ref: '10003', province: 'KIN', maskedName: 'MUKEBA M.', at: 42 });
  const ttl = await redis.ttl(phoneKeys(prefix, phone).prefs);
  expect(ttl).toBeGreaterThan(0);
  expect(ttl).toBeLessThanOrEqual(600);
});

test('the whole list stays within a small share of the per-session budget, long names and references included', async () => {
  const phone = newPhone();
  for (let i = 0; i < PAID_REFS_KEPT + 2; i++) {
    await prefs.rememberPaidRef(phone, paid(`${i}`.padStart(20, '9'), { maskedName: 'NGALULA-MBUYAMBA-KASEREKA-TSHIMANGA K. T. W. M.', province: 'KAN' }));
  }
  const raw = (await redis.hget(phoneKeys(prefix, phone).prefs, 'paidRefs')) ?? '';
  expect(Buffer.byteLength(raw)).toBeLessThan(600);
  expect((await prefs.get(phone)).paidRefs.every((p) => p.maskedName.length <= 24)).toBe(true);
});

test('forgetPaidRef takes a reference off the list, in one province or in all', async () => {
  const phone = newPhone();
  await prefs.rememberPaidRef(phone, paid('83262'));
  await prefs.rememberPaidRef(phone, paid('83262', { province: 'NK' }));
  await prefs.rememberPaidRef(phone, paid('41007', { province: 'NK' }));
  await prefs.forgetPaidRef(phone, '83262', 'NK');
  expect((await prefs.get(phone)).paidRefs.map((p) => `${p.ref} ${p.province}`)).toEqual(['41007 NK', '83262 KIN']);
  await prefs.forgetPaidRef(phone, '83262');
  expect((await prefs.get(phone)).paidRefs.map((p) => p.ref)).toEqual(['41007']);
  // The other preferences are untouched.
  await prefs.setLanguage(phone, 'sw');
  await prefs.forgetPaidRef(phone, '41007');
  expect(await prefs.get(phone)).toEqual({ language: 'sw', lastRef: undefined, paidRefs: [] });
});

test("the hop's first round trip reads the list with the phone's other preferences", async () => {
  const phone = newPhone();
  await prefs.rememberPaidRef(phone, paid('83262'));
  const store = createRedisHopStore(redis, { prefix, ttlSeconds: 60, leaseMs: 5000, rateWindowSeconds: 60, prefsTtlSeconds: 600 });
  const { prefs: read } = await store.open({ id: `ATUid_${randomUUID()}`, phone, text: '', token: randomUUID(), lastOnly: false });
  expect(read.paidRefs).toEqual([expect.objectContaining({ ref: '83262', province: 'KIN', maskedName: 'MUKEBA M.' })]);
});

test('what is stored is read as outside data: a broken list is empty, a bad entry is dropped alone', () => {
  expect(readPrefs(undefined, undefined, '{not json').paidRefs).toEqual([]);
  expect(readPrefs(undefined, undefined, '{"ref":"83262"}').paidRefs).toEqual([]);
  const good = paid('83262', { at: 1 });
  const list = JSON.stringify([{ ...good, province: 'XX' }, good, { ...good, ref: '83 262' }, { ...good, at: 'yesterday' }]);
  expect(readPrefs(undefined, undefined, list).paidRefs).toEqual([good]);
});

test('hasPaidRef compares references in any case, within one province', () => {
  const list = [paid('ab-12'), paid('41007', { province: 'NK' })];
  expect(hasPaidRef(list, 'AB-12', 'KIN')).toBe(true);
  expect(hasPaidRef(list, ' 41007 ', 'NK')).toBe(true);
  expect(hasPaidRef(list, '41007', 'KIN')).toBe(false);
});

test("a landed payment puts its reference on the phone's list, with the name masked; a Redis failure is only logged", async () => {
  const phone = newPhone();
  rememberPaidOn(prefs, silentLogger())(record({ phoneNumber: phone, refClient: '41007', province: 'NK', subscriberName: 'KAHINDO MASIKA' }));
  const list = await until(async () => {
    const l = (await prefs.get(phone)).paidRefs;
    return l.length > 0 ? l : undefined;
  });
  expect(list).toEqual([expect.objectContaining({ ref: '41007', province: 'NK', maskedName: 'KAHINDO M.' })]);

  // A Redis that cannot be reached (nothing listens there), failing at once as the product's own
  // fail-fast connection does; a quit cluster client would queue the command instead.
  const closed = new Redis({ host: '127.0.0.1', port: await freePort(), lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0, retryStrategy: () => null });
  const warnings: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      warnings.push(chunk.toString());
      done();
    },
  });
  const logger = createLogger({ level: 'warn', json: true, secrets: [], stream: sink });
  expect(() => rememberPaidOn(createSubscriberPrefs(closed, { prefix, ttlSeconds: 600 }), logger)(record({ phoneNumber: phone }))).not.toThrow();
  await until(async () => (warnings.some((w) => w.includes('paid reference not kept')) ? true : undefined));
});
