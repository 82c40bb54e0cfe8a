import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { type RegidesoClientOptions } from '../../src/regideso/client';
import { startSandbox, type RunningSandbox } from '../../src/regideso/sandbox/server';
import type { PayRequest } from '../../src/regideso/types';
import { sandboxClient } from '../support/regideso';

/** The client against the sandbox REGIDESO over real HTTP, one fresh sandbox per test. */

// 09:42:58 UTC is 10:42:58 in Kinshasa: the document's example payment.
const NOW = new Date('2025-01-29T09:42:58Z');
let sandbox: RunningSandbox;

beforeEach(async () => {
  sandbox = await startSandbox({ now: () => NOW });
});
afterEach(async () => {
  await sandbox.close();
});

function client(overrides: Partial<RegidesoClientOptions> = {}) {
  return sandboxClient(sandbox, overrides);
}

function pay(overrides: Partial<PayRequest> = {}): PayRequest {
  return { refClient: '83262', province: 'KIN', billIds: ['108776771'], amountCentimes: 10_000, paidAt: NOW, ...overrides };
}

/** A port nothing listens on: bound, then released. */
async function closedPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const { port } = srv.address() as AddressInfo;
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  return port;
}

describe('getBills', () => {
  it('returns every bill, oldest first, in centimes, names trimmed, dates normalised', async () => {
    const out = await client().getBills('83262', 'KIN');
    if (out.kind !== 'ok') throw new Error(`expected ok, got ${out.kind}`);
    expect(out.bills.map((b) => b.issuedOn)).toEqual([
      '2024-01-31',
      '2024-02-29',
      '2024-03-31',
      '2024-04-30',
      '2024-05-31',
      '2024-06-30',
      '2024-07-31',
    ]);
    expect(out.bills[2]).toEqual({
      faeId: '108776771',
      refClient: '83262',
      subscriberName: 'MUKEBA MUKEBA',
      billNumber: '8326224601541',
      issuedOn: '2024-03-31',
      agency: 'MONT-NGAFULA',
      province: 'KIN',
      amountCentimes: 1_786_557,
      paidCentimes: 0,
      balanceCentimes: 1_786_557,
    });
    // Paid and part-paid bills come too: consumers filter.
    expect(out.bills[0]).toMatchObject({ faeId: '108776769', balanceCentimes: 0, paidCentimes: 1_598_200 });
    expect(out.bills[4]).toMatchObject({ faeId: '108776773', paidCentimes: 500_000, balanceCentimes: 1_255_000 });
  });

  it('says client_not_found for an unknown reference', async () => {
    const out = await client().getBills('99999', 'KIN');
    expect(out).toEqual({ kind: 'client_not_found', message: "Ce client n'existe pas dans la base de données." });
  });

  it('says client_not_found for a known reference in the wrong province', async () => {
    expect((await client().getBills('83262', 'NK')).kind).toBe('client_not_found');
    expect((await client().getBills('41007', 'NK')).kind).toBe('ok');
  });

  it('says unauthorized with a wrong key, and does not retry it', async () => {
    const c = client({ apiKey: 'not-the-key' });
    expect((await c.getBills('83262', 'KIN')).kind).toBe('unauthorized');
    expect((await c.verifyTransaction('x', 'KIN')).kind).toBe('unauthorized');
    expect((await c.payBills(pay())).kind).toBe('unauthorized');
    expect(sandbox.calls).toEqual({ getFact: 0, payFact: 0, verify: 0 });
    expect(sandbox.payments()).toEqual([]);
  });
});

