import request from 'supertest';
import { startSandbox, type RunningSandbox } from '../../../src/regideso/sandbox/server';

/** The sandbox's own rules, over HTTP, without the client. */

const KEY = 'test-sandbox-key';
// 23:30 UTC on the 28th: already the 29th in Kinshasa (UTC+1) and in Goma (UTC+2).
const NOW = new Date('2025-01-28T23:30:00Z');
let sandbox: RunningSandbox;

beforeEach(async () => {
  sandbox = await startSandbox({ apiKey: KEY, now: () => NOW });
});
afterEach(async () => {
  await sandbox.close();
});

const api = () => request(sandbox.baseUrl);
const payBody = (over: Record<string, unknown> = {}) => ({
  ref_client: '83262',
  amount: '100',
  date_payement: '2025-01-29 10:42:58',
  province: 'KIN',
  opérateur: 'FINCA',
  bills: [{ fae_id: '108776771' }],
  ...over,
});
const pay = (over: Record<string, unknown> = {}) => api().post('/api/factures').set('x-api-key', KEY).send(payBody(over));

describe('x-api-key', () => {
  it.each([
    ['GET', '/api/factures?ref_client=83262'],
    ['POST', '/api/factures'],
    ['GET', '/api/transactionId?num_acquit=x'],
  ])('%s %s answers 401 without the key or with a wrong one, and counts nothing', async (method, path) => {
    const send = (key?: string) => {
      const r = method === 'GET' ? api().get(path) : api().post(path).send(payBody());
      return key === undefined ? r : r.set('x-api-key', key);
    };
    for (const res of [await send(), await send('wrong'), await send(`${KEY}x`)]) {
      expect(res.status).toBe(401);
      expect(res.body).toEqual({ success: false, message: expect.any(String) });
    }
    expect(sandbox.calls).toEqual({ getFact: 0, payFact: 0, verify: 0 });
    expect(sandbox.payments()).toEqual([]);
  });
});

describe('GetFact', () => {
  it("answers in the document's shape, province KIN by default", async () => {
    const res = await api().get('/api/factures?ref_client=83262').set('x-api-key', KEY);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ success: true, message: 'Vos données' });
    expect(res.body.data).toHaveLength(7);
    expect(res.body.data).toContainEqual({
      fae_id: '108776771',
      ref_client: '83262',
      nom_client: 'MUKEBA MUKEBA ',
      numero_fac: '8326224601541',
      date_fac: '2024-03-31 00:00:00',
      ref_agence: 'MONT-NGAFULA',
      ref_province: 'KIN',
      montant_fac: '17865.57',
      solde_fac: '17865.57',
      payments: '0',
      solde: '17865.57',
    });
  });

  it('answers the document not-found message for an unknown reference or the wrong province', async () => {
    for (const q of ['ref_client=99999', 'ref_client=83262&province=NK']) {
      const res = await api().get(`/api/factures?${q}`).set('x-api-key', KEY);
      expect(res.status).toBe(404);
      expect(res.body).toEqual({ message: "Ce client n'existe pas dans la base de données.", success: false, bills: [] });
    }
  });

  it('refuses a missing reference or an unknown province with 400', async () => {
    for (const q of ['', 'ref_client=', 'ref_client=83262&province=XX', 'ref_client=1&ref_client=2']) {
      const res = await api().get(`/api/factures?${q}`).set('x-api-key', KEY);
      expect(res.status).toBe(400);
      expect(res.body).toEqual({ success: false, message: expect.any(String) });
    }
  });
});

