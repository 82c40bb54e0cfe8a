import { newIntent, type Intent } from '../../src/payments/intent';
import type { PaymentRequest } from '../../src/payments/types';

/**
 * An intent as a confirm of one bill of 83262 (Kinshasa) makes it, for tests of what reads an
 * intent without a ledger: the request's amount, wallet and bill balance as given, then `patch`
 * over the intent (a status, the ids a later step set).
 */
export function testIntent(
  req: Pick<PaymentRequest, 'sessionId' | 'amountCentimes' | 'provider'> & { balanceCentimes: number },
  opts: { id: string; collection: 'wallet' | 'none' },
  patch: Partial<Intent> = {},
): Intent {
  const base = newIntent(
    {
      sessionId: req.sessionId,
      sessionNonce: 'n',
      phoneNumber: '+243812345990',
      language: 'fr',
      refClient: '83262',
      province: 'KIN',
      subscriberName: 'MUKEBA',
      bills: [{ faeId: '108776771', billNumber: '1', issuedOn: '2024-03-31', balanceCentimes: req.balanceCentimes }],
      amountCentimes: req.amountCentimes,
      provider: req.provider,
    },
    opts.id,
    { operator: 'FINCA', collection: opts.collection, at: new Date() },
  );
  return { ...base, ...patch };
}
