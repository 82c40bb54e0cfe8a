import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import express from 'express';
import request from 'supertest';
import { createOutboxRouter } from '../../src/http/outbox-router';
import type { Db } from '../../src/db/types';
import { createLedger } from '../../src/payments/ledger';
import type { PaymentServiceHandle } from '../../src/payments/service';
import type { SandboxFault } from '../../src/regideso/sandbox/server';
import type { RegidesoClient } from '../../src/regideso/types';
import { testPglite } from '../support/db';
import { emptyLedger, eventually, FAST_TIMINGS, intentOf, PHONE, requestFor, settledRecord, smsTo, startHarness, type Harness } from './harness';
import { queueSmsIn } from '../../src/sms/store';

/**
 * The embedded default: PGlite for the ledger, ioredis-mock (so no BullMQ: the same job runs
 * in-process, with the same retries, reconciliation and sweep), receipts to the outbox; REGIDESO is
 * the sandbox over HTTP.
 */
let h: Harness;

const events = async (service: PaymentServiceHandle, id: string) => (await service.auditTrail(id)).map((e) => e.event);

/** Every GetFact fails from now on (the client tries each twice), until `clear`. */
function regidesoUnreadable(): { clear(): void } {
  for (let i = 0; i < 2000; i++) h.sandbox.faults.getFact.push({ kind: 'error500' });
  return {
    clear: () => {
      h.sandbox.faults.getFact.length = 0;
    },
  };
}

