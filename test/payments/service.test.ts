import { eventually, intentOf, PHONE, requestFor, settledRecord, smsTo, startHarness, type Harness } from './harness';

/**
 * The money path (the operator collects upstream) with the ledger in PostgreSQL, BullMQ on the real
 * Redis and the sandbox REGIDESO over HTTP: PayFact reaches REGIDESO exactly once whatever REGIDESO
 * does, and the receipt lands by SMS (the outbox here).
 */
let h: Harness;
beforeEach(async () => {
  h = await startHarness();
});
afterEach(async () => {
  await h.cleanup();
});

describe('confirm', () => {
  it('five identical confirms at once make one PayFact and answer alike', async () => {
    const service = await h.service();
    const req = await requestFor(h.regideso);
    const outcomes = await Promise.all(Array.from({ length: 5 }, () => service.confirm(req)));

    expect(h.sandbox.calls.payFact).toBe(1);
    expect(h.sandbox.payments()).toHaveLength(1);
    const [first] = outcomes;
    if (first?.kind !== 'succeeded') throw new Error(`expected succeeded, got ${JSON.stringify(first)}`);
    for (const o of outcomes) expect(o).toEqual(first);
    expect(first.numAcquit).toBe(h.sandbox.payments()[0]?.numAcquit);
    expect(first.amountCentimes).toBe(500_000);

    const record = await service.findByNumAcquit(first.numAcquit);
    expect(record).toMatchObject({ status: 'succeeded', sessionId: req.sessionId, phoneNumber: PHONE, ownReference: false, amountCentimes: 500_000, billIds: ['108776771'] });
    expect(await service.recentByPhone(PHONE, 5)).toEqual([record]);

    const [sms] = await smsTo(h.outbox, PHONE);
    expect(sms).toContain(first.numAcquit);
    expect(sms).toContain('5 000 CDF');
    expect(await h.outbox.list(PHONE)).toHaveLength(1);

    const trail = (await service.auditTrail(intentOf(req))).map((e) => e.event);
    expect(trail).toEqual(['confirmed', 'payfact_sent', 'paid']);
  });

  it('a replayed confirm after the payment answers the same receipt and pays nothing more', async () => {
    const service = await h.service();
    const req = await requestFor(h.regideso);
    const first = await service.confirm(req);
    const again = await service.confirm(req);
    expect(again).toEqual(first);
    expect(h.sandbox.calls.payFact).toBe(1);
  });

  it('remembers payments per phone, newest first', async () => {
    const service = await h.service();
    const a = await requestFor(h.regideso);
    await service.confirm(a);
    const b = await requestFor(h.regideso, { amountCentimes: 20_000 });
    await service.confirm(b);
    const recent = await service.recentByPhone(PHONE, 10);
    expect(recent.map((r) => r.sessionId)).toEqual([b.sessionId, a.sessionId]);
    expect(await service.recentByPhone(PHONE, 1)).toHaveLength(1);
    expect(await service.recentByPhone('+243999999999', 10)).toEqual([]);
  });
});

