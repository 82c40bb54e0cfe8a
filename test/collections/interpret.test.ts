import type { PawapayHttpResult } from '../../src/collections/pawapay/http';
import { interpretDepositStatus, interpretInitiation, interpretRefundStatus } from '../../src/collections/pawapay/interpret';
import { operationConf, rulesFromActiveConf } from '../../src/collections/pawapay/rules';
import { depositCallbackSchema, refundCallbackSchema } from '../../src/collections/pawapay/wire';

/** pawaPay's answers → the port's outcomes, branch by branch, without a network. */

const ID = 'f4401bd2-1568-4140-bf2d-eb77d2b2b639';
const OTHER = '8917c345-4791-4285-a416-62f24b6982db';

function answer(status: number, body: unknown): PawapayHttpResult {
  return { kind: 'answer', status, body, durationMs: 1 };
}

describe('initiation answers', () => {
  it('ACCEPTED, DUPLICATE_IGNORED, REJECTED', () => {
    expect(interpretInitiation(answer(200, { depositId: ID, status: 'ACCEPTED', nextStep: 'FINAL_STATUS', created: '2025-05-15T07:38:56Z' }), 'depositId', ID)).toEqual({ kind: 'accepted' });
    expect(interpretInitiation(answer(200, { depositId: ID, status: 'DUPLICATE_IGNORED' }), 'depositId', ID)).toEqual({ kind: 'duplicate_ignored' });
    expect(
      interpretInitiation(answer(200, { depositId: ID, status: 'REJECTED', failureReason: { failureCode: 'AMOUNT_OUT_OF_BOUNDS', failureMessage: 'too much' } }), 'depositId', ID),
    ).toEqual({ kind: 'rejected', code: 'AMOUNT_OUT_OF_BOUNDS', message: 'too much' });
    expect(interpretInitiation(answer(200, { refundId: ID, status: 'ACCEPTED' }), 'refundId', ID)).toEqual({ kind: 'accepted' });
  });

  it('a REJECTED without a reason is still definitive', () => {
    expect(interpretInitiation(answer(200, { depositId: ID, status: 'REJECTED' }), 'depositId', ID)).toMatchObject({ kind: 'rejected', code: 'UNKNOWN' });
  });

  it('4xx with pawaPay\'s failure reason: the request was refused, nothing started', () => {
    expect(interpretInitiation(answer(400, { depositId: ID, status: 'REJECTED', failureReason: { failureCode: 'MISSING_PARAMETER', failureMessage: 'amount' } }), 'depositId', ID)).toEqual({
      kind: 'rejected',
      code: 'MISSING_PARAMETER',
      message: 'amount',
    });
    expect(interpretInitiation(answer(403, { failureReason: { failureCode: 'AUTHENTICATION_ERROR' } }), 'depositId', ID)).toEqual({
      kind: 'rejected',
      code: 'AUTHENTICATION_ERROR',
      message: 'HTTP 403',
    });
  });

  it('silence, 5xx, throttling and unreadable bodies leave the outcome unknown', () => {
    expect(interpretInitiation({ kind: 'no_answer', reason: 'timeout', message: 'no answer within 5 ms', durationMs: 5 }, 'depositId', ID)).toEqual({
      kind: 'unknown',
      reason: 'timeout',
      message: 'no answer within 5 ms',
    });
    expect(interpretInitiation(answer(500, { status: 'REJECTED', failureReason: { failureCode: 'UNKNOWN_ERROR' } }), 'depositId', ID)).toEqual({
      kind: 'unknown',
      reason: 'server_error',
      message: 'HTTP 500 UNKNOWN_ERROR',
    });
    expect(interpretInitiation(answer(502, undefined), 'depositId', ID)).toMatchObject({ kind: 'unknown', reason: 'server_error' });
    expect(interpretInitiation(answer(429, { failureReason: { failureCode: 'TOO_MANY' } }), 'depositId', ID)).toMatchObject({ kind: 'unknown', reason: 'server_error' });
    expect(interpretInitiation(answer(200, '<html>'), 'depositId', ID)).toMatchObject({ kind: 'unknown', reason: 'bad_response' });
    expect(interpretInitiation(answer(200, { depositId: ID, status: 'ENQUEUED' }), 'depositId', ID)).toMatchObject({ kind: 'unknown', reason: 'bad_response' });
    // A 404 page from a proxy is not pawaPay refusing the deposit.
    expect(interpretInitiation(answer(404, undefined), 'depositId', ID)).toMatchObject({ kind: 'unknown', reason: 'bad_response' });
  });

  it('an answer about another id is not an answer about ours', () => {
    expect(interpretInitiation(answer(200, { depositId: OTHER, status: 'ACCEPTED' }), 'depositId', ID)).toMatchObject({ kind: 'unknown', reason: 'bad_response' });
  });
});

