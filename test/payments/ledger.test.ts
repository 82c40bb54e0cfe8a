import { randomUUID } from 'node:crypto';
import type { Db } from '../../src/db/types';
import { intentIdFor } from '../../src/payments/ids';
import { newIntent, type Intent } from '../../src/payments/intent';
import { AccountBusyError, createLedger, type Ledger, type QueuedSms } from '../../src/payments/ledger';
import type { PaymentRequest } from '../../src/payments/types';
import { testDb, testPglite, type TestDb } from '../support/db';
import { queueSmsIn } from '../../src/sms/store';

/**
 * The ledger on its own, against a real PostgreSQL (a schema of this file's own) and against PGlite
 * (the embedded default): the same SQL must behave the same on both, unique violations included.
 */
const PHONE = '+243812345990';

function request(overrides: Partial<PaymentRequest> = {}): PaymentRequest {
  return {
    sessionId: `ATUid_${randomUUID()}`,
    sessionNonce: randomUUID().slice(0, 8),
    phoneNumber: PHONE,
    language: 'fr',
    refClient: '83262',
    province: 'KIN',
    subscriberName: 'MUKEBA MUKEBA',
    bills: [{ faeId: '108776771', billNumber: '8326224601541', issuedOn: '2024-03-31', balanceCentimes: 1_786_557 }],
    amountCentimes: 500_000,
    ...overrides,
  };
}

function intentFor(req: PaymentRequest, at = new Date(), collection: 'wallet' | 'none' = 'none'): Intent {
  return newIntent(req, intentIdFor(req.sessionId, req.sessionNonce), { operator: 'FINCA', collection, at });
}

const sms = (it: Intent, suffix: string): QueuedSms => ({ id: `${it.id}-${suffix}`, kind: 'notice', recipient: it.phone, body: `notice ${suffix}` });