describe('payBills', () => {
  it('pays oldest first, returns the receipt, and the balances move', async () => {
    const c = client();
    // Selected newest first on purpose: allocation follows issue dates, not the request's order.
    const out = await c.payBills(pay({ billIds: ['108776772', '108776771'], amountCentimes: 1_786_557 + 100_000 }));
    if (out.kind !== 'paid') throw new Error(`expected paid, got ${out.kind}`);
    expect(out.numAcquit).toMatch(/^29-01-25FINCA-83262-[0-9a-f]{5}$/);
    expect(out.bills).toEqual([
      { faeId: '108776771', billNumber: '8326224601541', subscriberName: 'MUKEBA MUKEBA', paidCentimes: 1_786_557, balanceAfterCentimes: 0 },
      { faeId: '108776772', billNumber: '8326224601542', subscriberName: 'MUKEBA MUKEBA', paidCentimes: 100_000, balanceAfterCentimes: 1_598_321 },
    ]);
    // Left unpaid: 108776772, 773 (part-paid), 774, 775.
    expect(out.unpaidBillCount).toBe(4);
    expect(out.totalDebtCentimes).toBe(1_598_321 + 1_255_000 + 1_822_050 + 1_903_412);

    expect(sandbox.payments()).toEqual([
      { numAcquit: out.numAcquit, refClient: '83262', province: 'KIN', amountCentimes: 1_886_557, billIds: ['108776772', '108776771'], operator: 'FINCA' },
    ]);
    const after = await c.getBills('83262', 'KIN');
    if (after.kind !== 'ok') throw new Error(after.kind);
    expect(after.bills.find((b) => b.faeId === '108776771')?.balanceCentimes).toBe(0);
    expect(after.bills.find((b) => b.faeId === '108776772')?.balanceCentimes).toBe(1_598_321);
  });

  it('sends date_payement in the province local time', async () => {
    const c = client();
    // 23:30 UTC on the 29th is already the 30th in Kinshasa (UTC+1).
    const out = await c.payBills(pay({ paidAt: new Date('2025-01-29T23:30:00Z') }));
    if (out.kind !== 'paid') throw new Error(out.kind);
    const v = await c.verifyTransaction(out.numAcquit, 'KIN');
    if (v.kind !== 'ok') throw new Error(v.kind);
    expect(v.transaction.paidAt).toBe('2025-01-30 00:00:00');
  });

  it('says no_unpaid_bill when paying a bill already paid', async () => {
    const out = await client().payBills(pay({ billIds: ['108776770'] }));
    expect(out).toEqual({ kind: 'no_unpaid_bill', message: 'Aucune facture impayée pour ce client!' });
    expect(sandbox.payments()).toEqual([]);
  });

  it("says bills_not_owned for someone else's bill", async () => {
    const out = await client().payBills(pay({ billIds: ['108776771', '306112409'] }));
    expect(out.kind).toBe('bills_not_owned');
    expect(sandbox.payments()).toEqual([]);
  });

  it('says client_not_found for an unknown reference', async () => {
    expect((await client().payBills(pay({ refClient: '99999' }))).kind).toBe('client_not_found');
  });

  it('is rejected, definitively, above the selected bills balance', async () => {
    const out = await client().payBills(pay({ amountCentimes: 1_786_558 }));
    expect(out.kind).toBe('rejected');
    expect(sandbox.payments()).toEqual([]);
  });

  it('refuses locally, without calling REGIDESO, a non-positive amount or no bill', async () => {
    const c = client();
    expect((await c.payBills(pay({ amountCentimes: 0 }))).kind).toBe('rejected');
    expect((await c.payBills(pay({ billIds: [] }))).kind).toBe('rejected');
    expect(sandbox.calls.payFact).toBe(0);
  });
});

describe('verifyTransaction', () => {
  it('finds a payment by its num_acquit', async () => {
    const c = client();
    const paid = await c.payBills(pay({ amountCentimes: 250_050 }));
    if (paid.kind !== 'paid') throw new Error(paid.kind);
    const out = await c.verifyTransaction(` ${paid.numAcquit}`, 'KIN');
    expect(out).toEqual({
      kind: 'ok',
      transaction: {
        numAcquit: paid.numAcquit,
        status: 'succès',
        refClient: '83262',
        subscriberName: 'MUKEBA MUKEBA',
        totalPaidCentimes: 250_050,
        transactionCount: 1,
        paidAt: '2025-01-29 00:00:00',
        operator: 'FINCA',
      },
    });
  });

  it('says not_found for an unknown num_acquit or another province', async () => {
    const c = client();
    expect((await c.verifyTransaction('29-01-25FINCA-83262-00000', 'KIN')).kind).toBe('not_found');
    const paid = await c.payBills(pay());
    if (paid.kind !== 'paid') throw new Error(paid.kind);
    expect((await c.verifyTransaction(paid.numAcquit, 'NK')).kind).toBe('not_found');
  });
});