describe('the embedded default', () => {
  // One PGlite for these tests, emptied before each: starting one takes seconds on a busy machine.
  let ledgerDb: Db;
  beforeAll(async () => {
    ledgerDb = await testPglite();
  }, 60_000);
  afterAll(async () => {
    await ledgerDb.close();
  });
  beforeEach(async () => {
    await emptyLedger(ledgerDb);
    h = await startHarness({ inMemory: true, db: ledgerDb });
  });
  afterEach(async () => {
    await h.cleanup();
  });

  it('pays the sandbox subscriber 83262 and puts the receipt in the outbox, listed by GET /outbox', async () => {
    expect(h.redis.inMemory).toBe(true);
    expect(h.db.kind).toBe('pglite');
    const service = await h.service();
    const req = await requestFor(h.regideso, { amountCentimes: 1_786_557, language: 'en' });
    const outcome = await service.confirm(req);
    if (outcome.kind !== 'succeeded') throw new Error(`expected succeeded, got ${JSON.stringify(outcome)}`);
    expect(h.sandbox.payments()).toEqual([expect.objectContaining({ numAcquit: outcome.numAcquit, refClient: '83262', amountCentimes: 1_786_557, billIds: ['108776771'] })]);
    expect(await service.findByNumAcquit(outcome.numAcquit)).toMatchObject({ status: 'succeeded', intentId: intentOf(req) });

    await smsTo(h.outbox, PHONE);
    const app = express().use(createOutboxRouter(h.outbox));
    const res = await request(app).get('/outbox').query({ to: PHONE }).expect(200);
    expect(res.body).toEqual([{ id: expect.stringMatching(/^outbox-/), to: PHONE, message: expect.stringContaining(outcome.numAcquit), at: expect.any(String) }]);
    expect(res.body[0].message).toContain('REGIDESO: paid 17 865,57 CDF bill 8326224601541');
    expect(await h.smsStore.load(`${intentOf(req)}-receipt`)).toMatchObject({ status: 'sent', attempts: 1, kind: 'receipt' });
  });

  it('runs the same reconciliation in-process: a dropped answer is not paid twice', async () => {
    const service = await h.service();
    h.sandbox.faults.payFact.push({ kind: 'dropAfterApply' });
    const req = await requestFor(h.regideso);
    await service.confirm(req);
    const record = await settledRecord(service, intentOf(req));
    expect(record).toMatchObject({ status: 'reconciled', ownReference: true, flagReason: 'landed_without_receipt' });
    expect(h.sandbox.calls.payFact).toBe(1);
    expect(h.sandbox.payments()).toHaveLength(1);
    expect((await smsTo(h.outbox, PHONE))[0]).toContain(record.numAcquit);
  });

  it('retries in-process after a 500 and pays once', async () => {
    const service = await h.service();
    h.sandbox.faults.payFact.push({ kind: 'error500' });
    const req = await requestFor(h.regideso);
    await service.confirm(req);
    const record = await settledRecord(service, intentOf(req));
    expect(record).toMatchObject({ status: 'succeeded', ownReference: false });
    expect(h.sandbox.calls.payFact).toBe(2);
    expect(h.sandbox.payments()).toHaveLength(1);
    expect(record.numAcquit).toBe(h.sandbox.payments()[0]?.numAcquit);
  });

  it('REGIDESO unreachable before any PayFact past pendingGiveUpMs: failed, nothing paid, the subscriber told nothing was taken', async () => {
    const service = await h.service({ confirmWaitMs: 100, timings: { ...FAST_TIMINGS, pendingGiveUpMs: 300 } });
    const req = await requestFor(h.regideso);
    const down = regidesoUnreadable();
    try {
      expect(await service.confirm(req)).toEqual({ kind: 'pending', amountCentimes: 500_000 });
      const record = await settledRecord(service, intentOf(req));
      expect(record).toMatchObject({ status: 'failed', numAcquit: null });
      expect(record.failureMessage).toMatch(/^REGIDESO unreachable/);
    } finally {
      down.clear();
    }
    expect(h.sandbox.calls.payFact).toBe(0);
    expect(h.sandbox.payments()).toEqual([]);
    const trail = await events(service, intentOf(req));
    expect(trail[0]).toBe('confirmed');
    expect(trail).toContain('precheck_unavailable');
    expect(trail.at(-1)).toBe('abandoned');
    expect((await service.ledger.load(intentOf(req)))?.holdsAccount).toBe(false);
    const [sms] = await smsTo(h.outbox, PHONE);
    expect(sms).toContain("n'a pas abouti. Aucun montant prélevé");
  });

  describe('the outcome of a sent PayFact unknowable past unresolvedAfterMs', () => {
    /** PayFact meets `fault`; every GetFact after it fails until the payment is flagged and the subscriber told. */
    async function unknowable(fault: SandboxFault): Promise<{ service: PaymentServiceHandle; id: string; answerAgain(): void }> {
      let down: { clear(): void } | undefined;
      const regideso: RegidesoClient = {
        ...h.regideso,
        payBills: async (r) => {
          const out = await h.regideso.payBills(r);
          down = regidesoUnreadable();
          return out;
        },
      };
      const service = await h.service({ regideso, confirmWaitMs: 100, timings: { ...FAST_TIMINGS, unresolvedAfterMs: 400 } });
      h.sandbox.faults.payFact.push(fault);
      const req = await requestFor(h.regideso);
      const id = intentOf(req);
      await service.confirm(req);
      const flagged = await settledRecord(service, id, (r) => r.flagReason === 'outcome_unknown');
      expect(flagged).toMatchObject({ status: 'uncertain', failureMessage: 'outcome unknown: unavailable' });
      expect((await service.flagged(10)).map((r) => r.intentId)).toEqual([id]);
      const [review] = await smsTo(h.outbox, PHONE);
      expect(review).toContain('en vérification. Ne payez pas à nouveau');
      expect(await events(service, id)).toContain('gave_up_uncertain');
      expect((await service.ledger.load(id))?.holdsAccount).toBe(true);
      return { service, id, answerAgain: () => down?.clear() };
    }

    it('not landed (500): once REGIDESO answers, failed and the subscriber told nothing was taken; never paid again', async () => {
      const { service, id, answerAgain } = await unknowable({ kind: 'error500' });
      answerAgain();
      const record = await settledRecord(service, id);
      expect(record).toMatchObject({ status: 'failed', flagReason: 'outcome_unknown' });
      expect(h.sandbox.calls.payFact).toBe(1);
      expect(h.sandbox.payments()).toEqual([]);
      const texts = await smsTo(h.outbox, PHONE, 2);
      expect(texts[0]).toContain("n'a pas abouti. Aucun montant prélevé");
      expect(texts).toHaveLength(2);
      const trail = await events(service, id);
      expect(trail).toContain('resolved_not_landed');
      expect(trail.filter((e) => e === 'payfact_sent')).toHaveLength(1);
      expect((await service.ledger.load(id))?.holdsAccount).toBe(false);
    });

    it('landed (answer dropped): once REGIDESO answers, reconciled under our reference and the subscriber told; never paid again', async () => {
      const { service, id, answerAgain } = await unknowable({ kind: 'dropAfterApply' });
      answerAgain();
      const record = await settledRecord(service, id);
      expect(record).toMatchObject({ status: 'reconciled', ownReference: true, flagReason: 'landed_without_receipt' });
      expect(record.numAcquit).toMatch(/^RGD-[0-9A-F]{10}$/);
      expect(h.sandbox.calls.payFact).toBe(1);
      expect(h.sandbox.payments()).toHaveLength(1);
      const texts = await smsTo(h.outbox, PHONE, 2);
      expect(texts[0]).toContain('sans numéro de quittance');
      expect(texts[0]).toContain(record.numAcquit);
      expect(await events(service, id)).toContain('reconciled_landed');
    });
  });

  it('a job dropped after its attempts (the ledger refusing reads) is queued again by the in-process sweep once the ledger answers; PayFact once', async () => {
    // PGlite refusing the intent's reads (a fault of the ledger): confirm can record, the job cannot load.
    let refusing = true;
    let loadsRefused = 0;
    const flaky: Db = {
      ...h.db,
      query: async (text, params) => {
        if (refusing && text.startsWith('SELECT * FROM payment_intents WHERE id = $1')) {
          loadsRefused++;
          throw new Error('ledger unreachable');
        }
        return h.db.query(text, params);
      },
    };
    const service = await h.service({ db: flaky, confirmWaitMs: 100, retry: { attempts: 2, backoffMs: 20, jitter: 0 }, sweep: { intervalMs: 3_600_000, graceMs: 300 } });
    const req = await requestFor(h.regideso);
    const id = intentOf(req);
    expect(await service.confirm(req)).toEqual({ kind: 'pending', amountCentimes: 500_000 });
    // One refusal is the confirm's own look at the outcome; two are the job's attempts, after which it is dropped.
    await eventually(async () => loadsRefused >= 3);
    expect(await createLedger(h.db, { queueSms: queueSmsIn }).load(id)).toMatchObject({ status: 'pending', version: 1 });
    expect(h.sandbox.calls.getFact).toBe(1);

    refusing = false;
    // The sweep finds no job for it (ensure answers `queued`), once it is past the grace.
    await eventually(async () => (await service.sweep()) === 1);
    const record = await settledRecord(service, id);
    expect(record.status).toBe('succeeded');
    expect(loadsRefused).toBe(3);
    expect(h.sandbox.calls.payFact).toBe(1);
    expect(h.sandbox.payments()).toHaveLength(1);
    expect((await smsTo(h.outbox, PHONE))[0]).toContain(record.numAcquit);
  });

  it('one payment at a time per account in-process too: of two confirms at once on one account, one pays, the other starts nothing', async () => {
    const service = await h.service({ confirmWaitMs: 100 });
    const a = await requestFor(h.regideso, { amountCentimes: 1_000_000 });
    const b = await requestFor(h.regideso, { amountCentimes: 1_000_000 });
    // "At once" even on a loaded machine: the first PayFact answers after 800 ms (test/payments/account.test.ts).
    h.sandbox.faults.payFact.push({ kind: 'hang', ms: 800 });
    const outcomes = await Promise.all([service.confirm(a), service.confirm(b)]);
    expect(outcomes.filter((o) => o.kind === 'under_way')).toEqual([{ kind: 'under_way', amountCentimes: 1_000_000 }]);
    const started = [a, b].filter((_r, i) => outcomes[i]?.kind !== 'under_way');
    expect(started).toHaveLength(1);
    expect((await settledRecord(service, intentOf(started[0] ?? a))).status).toBe('succeeded');
    expect(await h.db.query('SELECT id FROM payment_intents')).toMatchObject({ rows: [{ id: intentOf(started[0] ?? a) }] });
    expect(h.sandbox.calls.payFact).toBe(1);
    expect(h.sandbox.payments()).toHaveLength(1);
  });
});