describe('uncertain outcomes', () => {
  it('PayFact answers 500 once: reconciles, pays once, the receipt carries num_acquit', async () => {
    const service = await h.service();
    h.sandbox.faults.payFact.push({ kind: 'error500' });
    const req = await requestFor(h.regideso);
    await service.confirm(req);
    const record = await settledRecord(service, intentOf(req));

    expect(record.status).toBe('succeeded');
    expect(h.sandbox.payments()).toHaveLength(1);
    expect(h.sandbox.calls.payFact).toBe(2);
    expect(record.numAcquit).toBe(h.sandbox.payments()[0]?.numAcquit);
    expect((await smsTo(h.outbox, PHONE))[0]).toContain(record.numAcquit);
    const trail = (await service.auditTrail(record.intentId)).map((e) => e.event);
    expect(trail).toEqual(expect.arrayContaining(['payfact_uncertain', 'reconciled_not_landed', 'paid']));
    // Paid on a second PayFact: the first may still land late, so a person checks.
    expect(record.flagReason).toBe('repaid_after_uncertain');
  });

  it('PayFact applied but its answer dropped: no second PayFact, recorded under our reference, flagged, subscriber told', async () => {
    const service = await h.service();
    h.sandbox.faults.payFact.push({ kind: 'dropAfterApply' });
    const req = await requestFor(h.regideso);
    await service.confirm(req);
    const record = await settledRecord(service, intentOf(req));

    expect(h.sandbox.payments()).toHaveLength(1);
    expect(h.sandbox.calls.payFact).toBe(1);
    expect(record.status).toBe('reconciled');
    expect(record.ownReference).toBe(true);
    expect(record.numAcquit).toMatch(/^RGD-[0-9A-F]{10}$/);
    expect(await service.findByNumAcquit(record.numAcquit ?? '')).toEqual(record);
    expect((await service.flagged(10)).map((r) => [r.intentId, r.flagReason])).toEqual([[record.intentId, 'landed_without_receipt']]);

    const [sms] = await smsTo(h.outbox, PHONE);
    expect(sms).toContain(record.numAcquit);
    expect(sms).toContain('sans numéro de quittance');
  });

  it('PayFact hangs past the client timeout: confirm answers pending in its wait, the job settles later, once', async () => {
    const hung = await startHarness({ clientTimeoutMs: 300 });
    try {
      // Unchanged balances are not believed before the hang is over: REGIDESO applies it at the end.
      const service = await hung.service({ confirmWaitMs: 500, timings: { settleMs: 3000, pollMinMs: 30, regidesoRetryMs: 30 } });
      hung.sandbox.faults.payFact.push({ kind: 'hang', ms: 1500 });
      const req = await requestFor(hung.regideso);
      const outcome = await service.confirm(req);
      expect(outcome).toEqual({ kind: 'pending', amountCentimes: 500_000 });

      const record = await settledRecord(service, intentOf(req));
      expect(hung.sandbox.payments()).toHaveLength(1);
      expect(hung.sandbox.calls.payFact).toBe(1);
      expect(record.status).toBe('reconciled');
      await smsTo(hung.outbox, PHONE);
      const trail = (await service.auditTrail(record.intentId)).map((e) => e.event);
      expect(trail).toContain('payfact_uncertain');
      expect(trail).toContain('reconciled_landed');
    } finally {
      await hung.cleanup();
    }
  });

  it('a worker that dies after sending PayFact: a fresh worker reconciles and does not pay again', async () => {
    // Worker A sends PayFact (REGIDESO applies it) and then never records anything, as if the
    // process had died there; it is then closed without waiting for the job, its lock left to expire.
    const applied = { count: 0 };
    const dying = {
      ...h.regideso,
      payBills: async (r: Parameters<typeof h.regideso.payBills>[0]) => {
        await h.regideso.payBills(r);
        applied.count++;
        return new Promise<never>(() => undefined);
      },
    };
    const workerOptions = { lockDurationMs: 1000, stalledIntervalMs: 300 };
    const a = await h.service({ regideso: dying, confirmWaitMs: 300, worker: workerOptions });
    const req = await requestFor(h.regideso);
    expect((await a.confirm(req)).kind).toBe('pending');
    await eventually(async () => applied.count === 1);
    const intentId = intentOf(req);
    expect((await a.get(intentId))?.status).toBe('submitted');
    await a.close({ force: true });

    const b = await h.service({ worker: workerOptions });
    const record = await settledRecord(b, intentId);
    expect(record.status).toBe('reconciled');
    expect(h.sandbox.calls.payFact).toBe(1);
    expect(h.sandbox.payments()).toHaveLength(1);
    expect((await smsTo(h.outbox, PHONE))[0]).toContain(record.numAcquit);
  });
});

describe('refusals', () => {
  it('an amount over the selected balance is refused before anything is stored or sent', async () => {
    const service = await h.service();
    const req = await requestFor(h.regideso, { amountCentimes: 1_786_558 });
    const outcome = await service.confirm(req);
    expect(outcome).toMatchObject({ kind: 'refused', reason: 'amount_above_balance' });
    expect(h.sandbox.calls.payFact).toBe(0);
    expect(await service.get(intentOf(req))).toBeUndefined();
  });

  it('bills the subscriber saw unpaid but are paid by now: refused by the job before PayFact', async () => {
    const service = await h.service();
    const req = await requestFor(h.regideso);
    // The snapshot shows a balance; REGIDESO's books say the bill is settled (paid elsewhere meanwhile).
    const stale = { ...req, bills: [{ faeId: '108776770', billNumber: '8326224601540', issuedOn: '2024-02-29', balanceCentimes: 1_654_489 }] };
    const outcome = await service.confirm(stale);
    expect(outcome).toMatchObject({ kind: 'refused', reason: 'bills_already_paid' });
    expect(h.sandbox.calls.payFact).toBe(0);
    expect((await smsTo(h.outbox, PHONE))[0]).toContain('factures déjà payées');
  });

  it('a bill GetFact does not list for this subscriber counts as having nothing to pay, as reconciliation counts it: refused before PayFact', async () => {
    const service = await h.service();
    const req = await requestFor(h.regideso);
    const foreign = { ...req, bills: [{ faeId: '306112409', billNumber: '4100724700412', issuedOn: '2024-07-31', balanceCentimes: 2_431_075 }] };
    expect(await service.confirm(foreign)).toMatchObject({ kind: 'refused', reason: 'bills_already_paid' });
    expect(h.sandbox.calls.payFact).toBe(0);
  });

  it('a zero balance in the snapshot is refused at once', async () => {
    const service = await h.service();
    const req = await requestFor(h.regideso, {}, ['108776770']);
    expect(await service.confirm(req)).toMatchObject({ kind: 'refused', reason: 'bills_already_paid' });
    expect(h.sandbox.calls.payFact).toBe(0);
  });
});