describe.each([
  ['PostgreSQL', 'postgres'],
  ['PGlite', 'pglite'],
] as const)('ledger on %s', (_name, kind) => {
  let pg: TestDb | undefined;
  let db: Db;
  let ledger: Ledger;

  beforeAll(async () => {
    if (kind === 'postgres') {
      pg = await testDb('ledger');
      db = pg.db;
    } else {
      db = await testPglite();
    }
  });
  afterAll(async () => {
    if (pg !== undefined) await pg.drop();
    else await db.close();
  });
  beforeEach(async () => {
    // One schema (or PGlite) per file: each test starts from empty tables.
    await db.exec('TRUNCATE payment_events, sms_sends, sms_messages, payment_intents CASCADE');
    ledger = createLedger(db, { queueSms: queueSmsIn });
  });

  const smsRows = async (intentId: string) =>
    (await db.query<{ id: string; kind: string; status: string; recipient: string; body: string }>('SELECT id, kind, status, recipient, body FROM sms_messages WHERE intent_id = $1 ORDER BY id', [intentId])).rows;

  describe('create', () => {
    it('stores the intent as given and returns the row read back through the schema', async () => {
      const it0 = intentFor(request({ amountCentimes: 1_786_557 }), new Date('2025-01-29T10:00:00.000Z'));
      const out = await ledger.create(it0, { events: [{ event: 'confirmed' }], sms: [sms(it0, 'hello')] });
      expect(out.created).toBe(true);
      expect(out.intent).toEqual({ ...it0, version: 1 });
      expect(await ledger.load(it0.id)).toEqual(out.intent);
      expect((await ledger.events(it0.id)).map((e) => [e.event, e.detail])).toEqual([['confirmed', null]]);
      expect(await smsRows(it0.id)).toEqual([{ id: `${it0.id}-hello`, kind: 'notice', status: 'queued', recipient: PHONE, body: 'notice hello' }]);
    });

    it('is idempotent by id: a second create keeps the first row, returns it, and writes no second event or SMS', async () => {
      const req = request();
      const first = intentFor(req);
      await ledger.create(first, { events: [{ event: 'confirmed' }] });
      const again = await ledger.create({ ...intentFor(req), amountCentimes: 20_000, phone: '+243999999999' }, { events: [{ event: 'confirmed' }], sms: [sms(first, 'x')] });
      expect(again.created).toBe(false);
      expect(again.intent).toMatchObject({ id: first.id, amountCentimes: 500_000, phone: PHONE, version: 1 });
      expect((await ledger.events(first.id)).map((e) => e.event)).toEqual(['confirmed']);
      expect(await smsRows(first.id)).toEqual([]);
    });

    it('load of an unknown id is undefined', async () => {
      expect(await ledger.load('pi-nope')).toBeUndefined();
    });
  });

  describe('update: a compare-and-set', () => {
    it('writes the patch, bumps the version and updated_at, and appends its events and SMS with it', async () => {
      const { intent: v1 } = await ledger.create(intentFor(request()));
      const v2 = await ledger.update(v1, { status: 'submitted', holdsAccount: true, baseline: [{ faeId: '108776771', balanceCentimes: 1_786_557 }], payAttempts: 1, submittedAt: new Date() }, {
        events: [{ event: 'payfact_sent', detail: 'attempt 1' }],
        sms: [sms(v1, 'a')],
      });
      expect(v2).toMatchObject({ status: 'submitted', holdsAccount: true, version: 2, payAttempts: 1, baseline: [{ faeId: '108776771', balanceCentimes: 1_786_557 }] });
      expect(v2?.updatedAt.getTime()).toBeGreaterThanOrEqual(v1.updatedAt.getTime());
      expect(await ledger.load(v1.id)).toEqual(v2);
      expect((await ledger.events(v1.id)).map((e) => [e.event, e.detail])).toEqual([['payfact_sent', 'attempt 1']]);
      expect((await smsRows(v1.id)).map((m) => m.id)).toEqual([`${v1.id}-a`]);
      // null clears a column; a key left undefined is not written.
      const v3 = await ledger.update(v2 as Intent, { baseline: null, numAcquit: undefined });
      expect(v3).toMatchObject({ baseline: null, numAcquit: null, version: 3, status: 'submitted' });
    });

    it('a stale version loses: undefined, and nothing of its change is written', async () => {
      const { intent: v1 } = await ledger.create(intentFor(request()));
      expect(await ledger.update(v1, { status: 'failed', failureMessage: 'winner' }, { events: [{ event: 'winner' }] })).toMatchObject({ version: 2 });
      const stale = await ledger.update(v1, { status: 'succeeded', numAcquit: 'LATE' }, { events: [{ event: 'stale' }], sms: [sms(v1, 'stale')] });
      expect(stale).toBeUndefined();
      expect(await ledger.load(v1.id)).toMatchObject({ status: 'failed', failureMessage: 'winner', numAcquit: null, version: 2 });
      expect((await ledger.events(v1.id)).map((e) => e.event)).toEqual(['winner']);
      expect(await smsRows(v1.id)).toEqual([]);
    });

    it('a failing SMS insert rolls back the intent change and its events', async () => {
      const { intent: v1 } = await ledger.create(intentFor(request()));
      const broken = { ...sms(v1, 'bad'), recipient: null as unknown as string };
      await expect(ledger.update(v1, { status: 'succeeded', numAcquit: 'X' }, { events: [{ event: 'paid' }], sms: [sms(v1, 'good'), broken] })).rejects.toThrow();
      expect(await ledger.load(v1.id)).toEqual(v1);
      expect(await ledger.events(v1.id)).toEqual([]);
      expect(await smsRows(v1.id)).toEqual([]);
      // The same change with a good SMS then goes through from the same version.
      expect(await ledger.update(v1, { status: 'succeeded', numAcquit: 'X' }, { sms: [sms(v1, 'good')] })).toMatchObject({ version: 2, numAcquit: 'X' });
    });

    it('the same SMS id queued by two changes is one message (a step run twice)', async () => {
      const { intent: v1 } = await ledger.create(intentFor(request()));
      const v2 = await ledger.update(v1, { payAttempts: 1 }, { sms: [sms(v1, 'receipt')] });
      await ledger.update(v2 as Intent, { payAttempts: 2 }, { sms: [{ ...sms(v1, 'receipt'), body: 'other' }] });
      expect(await smsRows(v1.id)).toEqual([expect.objectContaining({ id: `${v1.id}-receipt`, body: 'notice receipt' })]);
    });
  });

  describe('one payment at a time per account (payment_intents_one_per_account)', () => {
    it('a second intent taking a held account is refused with AccountBusyError; another account or province is free; released, it can be taken', async () => {
      const { intent: a } = await ledger.create(intentFor(request()));
      const { intent: b } = await ledger.create(intentFor(request()));
      const { intent: otherProvince } = await ledger.create(intentFor(request({ province: 'KAT' })));
      const { intent: otherRef } = await ledger.create(intentFor(request({ refClient: '41007' })));
      const aHolds = await ledger.update(a, { holdsAccount: true });
      expect(aHolds?.holdsAccount).toBe(true);

      const busy = await ledger.update(b, { holdsAccount: true }).catch((e: unknown) => e);
      expect(busy).toBeInstanceOf(AccountBusyError);
      expect((busy as AccountBusyError).intentId).toBe(b.id);
      expect(await ledger.load(b.id)).toEqual(b);
      expect(await ledger.update(otherProvince, { holdsAccount: true })).toMatchObject({ holdsAccount: true });
      expect(await ledger.update(otherRef, { holdsAccount: true })).toMatchObject({ holdsAccount: true });

      // The holder re-asserting it (submit writes holdsAccount: true again) is no conflict.
      const aAgain = await ledger.update(aHolds as Intent, { holdsAccount: true, status: 'submitted' });
      expect(aAgain).toMatchObject({ holdsAccount: true, status: 'submitted' });
      await ledger.update(aAgain as Intent, { holdsAccount: false, status: 'succeeded' });
      expect(await ledger.update(b, { holdsAccount: true })).toMatchObject({ holdsAccount: true, version: 2 });
    });

    it('an intent created holding its account (a confirm) is refused while another holds it, naming the holder; nothing of it is written; the same intent again is a replay', async () => {
      const holding = (req: PaymentRequest): Intent => ({ ...intentFor(req), holdsAccount: true });
      const first = holding(request());
      expect(await ledger.create(first, { events: [{ event: 'confirmed' }] })).toMatchObject({ created: true, intent: { id: first.id, holdsAccount: true } });
      // The same confirm again (same id): the stored intent, no conflict.
      expect(await ledger.create(first)).toMatchObject({ created: false, intent: { id: first.id } });

      const redial = holding(request({ amountCentimes: 20_000 }));
      const busy = await ledger.create(redial, { events: [{ event: 'confirmed' }], sms: [sms(redial, 'x')] }).catch((e: unknown) => e);
      expect(busy).toBeInstanceOf(AccountBusyError);
      expect((busy as AccountBusyError).holder).toMatchObject({ id: first.id, amountCentimes: 500_000 });
      expect(await ledger.load(redial.id)).toBeUndefined();
      expect(await ledger.events(redial.id)).toEqual([]);
      expect((await db.query('SELECT id FROM sms_messages')).rows).toEqual([]);
      // Another account is free.
      expect(await ledger.create(holding(request({ refClient: '41007' })))).toMatchObject({ created: true });

      // Once the holder is final (whatever the step wrote), the account is free again.
      const stored = (await ledger.load(first.id)) as Intent;
      expect(await ledger.update(stored, { status: 'failed', failureMessage: 'deposit failed' })).toMatchObject({ status: 'failed', holdsAccount: false });
      expect(await ledger.create(redial)).toMatchObject({ created: true, intent: { holdsAccount: true } });
    });

    it('a submitted or uncertain intent must hold its account (the check constraint)', async () => {
      const { intent: a } = await ledger.create(intentFor(request()));
      await expect(ledger.update(a, { status: 'uncertain' })).rejects.not.toBeInstanceOf(AccountBusyError);
      expect(await ledger.load(a.id)).toEqual(a);
    });
  });

  describe('reads', () => {
    it('list by creation date (from inclusive, to exclusive) and status, oldest first, limited', async () => {
      const day = (d: number) => new Date(Date.UTC(2025, 0, d, 12));
      const made: Intent[] = [];
      for (const d of [3, 1, 2, 4]) made.push((await ledger.create(intentFor(request(), day(d)))).intent);
      const [i3, i1, i2, i4] = made as [Intent, Intent, Intent, Intent];
      await ledger.update(i2, { status: 'failed' });

      expect((await ledger.list({ limit: 10 })).map((i) => i.id)).toEqual([i1.id, i2.id, i3.id, i4.id]);
      expect((await ledger.list({ from: day(2), to: day(4), limit: 10 })).map((i) => i.id)).toEqual([i2.id, i3.id]);
      expect((await ledger.list({ status: 'failed', limit: 10 })).map((i) => i.id)).toEqual([i2.id]);
      expect((await ledger.list({ from: day(2), status: 'pending', limit: 10 })).map((i) => i.id)).toEqual([i3.id, i4.id]);
      expect((await ledger.list({ limit: 2 })).map((i) => i.id)).toEqual([i1.id, i2.id]);
    });

    it('byNumAcquit, byPhone (newest first, limited), byDepositId, byRefundId', async () => {
      const { intent: old } = await ledger.create(intentFor(request(), new Date(Date.now() - 60_000)));
      const { intent: recent } = await ledger.create(intentFor(request()));
      const { intent: other } = await ledger.create(intentFor(request({ phoneNumber: '+243999999999' })));
      const wallet = (await ledger.create(intentFor(request(), new Date(), 'wallet'))).intent;
      const refundId = randomUUID();
      await ledger.update(old, { status: 'succeeded', numAcquit: '29-01-25FINCA-83262-0dfe8' });
      await ledger.update(wallet, { refundId });

      expect((await ledger.byNumAcquit('29-01-25FINCA-83262-0dfe8'))?.id).toBe(old.id);
      expect(await ledger.byNumAcquit('nothing')).toBeUndefined();
      const byPhone = (await ledger.byPhone(PHONE, 10)).map((i) => i.id);
      // recent and wallet were created within the same millisecond or two: only the oldest's place is certain.
      expect(byPhone).toHaveLength(3);
      expect(byPhone.slice(0, 2).sort()).toEqual([recent.id, wallet.id].sort());
      expect(byPhone.at(-1)).toBe(old.id);
      expect(byPhone).not.toContain(other.id);
      expect(await ledger.byPhone(PHONE, 1)).toHaveLength(1);
      expect((await ledger.byPhone('+243999999999', 10)).map((i) => i.id)).toEqual([other.id]);
      expect(wallet.depositId).toMatch(/^[0-9a-f-]{36}$/);
      expect((await ledger.byDepositId(wallet.depositId ?? ''))?.id).toBe(wallet.id);
      expect(await ledger.byDepositId(randomUUID())).toBeUndefined();
      expect((await ledger.byRefundId(refundId))?.id).toBe(wallet.id);
    });
  });

  describe('flags', () => {
    it('flag once per reason; flagged lists the unresolved newest first; resolveFlag keeps the note and who, once', async () => {
      const { intent: a } = await ledger.create(intentFor(request()));
      const { intent: b } = await ledger.create(intentFor(request()));
      expect(await ledger.flag(a.id, 'sms_undelivered', 'credentials')).toBe(true);
      expect(await ledger.flag(a.id, 'sms_undelivered', 'again')).toBe(false);
      expect(await ledger.flag(b.id, 'sms_undelivered', 'credit')).toBe(true);
      expect(await ledger.flag('pi-unknown', 'sms_undelivered', 'x')).toBe(false);
      expect((await ledger.flagged(10)).map((i) => i.id)).toEqual([b.id, a.id]);
      expect(await ledger.flagged(1)).toHaveLength(1);
      // A flag is no step of the payment: it leaves the version alone, so a running job does not lose its race.
      expect((await ledger.load(a.id))?.version).toBe(1);

      const at = new Date('2025-02-01T08:00:00.000Z');
      expect(await ledger.resolveFlag(a.id, 'sent by hand', 'ops@finca', at)).toBe(true);
      expect(await ledger.resolveFlag(a.id, 'twice', 'ops@finca', at)).toBe(false);
      expect(await ledger.resolveFlag('pi-unknown', 'x', 'ops', at)).toBe(false);
      expect(await ledger.resolveFlag((await ledger.create(intentFor(request()))).intent.id, 'never flagged', 'ops', at)).toBe(false);
      expect((await ledger.flagged(10)).map((i) => i.id)).toEqual([b.id]);
      expect(await ledger.load(a.id)).toMatchObject({ flagReason: 'sms_undelivered', resolvedAt: at, resolvedBy: 'ops@finca', resolutionNote: 'sent by hand' });
      expect((await ledger.events(a.id)).map((e) => [e.event, e.detail])).toEqual([
        ['flagged_sms_undelivered', 'credentials'],
        ['flag_resolved', 'by ops@finca: sent by hand'],
      ]);

      // Resolved, the same reason may flag it again (a new failure), clearing the old resolution.
      expect(await ledger.flag(a.id, 'sms_undelivered', 'failing again')).toBe(true);
      expect(await ledger.load(a.id)).toMatchObject({ resolvedAt: null, resolvedBy: null, resolutionNote: null });
      expect((await ledger.flagged(10)).map((i) => i.id).sort()).toEqual([a.id, b.id].sort());
    });
  });

  describe('a flag never hides another', () => {
    it('an unresolved flag stays as it is when another reason comes (its SMS undelivered after a double payment); once resolved, the new reason flags it', async () => {
      const { intent: a } = await ledger.create(intentFor(request()));
      const flagged = await ledger.update(a, { status: 'reconciled', flagReason: 'double_payment', flaggedAt: new Date() });
      expect(flagged?.flagReason).toBe('double_payment');

      // Else the operator, fixing the SMS gateway and resolving "sms_undelivered", would close the double payment unseen.
      expect(await ledger.flag(a.id, 'sms_undelivered', 'credentials')).toBe(false);
      expect(await ledger.load(a.id)).toMatchObject({ flagReason: 'double_payment', resolvedAt: null });
      expect((await ledger.flagged(10)).map((i) => [i.id, i.flagReason])).toEqual([[a.id, 'double_payment']]);

      expect(await ledger.resolveFlag(a.id, 'refund asked from REGIDESO', 'ops', new Date())).toBe(true);
      // Still failing after the resolution: the SMS queue reports it again, and now it shows.
      expect(await ledger.flag(a.id, 'sms_undelivered', 'credentials')).toBe(true);
      expect((await ledger.flagged(10)).map((i) => [i.id, i.flagReason])).toEqual([[a.id, 'sms_undelivered']]);
    });
  });

  describe('due', () => {
    it('open intents whose next check is before the given time, oldest first, limited; final ones never', async () => {
      const now = Date.now();
      const at = (ms: number) => new Date(now + ms);
      const { intent: early } = await ledger.create(intentFor(request(), at(-60_000)));
      const { intent: later } = await ledger.create(intentFor(request(), at(-30_000)));
      const { intent: fresh } = await ledger.create(intentFor(request(), at(0)));
      const { intent: done } = await ledger.create(intentFor(request(), at(-90_000)));
      const { intent: uncertain } = await ledger.create(intentFor(request({ refClient: '41007', province: 'NK' }), at(-45_000)));
      await ledger.update(done, { status: 'succeeded' });
      await ledger.update(uncertain, { status: 'uncertain', holdsAccount: true });

      expect(await ledger.due(at(-10_000), 10)).toEqual([early.id, uncertain.id, later.id]);
      expect(await ledger.due(at(-10_000), 2)).toEqual([early.id, uncertain.id]);
      expect(await ledger.due(at(-50_000), 10)).toEqual([early.id]);
      expect(await ledger.due(at(1), 10)).toContain(fresh.id);
      // Postponed by its job: no longer due.
      await ledger.postpone(early.id, at(60_000));
      expect(await ledger.due(at(-10_000), 10)).toEqual([uncertain.id, later.id]);
      expect((await ledger.load(early.id))?.version).toBe(1);
    });
  });
});