describe('PayFact validation', () => {
  it.each([
    ['no ref_client', { ref_client: undefined }],
    ['no amount', { amount: undefined }],
    ['an amount that is not a number', { amount: '12abc' }],
    ['no date_payement', { date_payement: undefined }],
    ['a date_payement in another shape', { date_payement: '29-01-2025 10:42' }],
    ['an impossible date_payement', { date_payement: '2025-02-30 10:00:00' }],
    ['an unknown province', { province: 'ZZ' }],
    ['no opérateur', { opérateur: undefined }],
    ['no bills', { bills: [] }],
    ['a bill without fae_id', { bills: [{}] }],
    ['the same bill twice', { bills: [{ fae_id: '108776771' }, { fae_id: '108776771' }] }],
  ])('refuses %s with 400 and a French message', async (_what, over) => {
    const res = await pay(over);
    expect(res.status).toBe(400);
    expect(res.body.success).toBe(false);
    expect(res.body.message).toMatch(/requis|invalide|valide|forme|facture|province|deux fois/i);
    expect(sandbox.payments()).toEqual([]);
  });

  it('refuses malformed JSON with a JSON 400', async () => {
    const res = await api().post('/api/factures').set('x-api-key', KEY).set('content-type', 'application/json').send('{"ref_client": ');
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ success: false, message: 'Corps de requête JSON invalide.' });
  });

  it('refuses an amount of zero or less', async () => {
    for (const amount of ['0', '-5']) {
      const res = await pay({ amount });
      expect(res.body).toMatchObject({ success: false, message: 'Le montant doit être supérieur à zéro.' });
    }
    expect(sandbox.payments()).toEqual([]);
  });

  it("refuses more than the selected bills' balance, and says the balance", async () => {
    const res = await pay({ amount: '17865.58' });
    expect(res.body).toMatchObject({ success: false });
    expect(res.body.message).toContain('17 865,57 CDF');
    expect(sandbox.payments()).toEqual([]);
  });

  it('names the client and the foreign bills', async () => {
    const res = await pay({ bills: [{ fae_id: '108776771' }, { fae_id: '306112409' }] });
    expect(res.body).toMatchObject({ success: false, status: 'échec', bills: [] });
    expect(res.body.message).toMatch(/^Les factures suivantes n'existent pas pour le client MUKEBA MUKEBA \(83262\)/);
    expect(res.body.message).toContain('306112409');
  });

  it('refuses paying only paid bills with the document message', async () => {
    const res = await pay({ bills: [{ fae_id: '108776770' }, { fae_id: '108776769' }] });
    expect(res.body).toEqual({ message: 'Aucune facture impayée pour ce client!', success: false, bills: [] });
  });
});

describe('PayFact success', () => {
  it("answers the document's shape with a num_acquit dated in the province's local day", async () => {
    const res = await pay();
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      success: true,
      message: 'Paiement enregistré avec succès',
      bills: [
        {
          fae_id: '108776771',
          ref_client: '83262',
          nom_client: 'MUKEBA MUKEBA ',
          numero_fac: '8326224601541',
          date_fac: '31-03-2024',
          ref_agence: 'MONT-NGAFULA',
          ref_province: 'KIN',
          montant_fac: '17865.57',
          payments: '100',
          solde: 17765.57,
          montant_payer: 100,
          num_acquit: expect.stringMatching(/^29-01-25FINCA-83262-[0-9a-f]{5}$/),
          cle: res.body.bills[0].num_acquit,
          phone: '1001',
          nombre_factures_impayees: '5',
          montant_total_de_la_dette: '84553.40',
          date_payement: '2025-01-29',
        },
      ],
    });
    expect(sandbox.payments()).toEqual([
      { numAcquit: res.body.bills[0].num_acquit, refClient: '83262', province: 'KIN', amountCentimes: 10_000, billIds: ['108776771'], operator: 'FINCA' },
    ]);
  });

  it('pays oldest first and answers one entry per bill paid', async () => {
    // 108776772 (April) and 108776771 (March) selected; 17 865,57 + 1 000 pays March, then part of April.
    const res = await pay({ amount: 18865.57, bills: [{ fae_id: '108776772' }, { fae_id: '108776771' }, { fae_id: '108776775' }] });
    expect(res.body.bills.map((b: { fae_id: string; montant_payer: number; solde: number }) => [b.fae_id, b.montant_payer, b.solde])).toEqual([
      ['108776771', 17865.57, 0],
      ['108776772', 1000, 15983.21],
    ]);
    const acquits = new Set(res.body.bills.map((b: { num_acquit: string }) => b.num_acquit));
    expect(acquits.size).toBe(1);
  });

  it('keeps each sandbox its own books', async () => {
    const other = await startSandbox({ apiKey: KEY });
    try {
      await pay({ amount: '17865.57' });
      const there = await request(other.baseUrl).get('/api/factures?ref_client=83262').set('x-api-key', KEY);
      expect(there.body.data.find((b: { fae_id: string }) => b.fae_id === '108776771').solde).toBe('17865.57');
      expect(other.payments()).toEqual([]);
    } finally {
      await other.close();
    }
  });
});