describe('a restart of the embedded default', () => {
  let dir: string;
  let current: Harness | undefined;
  beforeAll(async () => {
    // The folder as an earlier run left it: created and migrated once (PGlite's initdb is the slow part).
    dir = mkdtempSync(path.join(tmpdir(), 'rgd-ledger-'));
    const db = await testPglite(dir);
    await db.close();
  });
  afterEach(async () => {
    await current?.cleanup();
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('the ledger survives it: an intent left open by one process is finished once by the next, from the same PGlite folder', async () => {
    // The first process: the payment is confirmed, but REGIDESO cannot be read before the process stops.
    h = current = await startHarness({ inMemory: true, dataDir: dir });
    const req = await requestFor(h.regideso);
    const id = intentOf(req);
    const first = await h.service({ confirmWaitMs: 100 });
    regidesoUnreadable();
    expect(await first.confirm(req)).toEqual({ kind: 'pending', amountCentimes: 500_000 });
    await eventually(async () => (await events(first, id)).includes('precheck_unavailable'));
    // Service, SMS queue, PGlite and the sandbox (unreadable to the end, nothing paid there) all stop.
    current = undefined;
    await h.cleanup();
    expect(h.sandbox.calls.payFact).toBe(0);

    // The next process: PGlite opened again on the same folder, a new service; nothing queued by hand.
    h = current = await startHarness({ inMemory: true, dataDir: dir });
    expect(await createLedger(h.db, { queueSms: queueSmsIn }).load(id)).toMatchObject({ status: 'pending', payAttempts: 0 });
    const next = await h.service();
    const record = await settledRecord(next, id);
    expect(record).toMatchObject({ status: 'succeeded', sessionId: req.sessionId });
    expect(h.sandbox.calls.payFact).toBe(1);
    expect(h.sandbox.payments()).toHaveLength(1);
    const trail = await events(next, id);
    expect(trail[0]).toBe('confirmed');
    expect(trail).toContain('precheck_unavailable');
    expect(trail.filter((e) => e === 'paid')).toHaveLength(1);
    await eventually(async () => (await h.smsStore.load(`${id}-receipt`))?.status === 'sent');
    const texts = await h.outbox.list(PHONE);
    expect(texts).toHaveLength(1);
    expect(texts[0]?.message).toContain(record.numAcquit);
  });
});
