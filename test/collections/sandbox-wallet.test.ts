import { randomUUID } from 'node:crypto';
import axios, { type AxiosResponse } from 'axios';
import { startSandboxWallet, type RunningSandboxWallet } from '../../src/collections/sandbox/server';
import { waitUntil } from './wallet-support';

/** The sandbox wallet at the HTTP level: what a curl user, or any pawaPay client, sees. */

let wallet: RunningSandboxWallet;

beforeEach(async () => {
  wallet = await startSandboxWallet({ approveDelayMs: 30, refundDelayMs: 30 });
});
afterEach(() => wallet.close());

function call(method: 'GET' | 'POST', path: string, body?: unknown, token = wallet.apiToken, raw = false): Promise<AxiosResponse<Record<string, unknown>>> {
  return axios.request({
    method,
    url: `${wallet.baseUrl}${path}`,
    data: raw ? body : body === undefined ? undefined : JSON.stringify(body),
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    validateStatus: () => true,
  });
}

function deposit(overrides: Record<string, unknown> = {}) {
  return {
    depositId: randomUUID(),
    amount: '1500',
    currency: 'CDF',
    payer: { type: 'MMO', accountDetails: { phoneNumber: '243812345990', provider: 'VODACOM_MPESA_COD' } },
    customerMessage: 'REGIDESO 83262',
    ...overrides,
  };
}

describe('authentication', () => {
  it('401 NO_AUTHENTICATION without a token, 403 AUTHENTICATION_ERROR with a wrong one', async () => {
    const none = await call('GET', '/v2/active-conf', undefined, '');
    expect(none.status).toBe(401);
    expect(none.data).toEqual({ failureReason: { failureCode: 'NO_AUTHENTICATION', failureMessage: expect.any(String) } });
    const wrong = await call('POST', '/v2/deposits', deposit(), 'nope');
    expect(wrong.status).toBe(403);
    expect(wrong.data).toMatchObject({ failureReason: { failureCode: 'AUTHENTICATION_ERROR' } });
    expect(wallet.calls.deposits).toBe(0);
  });
});

describe('POST /v2/deposits', () => {
  it('answers ACCEPTED, then the status read shows the deposit as pawaPay does', async () => {
    const body = deposit({ clientReferenceId: 'pi-1' });
    const res = await call('POST', '/v2/deposits', body);
    expect(res.status).toBe(200);
    expect(res.data).toEqual({ depositId: body.depositId, status: 'ACCEPTED', nextStep: 'FINAL_STATUS', created: expect.any(String) });
    const read = await waitUntil(
      () => call('GET', `/v2/deposits/${body.depositId}`),
      (r) => (r.data.data as { status?: string } | undefined)?.status === 'COMPLETED',
    );
    expect(read.data).toEqual({
      status: 'FOUND',
      data: {
        depositId: body.depositId,
        status: 'COMPLETED',
        amount: '1500',
        currency: 'CDF',
        country: 'COD',
        payer: { type: 'MMO', accountDetails: { phoneNumber: '243812345990', provider: 'VODACOM_MPESA_COD' } },
        customerMessage: 'REGIDESO 83262',
        clientReferenceId: 'pi-1',
        created: expect.any(String),
        providerTransactionId: expect.any(String),
      },
    });
  });

  it('answers 400 for a malformed request, naming the parameter', async () => {
    const { amount: _a, ...noAmount } = deposit();
    expect((await call('POST', '/v2/deposits', noAmount)).data).toMatchObject({ status: 'REJECTED', failureReason: { failureCode: 'MISSING_PARAMETER', failureMessage: expect.stringContaining('amount') } });
    expect((await call('POST', '/v2/deposits', deposit({ depositId: 'not-a-uuid' }))).data).toMatchObject({ failureReason: { failureCode: 'INVALID_PARAMETER' } });
    expect((await call('POST', '/v2/deposits', deposit({ amount: '15.555' }))).status).toBe(400);
    expect((await call('POST', '/v2/deposits', deposit({ amount: 1500 }))).data).toMatchObject({ failureReason: { failureCode: 'INVALID_PARAMETER' } });
    expect((await call('POST', '/v2/deposits', deposit({ customerMessage: 'REGIDESO-83262' }))).status).toBe(400);
    const broken = await call('POST', '/v2/deposits', '{"depositId":', wallet.apiToken, true);
    expect(broken.status).toBe(400);
    expect(broken.data).toMatchObject({ failureReason: { failureCode: 'INVALID_INPUT' } });
    expect(wallet.deposits()).toEqual([]);
  });

  it('answers REJECTED (HTTP 200) for a well-formed deposit pawaPay refuses', async () => {
    const rejected = async (overrides: Record<string, unknown>) => {
      const res = await call('POST', '/v2/deposits', deposit(overrides));
      expect(res.status).toBe(200);
      expect(res.data.status).toBe('REJECTED');
      return (res.data.failureReason as { failureCode: string }).failureCode;
    };
    expect(await rejected({ currency: 'USD' })).toBe('INVALID_CURRENCY');
    expect(await rejected({ payer: { type: 'MMO', accountDetails: { phoneNumber: '243812345990', provider: 'MTN_MOMO_ZMB' } } })).toBe('INVALID_PROVIDER');
    expect(await rejected({ payer: { type: 'MMO', accountDetails: { phoneNumber: '0812345990', provider: 'VODACOM_MPESA_COD' } } })).toBe('INVALID_PHONE_NUMBER');
    expect(await rejected({ amount: '99' })).toBe('AMOUNT_OUT_OF_BOUNDS');
    expect(await rejected({ amount: '1500.5', payer: { type: 'MMO', accountDetails: { phoneNumber: '243842345990', provider: 'ORANGE_COD' } } })).toBe('INVALID_AMOUNT');
    expect(wallet.deposits()).toEqual([]);
  });

  it('a rejected id may be sent again; an accepted one is DUPLICATE_IGNORED', async () => {
    const body = deposit({ amount: '99' });
    expect((await call('POST', '/v2/deposits', body)).data.status).toBe('REJECTED');
    expect((await call('POST', '/v2/deposits', { ...body, amount: '1500' })).data.status).toBe('ACCEPTED');
    expect((await call('POST', '/v2/deposits', body)).data).toMatchObject({ depositId: body.depositId, status: 'DUPLICATE_IGNORED' });
  });

  it('NOT_FOUND for an unknown id', async () => {
    expect((await call('GET', `/v2/deposits/${randomUUID()}`)).data).toEqual({ status: 'NOT_FOUND' });
  });
});