function deposit(status: string, extra: Record<string, unknown> = {}) {
  return {
    depositId: ID,
    status,
    amount: '123.00',
    currency: 'CDF',
    country: 'COD',
    payer: { type: 'MMO', accountDetails: { phoneNumber: '243812345990', provider: 'VODACOM_MPESA_COD' } },
    created: '2020-10-19T08:17:01Z',
    ...extra,
  };
}

describe('status reads', () => {
  it('COMPLETED, in centimes, with the provider\'s transaction id', () => {
    expect(interpretDepositStatus(answer(200, { status: 'FOUND', data: deposit('COMPLETED', { providerTransactionId: '12356789' }) }), ID)).toEqual({
      kind: 'completed',
      amountCentimes: 12_300,
      providerTransactionId: '12356789',
    });
  });

  it('FAILED with pawaPay\'s code', () => {
    expect(
      interpretDepositStatus(answer(200, { status: 'FOUND', data: deposit('FAILED', { failureReason: { failureCode: 'INSUFFICIENT_BALANCE', failureMessage: 'poor' } }) }), ID),
    ).toEqual({ kind: 'failed', code: 'INSUFFICIENT_BALANCE', message: 'poor' });
  });

  it.each(['ACCEPTED', 'PROCESSING', 'IN_RECONCILIATION', 'SOMETHING_NEW'])('%s is not final', (status) => {
    expect(interpretDepositStatus(answer(200, { status: 'FOUND', data: deposit(status) }), ID)).toEqual({ kind: 'in_progress', status });
  });

  it('NOT_FOUND only when pawaPay says so', () => {
    expect(interpretDepositStatus(answer(200, { status: 'NOT_FOUND' }), ID)).toEqual({ kind: 'not_found' });
    expect(interpretDepositStatus(answer(404, undefined), ID)).toMatchObject({ kind: 'unavailable' });
  });

  it('anything else is unavailable, never failed', () => {
    expect(interpretDepositStatus({ kind: 'no_answer', reason: 'network', message: 'ECONNREFUSED', durationMs: 1 }, ID)).toEqual({ kind: 'unavailable', message: 'ECONNREFUSED' });
    expect(interpretDepositStatus(answer(500, { failureReason: { failureCode: 'UNKNOWN_ERROR' } }), ID)).toEqual({ kind: 'unavailable', message: 'HTTP 500 UNKNOWN_ERROR' });
    expect(interpretDepositStatus(answer(200, { status: 'FOUND' }), ID)).toMatchObject({ kind: 'unavailable' });
    expect(interpretDepositStatus(answer(200, { status: 'FOUND', data: deposit('COMPLETED', { amount: '12.345' }) }), ID)).toMatchObject({ kind: 'unavailable' });
    expect(interpretDepositStatus(answer(200, { status: 'FOUND', data: { ...deposit('COMPLETED'), depositId: OTHER } }), ID)).toMatchObject({ kind: 'unavailable' });
  });

  it('reads refunds the same way', () => {
    const refund = { refundId: ID, status: 'COMPLETED', amount: '1500', currency: 'CDF', providerTransactionId: 'R1' };
    expect(interpretRefundStatus(answer(200, { status: 'FOUND', data: refund }), ID)).toEqual({ kind: 'completed', amountCentimes: 150_000, providerTransactionId: 'R1' });
    expect(interpretRefundStatus(answer(200, { status: 'NOT_FOUND' }), ID)).toEqual({ kind: 'not_found' });
    expect(interpretRefundStatus(answer(200, { status: 'FOUND', data: { ...refund, status: 'FAILED' } }), ID)).toMatchObject({ kind: 'failed', code: 'UNKNOWN' });
  });
});