describe('faults', () => {
  it('a hung GET times out as unavailable', async () => {
    sandbox.faults.getFact.push({ kind: 'hang', ms: 10_000 });
    sandbox.faults.verify.push({ kind: 'hang', ms: 10_000 });
    const c = client({ timeoutMs: 200, getRetries: 0 });
    expect(await c.getBills('83262', 'KIN')).toMatchObject({ kind: 'unavailable', reason: 'timeout' });
    expect(await c.verifyTransaction('x', 'KIN')).toMatchObject({ kind: 'unavailable', reason: 'timeout' });
  });

  it('a hung GET is retried, and the retry answers', async () => {
    sandbox.faults.getFact.push({ kind: 'hang', ms: 10_000 });
    // Generous timeout: the retry must answer inside it even on a loaded machine.
    const out = await client({ timeoutMs: 1000 }).getBills('83262', 'KIN');
    expect(out.kind).toBe('ok');
    expect(sandbox.calls.getFact).toBe(2);
  });

  it('a hung PayFact is uncertain and not retried', async () => {
    sandbox.faults.payFact.push({ kind: 'hang', ms: 10_000 });
    const out = await client({ timeoutMs: 200 }).payBills(pay());
    expect(out).toMatchObject({ kind: 'uncertain', reason: 'timeout' });
    expect(sandbox.calls.payFact).toBe(1);
  });

  it('a 500 on GetFact is retried and the second attempt succeeds', async () => {
    sandbox.faults.getFact.push({ kind: 'error500' });
    expect((await client().getBills('83262', 'KIN')).kind).toBe('ok');
    expect(sandbox.calls.getFact).toBe(2);
  });

  it('GETs give up after their retries', async () => {
    sandbox.faults.verify.push({ kind: 'error500' }, { kind: 'error500' }, { kind: 'error500' });
    const out = await client({ getRetries: 2 }).verifyTransaction('x', 'KIN');
    expect(out).toMatchObject({ kind: 'unavailable', reason: 'server_error' });
    expect(sandbox.calls.verify).toBe(3);
  });

  it('a 500 on PayFact is uncertain and never retried', async () => {
    sandbox.faults.payFact.push({ kind: 'error500' });
    const out = await client({ getRetries: 3 }).payBills(pay());
    expect(out).toMatchObject({ kind: 'uncertain', reason: 'server_error' });
    expect(sandbox.calls.payFact).toBe(1);
    expect(sandbox.payments()).toEqual([]);
  });

  it('a PayFact applied then dropped is uncertain, and was applied exactly once', async () => {
    sandbox.faults.payFact.push({ kind: 'dropAfterApply' });
    const c = client();
    const out = await c.payBills(pay({ amountCentimes: 100_000 }));
    expect(out).toMatchObject({ kind: 'uncertain', reason: 'network' });
    expect(sandbox.calls.payFact).toBe(1);
    expect(sandbox.payments()).toHaveLength(1);
    // What the payment job does next: read the bills again and see the money landed.
    const bills = await c.getBills('83262', 'KIN');
    if (bills.kind !== 'ok') throw new Error(bills.kind);
    expect(bills.bills.find((b) => b.faeId === '108776771')?.balanceCentimes).toBe(1_686_557);
  });

  it('a reset connection is unavailable for a GET and uncertain for PayFact', async () => {
    sandbox.faults.getFact.push({ kind: 'reset' });
    sandbox.faults.payFact.push({ kind: 'reset' });
    const c = client({ getRetries: 0 });
    expect(await c.getBills('83262', 'KIN')).toMatchObject({ kind: 'unavailable', reason: 'network' });
    expect(await c.payBills(pay())).toMatchObject({ kind: 'uncertain', reason: 'network' });
    expect(sandbox.payments()).toEqual([]);
  });

  it('a refused connection is unavailable', async () => {
    const c = client({ baseUrl: `http://127.0.0.1:${await closedPort()}`, getRetries: 1 });
    expect(await c.getBills('83262', 'KIN')).toMatchObject({ kind: 'unavailable', reason: 'network' });
    expect(await c.payBills(pay())).toMatchObject({ kind: 'uncertain', reason: 'network' });
  });
});

describe('ping', () => {
  it('is true when REGIDESO answers, even a 400 for the missing reference', async () => {
    expect(await client().ping()).toBe(true);
  });

  it('is false when REGIDESO refuses our key: every call would fail', async () => {
    expect(await client({ apiKey: 'wrong' }).ping()).toBe(false);
  });

  it('is false on a 5xx, a timeout or a refused connection', async () => {
    sandbox.faults.getFact.push({ kind: 'error500' }, { kind: 'hang', ms: 10_000 });
    const c = client({ timeoutMs: 200 });
    expect(await c.ping()).toBe(false);
    expect(await c.ping()).toBe(false);
    expect(await client({ baseUrl: `http://127.0.0.1:${await closedPort()}` }).ping()).toBe(false);
  });
});