describe('POST /v2/refunds', () => {
  it('refunds the whole deposit when no amount is named', async () => {
    const dep = deposit({ amount: '1500.50' });
    await call('POST', '/v2/deposits', dep);
    await waitUntil(() => wallet.deposits()[0]?.status, (s) => s === 'COMPLETED');
    const refundId = randomUUID();
    expect((await call('POST', '/v2/refunds', { refundId, depositId: dep.depositId })).data).toEqual({ refundId, status: 'ACCEPTED', created: expect.any(String) });
    const read = await waitUntil(() => call('GET', `/v2/refunds/${refundId}`), (r) => (r.data.data as { status?: string } | undefined)?.status === 'COMPLETED');
    expect(read.data.data).toMatchObject({ refundId, status: 'COMPLETED', amount: '1500.50', currency: 'CDF', recipient: { accountDetails: { phoneNumber: '243812345990' } } });
  });

  it('asks for the currency with an amount', async () => {
    const res = await call('POST', '/v2/refunds', { refundId: randomUUID(), depositId: randomUUID(), amount: '10' });
    expect(res.status).toBe(400);
    expect(res.data).toMatchObject({ failureReason: { failureCode: 'MISSING_PARAMETER' } });
  });
});

describe('GET /v2/active-conf', () => {
  it('filters by country and operation type', async () => {
    expect((await call('GET', '/v2/active-conf?country=ZMB')).data.countries).toEqual([]);
    const refunds = await call('GET', '/v2/active-conf?country=COD&operationType=REFUND');
    const countries = refunds.data.countries as Array<{ providers: Array<{ currencies: Array<{ currency: string; operationTypes: Record<string, unknown> }> }> }>;
    const cdf = countries[0]?.providers[0]?.currencies.find((c) => c.currency === 'CDF');
    expect(Object.keys(cdf?.operationTypes ?? {})).toEqual(['REFUND']);
  });
});

describe('POST /v2/predict-provider', () => {
  it('sanitises the number as pawaPay does', async () => {
    expect((await call('POST', '/v2/predict-provider', { phoneNumber: '+243 812-345990' })).data).toEqual({ country: 'COD', provider: 'VODACOM_MPESA_COD', phoneNumber: '243812345990' });
  });

  it('refuses a number it does not know, and a missing one', async () => {
    const unknown = await call('POST', '/v2/predict-provider', { phoneNumber: '+250781234567' });
    expect(unknown.status).toBe(400);
    expect(unknown.data).toMatchObject({ failureReason: { failureCode: 'INVALID_PHONE_NUMBER' } });
    expect((await call('POST', '/v2/predict-provider', {})).data).toMatchObject({ failureReason: { failureCode: 'MISSING_PARAMETER' } });
  });
});

describe('faults', () => {
  it('are consumed one per request, per endpoint', async () => {
    wallet.faults.activeConf.push({ kind: 'error500' });
    expect((await call('GET', `/v2/deposits/${randomUUID()}`)).status).toBe(200);
    expect((await call('GET', '/v2/active-conf')).status).toBe(500);
    expect((await call('GET', '/v2/active-conf')).status).toBe(200);
    expect(wallet.calls).toMatchObject({ activeConf: 2, depositStatus: 1 });
  });

  it('close() ends a hanging request and every pending timer', async () => {
    wallet.faults.deposits.push({ kind: 'hang', ms: 60_000 });
    const pending = call('POST', '/v2/deposits', deposit()).catch((err: unknown) => err);
    await waitUntil(() => wallet.calls.deposits, (n) => n === 1);
    await wallet.close();
    expect(await pending).toBeInstanceOf(Error);
    expect(wallet.deposits()).toEqual([]);
  });
});