describe('callback bodies', () => {
  it('parse pawaPay\'s deposit and refund callbacks', () => {
    const d = depositCallbackSchema.safeParse(deposit('COMPLETED', { providerTransactionId: 'x', metadata: { orderId: 'ORD-1' }, unknownNewField: 1 }));
    expect(d.success).toBe(true);
    const r = refundCallbackSchema.safeParse({
      refundId: ID,
      status: 'FAILED',
      amount: '15',
      currency: 'CDF',
      recipient: { type: 'MMO', accountDetails: { phoneNumber: '243812345990', provider: 'VODACOM_MPESA_COD' } },
      created: '2025-05-15T07:38:56Z',
      failureReason: { failureCode: 'UNSPECIFIED_FAILURE', failureMessage: 'no' },
    });
    expect(r.success).toBe(true);
  });

  it('refuse a body that names no valid id', () => {
    expect(depositCallbackSchema.safeParse({ ...deposit('COMPLETED'), depositId: 'not-a-uuid' }).success).toBe(false);
    expect(depositCallbackSchema.safeParse({ status: 'COMPLETED' }).success).toBe(false);
    expect(refundCallbackSchema.safeParse(deposit('COMPLETED')).success).toBe(false);
  });
});

describe('active configuration', () => {
  const providerEntry = (provider: string, operationTypes: unknown, currency = 'CDF') => ({ provider, currencies: [{ currency, operationTypes }] });

  it('reads operation types keyed by type, as the live API sends them', () => {
    const body = {
      countries: [
        {
          country: 'COD',
          providers: [
            providerEntry('VODACOM_MPESA_COD', { DEPOSIT: { minAmount: '100', maxAmount: '2500000', decimalsInAmount: 'TWO_PLACES', status: 'OPERATIONAL' } }),
            providerEntry('ORANGE_COD', { DEPOSIT: { minAmount: '500', maxAmount: '1500000.50', decimalsInAmount: 'NONE', status: 'DELAYED' } }),
          ],
        },
      ],
    };
    expect(rulesFromActiveConf(body)).toEqual({
      rules: [
        { provider: 'VODACOM_MPESA_COD', decimals: 2, minCentimes: 10_000, maxCentimes: 250_000_000 },
        // DELAYED deposits still go through, later: kept, and marked so the subscriber is told.
        { provider: 'ORANGE_COD', decimals: 0, minCentimes: 50_000, maxCentimes: 150_000_050, delayed: true },
      ],
      skipped: [],
    });
  });

  it('reads the list forms of pawaPay\'s reference too', () => {
    expect(operationConf([{ DEPOSIT: { minTransactionLimit: '1', maxTransactionLimit: '1000', decimalsInAmount: 'NONE' } }], 'DEPOSIT')).toMatchObject({ minTransactionLimit: '1' });
    expect(operationConf([{ operationType: 'PAYOUT', minTransactionLimit: '5' }, { operationType: 'DEPOSIT', minTransactionLimit: '2' }], 'DEPOSIT')).toMatchObject({ minTransactionLimit: '2' });
    const body = { countries: [{ country: 'COD', providers: [providerEntry('AIRTEL_COD', [{ DEPOSIT: { minTransactionLimit: '1', maxTransactionLimit: '1000', decimalsInAmount: 'NONE' } }])] }] };
    expect(rulesFromActiveConf(body)?.rules).toEqual([{ provider: 'AIRTEL_COD', decimals: 0, minCentimes: 100, maxCentimes: 100_000 }]);
  });

  it('keeps only our DRC providers\' CDF deposits, and leaves out closed or unreadable ones', () => {
    const body = {
      countries: [
        { country: 'ZMB', providers: [providerEntry('MTN_MOMO_ZMB', { DEPOSIT: { minAmount: '1', maxAmount: '10', decimalsInAmount: 'NONE' } })] },
        {
          country: 'COD',
          providers: [
            providerEntry('VODACOM_MPESA_COD', { DEPOSIT: { minAmount: '1', maxAmount: '10', decimalsInAmount: 'TWO_PLACES' } }, 'USD'),
            providerEntry('AIRTEL_COD', { DEPOSIT: { minAmount: '100', maxAmount: '1000', decimalsInAmount: 'TWO_PLACES', status: 'CLOSED' } }),
            providerEntry('ORANGE_COD', { DEPOSIT: { minAmount: 'lots', maxAmount: '1000', decimalsInAmount: 'NONE' } }),
            providerEntry('AFRICELL_COD', { DEPOSIT: { minAmount: '1', maxAmount: '10', decimalsInAmount: 'NONE' } }),
          ],
        },
      ],
    };
    const reading = rulesFromActiveConf(body);
    expect(reading?.rules).toEqual([]);
    expect(reading?.skipped.map((s) => s.provider)).toEqual(['VODACOM_MPESA_COD', 'AIRTEL_COD', 'ORANGE_COD']);
  });

  it('is undefined for a body that is not a configuration', () => {
    expect(rulesFromActiveConf({ companyName: 'x' })).toBeUndefined();
    expect(rulesFromActiveConf(undefined)).toBeUndefined();
  });
});
