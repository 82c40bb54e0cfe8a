import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { silentLogger } from '../../src/logging/logger';
import { createRegidesoClient } from '../../src/regideso/client';
import type { RegidesoClient } from '../../src/regideso/types';

/**
 * The client against the API document's own example answers, copied verbatim into fixtures and
 * served by a bare HTTP server that answers whatever the test sets: the client is under test.
 */

const fixture = (name: string): string => readFileSync(join(__dirname, '../fixtures/regideso', `${name}.json`), 'utf8');

interface Seen {
  method: string;
  url: URL;
  headers: IncomingMessage['headers'];
  body: string;
}

const KEY = 'fixture-key-4242';
let server: Server;
let baseUrl: string;
let answer: { status: number; body: string; contentType?: string };
let seen: Seen[];
let client: RegidesoClient;

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (body += c));
    req.on('end', () => {
      seen.push({ method: req.method ?? '', url: new URL(req.url ?? '/', 'http://x'), headers: req.headers, body });
      res.writeHead(answer.status, { 'content-type': answer.contentType ?? 'application/json; charset=utf-8' });
      res.end(answer.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});
beforeEach(() => {
  seen = [];
  client = createRegidesoClient({ baseUrl, apiKey: KEY, operator: 'FINCA', timeoutMs: 2000, logger: silentLogger(), getRetries: 0 });
});

const serve = (status: number, body: string, contentType?: string): void => {
  answer = { status, body, contentType };
};

const PAY = { refClient: '83262', province: 'KIN' as const, billIds: ['108776771'], amountCentimes: 10_000, paidAt: new Date('2025-01-29T09:42:58Z') };

describe('GetFact', () => {
  it("reads the document's example and sends the documented request", async () => {
    serve(200, fixture('getfact-found'));
    const out = await client.getBills(' 83262 ', 'KC');
    expect(out).toEqual({
      kind: 'ok',
      bills: [
        {
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
        },
      ],
    });
    const [req] = seen;
    expect(req?.method).toBe('GET');
    expect(req?.url.pathname).toBe('/api/factures');
    expect(Object.fromEntries(req?.url.searchParams ?? [])).toEqual({ ref_client: '83262', province: 'KC' });
    expect(req?.headers['x-api-key']).toBe(KEY);
  });

  it.each([200, 404])("reads the document's not-found example (HTTP %i)", async (status) => {
    serve(status, fixture('client-not-found'));
    expect(await client.getBills('C999999', 'KIN')).toEqual({
      kind: 'client_not_found',
      message: "Ce client n'existe pas dans la base de données.",
    });
  });

  it('accepts numbers where the document shows strings, bills under `bills`, and sorts by date', async () => {
    serve(
      200,
      JSON.stringify({
        success: 'true',
        message: 'Vos données',
        bills: [
          { fae_id: 2, ref_client: 83262, nom_client: 'A  ', numero_fac: 22, date_fac: '30-04-2024', ref_agence: 'X', ref_province: 'kin', montant_fac: 10.5, payments: 0, solde: 10.5 },
          { fae_id: 1, ref_client: 83262, nom_client: 'A', numero_fac: 11, date_fac: '2024-03-31', ref_agence: 'X', ref_province: 'KIN', montant_fac: '20', solde_fac: '5.25' },
        ],
      }),
    );
    const out = await client.getBills('83262', 'KIN');
    if (out.kind !== 'ok') throw new Error(out.kind);
    expect(out.bills.map((b) => [b.faeId, b.issuedOn, b.amountCentimes, b.paidCentimes, b.balanceCentimes])).toEqual([
      ['1', '2024-03-31', 2000, 1475, 525],
      ['2', '2024-04-30', 1050, 0, 1050],
    ]);
  });

  it('takes a balance it cannot hold exactly (a third decimal) for an unreadable answer, not a rounded amount', async () => {
    serve(
      200,
      JSON.stringify({
        success: true,
        message: 'Vos données',
        data: [{ fae_id: 1, ref_client: '83262', nom_client: 'A', numero_fac: '11', date_fac: '2024-03-31', ref_agence: 'X', ref_province: 'KIN', montant_fac: '17865.579', solde_fac: '17865.579' }],
      }),
    );
    const out = await client.getBills('83262', 'KIN');
    expect(out).toMatchObject({ kind: 'unavailable', reason: 'bad_response' });
  });

  it('reads "no unpaid bill" on GetFact as an empty list', async () => {
    serve(200, fixture('payfact-no-unpaid'));
    expect(await client.getBills('83262', 'KIN')).toEqual({ kind: 'ok', bills: [] });
  });

  it.each([
    ['an HTML error page', 502, '<html>Bad Gateway</html>', 'server_error'],
    ['a 200 that is not JSON', 200, '<html>maintenance</html>', 'bad_response'],
    ['a 404 that is not JSON', 404, 'Not Found', 'bad_response'],
    ['an unreadable amount', 200, JSON.stringify({ success: true, data: [{ ...JSON.parse(fixture('getfact-found')).data[0], montant_fac: 'N/A' }] }), 'bad_response'],
    ['an impossible date', 200, JSON.stringify({ success: true, data: [{ ...JSON.parse(fixture('getfact-found')).data[0], date_fac: '2024-02-31 00:00:00' }] }), 'bad_response'],
    ['no success flag', 200, JSON.stringify({ data: [] }), 'bad_response'],
  ])('turns %s into unavailable, never a throw', async (_what, status, body, reason) => {
    serve(status, body, 'text/html');
    expect(await client.getBills('83262', 'KIN')).toMatchObject({ kind: 'unavailable', reason });
  });

  it.each([401, 403])('reads HTTP %i as unauthorized', async (status) => {
    serve(status, JSON.stringify({ success: false, message: 'Clé invalide' }));
    expect(await client.getBills('83262', 'KIN')).toEqual({ kind: 'unauthorized', message: 'Clé invalide' });
  });
});

describe('PayFact', () => {
  it("reads the document's example answer and sends the documented body", async () => {
    serve(200, fixture('payfact-success'));
    const out = await client.payBills(PAY);
    expect(out).toEqual({
      kind: 'paid',
      numAcquit: '29-01-25FINCA-83262-0dfe8',
      bills: [{ faeId: '108776771', billNumber: '8326224601541', subscriberName: 'MUKEBA MUKEBA', paidCentimes: 10_000, balanceAfterCentimes: 1_776_557 }],
      totalDebtCentimes: 63_420_632,
      unpaidBillCount: 9,
    });
    const [req] = seen;
    expect(req?.method).toBe('POST');
    expect(req?.url.pathname).toBe('/api/factures');
    expect(req?.headers['x-api-key']).toBe(KEY);
    expect(req?.headers['content-type']).toMatch(/^application\/json/);
    // The document's example request, field for field.
    expect(JSON.parse(req?.body ?? '')).toEqual({
      ref_client: '83262',
      amount: '100',
      date_payement: '2025-01-29 10:42:58',
      province: 'KIN',
      opérateur: 'FINCA',
      bills: [{ fae_id: '108776771' }],
    });
  });

  it('sends amounts with centimes as decimal text', async () => {
    serve(200, fixture('payfact-success'));
    await client.payBills({ ...PAY, amountCentimes: 1_786_557 });
    expect(JSON.parse(seen[0]?.body ?? '').amount).toBe('17865.57');
  });

  it.each([200, 422])("reads the document's no-unpaid-bill example (HTTP %i)", async (status) => {
    serve(status, fixture('payfact-no-unpaid'));
    expect(await client.payBills(PAY)).toEqual({ kind: 'no_unpaid_bill', message: 'Aucune facture impayée pour ce client!' });
  });

  it("reads the document's bills-not-owned example", async () => {
    serve(200, fixture('payfact-bills-not-owned'));
    expect(await client.payBills(PAY)).toEqual({
      kind: 'bills_not_owned',
      message: "Les factures suivantes n'existent pas pour le client KANDA MUKOSA (Référence)",
    });
  });

  it("reads the not-found example as client_not_found", async () => {
    serve(404, fixture('client-not-found'));
    expect((await client.payBills(PAY)).kind).toBe('client_not_found');
  });

  it('reads any other refusal as rejected', async () => {
    serve(400, JSON.stringify({ success: false, message: 'Montant invalide' }));
    expect(await client.payBills(PAY)).toEqual({ kind: 'rejected', message: 'Montant invalide' });
  });

  it.each([
    ['a 500', 500, '{}', 'server_error'],
    ['success without bills', 200, JSON.stringify({ success: true, message: 'ok', bills: [] }), 'bad_response'],
    ['success without num_acquit', 200, JSON.stringify({ success: true, bills: [{ ...JSON.parse(fixture('payfact-success')).bills[0], num_acquit: '', cle: '' }] }), 'bad_response'],
    ['a body that is not JSON', 200, 'OK', 'bad_response'],
  ])('turns %s into uncertain: the money may have landed', async (_what, status, body, reason) => {
    serve(status, body);
    expect(await client.payBills(PAY)).toMatchObject({ kind: 'uncertain', reason });
    expect(seen).toHaveLength(1);
  });

  it('uses `cle` when num_acquit is missing', async () => {
    const example = JSON.parse(fixture('payfact-success'));
    delete example.bills[0].num_acquit;
    serve(200, JSON.stringify(example));
    expect(await client.payBills(PAY)).toMatchObject({ kind: 'paid', numAcquit: '29-01-25FINCA-83262-0dfe8' });
  });
});

describe('VerifyTransaction', () => {
  it("reads the document's example and sends the documented request", async () => {
    serve(200, fixture('verify-found'));
    const out = await client.verifyTransaction(' 29-01-25FINCA-83262-0dfe8', 'KIN');
    expect(out).toEqual({
      kind: 'ok',
      transaction: {
        numAcquit: '29-01-25FINCA-83262-0dfe8',
        status: 'succès',
        refClient: '83262',
        subscriberName: 'MUKEBA MUKEBA',
        totalPaidCentimes: 10_000,
        transactionCount: 1,
        paidAt: '2025-01-29 00:00:00',
        operator: 'FINCA',
      },
    });
    const [req] = seen;
    expect(req?.url.pathname).toBe('/api/transactionId');
    expect(Object.fromEntries(req?.url.searchParams ?? [])).toEqual({ num_acquit: '29-01-25FINCA-83262-0dfe8', province: 'KIN' });
    expect(req?.headers['x-api-key']).toBe(KEY);
  });

  it('reads success:false, or success without data, as not_found', async () => {
    serve(404, JSON.stringify({ success: false, status: 'échec', message: 'Transaction introuvable' }));
    expect(await client.verifyTransaction('x', 'KIN')).toEqual({ kind: 'not_found', message: 'Transaction introuvable' });
    serve(200, JSON.stringify({ success: true, status: 'succès', message: 'rien', data: [] }));
    expect((await client.verifyTransaction('x', 'KIN')).kind).toBe('not_found');
  });

  it('keeps the échec status when REGIDESO reports one', async () => {
    const example = JSON.parse(fixture('verify-found'));
    serve(200, JSON.stringify({ ...example, status: 'echec' }));
    expect(await client.verifyTransaction('x', 'KIN')).toMatchObject({ kind: 'ok', transaction: { status: 'échec' } });
  });
});