describe('VerifyTransaction', () => {
  it("answers the document's success shape for a known num_acquit", async () => {
    const numAcquit: string = (await pay({ province: 'KIN' })).body.bills[0].num_acquit;
    const res = await api().get(`/api/transactionId?num_acquit=${encodeURIComponent(' ' + numAcquit)}`).set('x-api-key', KEY);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      success: true,
      status: 'succès',
      message: `Détails des paiements pour la transaction ${numAcquit}`,
      data: [
        {
          ref_client: '83262',
          nom_client: 'MUKEBA MUKEBA ',
          total_payments: '100',
          nbre_transactions: '1',
          date_payement: '2025-01-29 00:00:00',
          opérateur: 'FINCA',
        },
      ],
    });
  });

  it('answers échec for an unknown num_acquit, and 400 without one', async () => {
    const res = await api().get('/api/transactionId?num_acquit=29-01-25FINCA-83262-00000').set('x-api-key', KEY);
    expect(res.body).toMatchObject({ success: false, status: 'échec' });
    expect(res.body.message).toMatch(/Aucune transaction/);
    expect((await api().get('/api/transactionId').set('x-api-key', KEY)).status).toBe(400);
  });
});

describe('faults', () => {
  it('are consumed one per request, in order, per endpoint', async () => {
    sandbox.faults.getFact.push({ kind: 'error500' });
    const verify = await api().get('/api/transactionId?num_acquit=x').set('x-api-key', KEY);
    expect(verify.status).toBe(404);
    expect((await api().get('/api/factures?ref_client=83262').set('x-api-key', KEY)).status).toBe(500);
    expect((await api().get('/api/factures?ref_client=83262').set('x-api-key', KEY)).status).toBe(200);
    expect(sandbox.calls).toEqual({ getFact: 2, payFact: 0, verify: 1 });
  });

  it('error500 on PayFact applies nothing; dropAfterApply applies and never answers', async () => {
    sandbox.faults.payFact.push({ kind: 'error500' }, { kind: 'dropAfterApply' });
    expect((await pay()).status).toBe(500);
    expect(sandbox.payments()).toEqual([]);
    await expect(pay()).rejects.toThrow();
    expect(sandbox.payments()).toHaveLength(1);
  });

  it('reset drops the connection without applying', async () => {
    sandbox.faults.payFact.push({ kind: 'reset' });
    await expect(pay()).rejects.toThrow();
    expect(sandbox.payments()).toEqual([]);
    expect(sandbox.calls.payFact).toBe(1);
  });

  it('latencyMs holds every answer back', async () => {
    const slow = await startSandbox({ apiKey: KEY, latencyMs: 30_000 });
    try {
      await expect(request(slow.baseUrl).get('/api/factures?ref_client=83262').set('x-api-key', KEY).timeout(200)).rejects.toThrow(/Timeout/);
      expect(slow.calls.getFact).toBe(1);
    } finally {
      await slow.close();
    }
  });

  it('a hang is released by close(), so nothing outlives the sandbox', async () => {
    const hung = await startSandbox({ apiKey: KEY });
    hung.faults.getFact.push({ kind: 'hang', ms: 60_000 });
    const pending = request(hung.baseUrl).get('/api/factures?ref_client=83262').set('x-api-key', KEY).then(
      () => 'answered',
      () => 'dropped',
    );
    // Wait until the request has reached the sandbox, then close under it.
    while (hung.calls.getFact === 0) await new Promise((r) => setImmediate(r));
    await hung.close();
    expect(await pending).toBe('dropped');
  });
});
