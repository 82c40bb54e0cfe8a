import { availabilityFrom } from '../../src/collections/pawapay/availability';
import { dialCodeFrom } from '../../src/collections/pawapay/pin-prompt';
import { rulesFromActiveConf } from '../../src/collections/pawapay/rules';
import { startSandboxWallet, type RunningSandboxWallet } from '../../src/collections/sandbox/server';
import { isGsm7 } from '../../src/gsm7';

/**
 * What a wallet needs from the subscriber, read from pawaPay's answers: how the PIN prompt is
 * raised (active configuration) and whether deposits go through now (availability). The sandbox
 * wallet over HTTP says both as pawaPay does, and its admin route closes or delays a provider.
 */
describe('the dial code in pawaPay\'s PIN-prompt instructions', () => {
  it('comes from the variables, whatever language or alphabet the texts are in', () => {
    const instructions = {
      channels: [
        {
          type: 'USSD',
          instructions: { fr: [{ text: 'Composez *150*50# et entrez votre PIN pour être débité', template: 'Composez {{shortCode}} …', variables: { shortCode: '*150*50#' } }] },
        },
      ],
    };
    expect(dialCodeFrom(instructions)).toBe('*150*50#');
  });

  it('comes from the quick link or the text when no variable holds it; a USSD channel first', () => {
    expect(dialCodeFrom({ channels: [{ type: 'APP', instructions: { en: [{ text: 'Open the app, dial *999#' }] } }, { type: 'USSD', quickLink: 'tel:*144%23' }] })).toBe('*144#');
    expect(dialCodeFrom({ channels: [{ type: 'USSD', instructions: { en: [{ text: 'Dial *1222# then choose 4' }] } }] })).toBe('*1222#');
  });

  it('is undefined when the instructions name none (or are not instructions at all)', () => {
    expect(dialCodeFrom({ channels: [{ type: 'APP', instructions: { en: [{ text: 'Open the app and approve' }] } }] })).toBeUndefined();
    expect(dialCodeFrom(undefined)).toBeUndefined();
    expect(dialCodeFrom('*#')).toBeUndefined();
  });

  it('reads MANUAL and revivable prompts from the active configuration; an automatic one carries nothing', () => {
    const conf = (deposit: Record<string, unknown>) => ({ countries: [{ country: 'COD', providers: [{ provider: 'AIRTEL_COD', currencies: [{ currency: 'CDF', operationTypes: { DEPOSIT: { minAmount: '100', maxAmount: '1000', decimalsInAmount: 'NONE', ...deposit } } }] }] }] });
    const manual = rulesFromActiveConf(conf({ pinPrompt: 'MANUAL', pinPromptRevivable: false, pinPromptInstructions: { channels: [{ type: 'USSD', quickLink: 'tel:*501%23' }] } }));
    expect(manual?.rules[0]?.pinPrompt).toEqual({ mode: 'manual', revivable: false, dialCode: '*501#' });
    const revive = rulesFromActiveConf(conf({ pinPrompt: 'AUTOMATIC', pinPromptRevivable: true, pinPromptInstructions: { channels: [{ type: 'USSD', variables: { code: '*501*3#' } }] } }));
    expect(revive?.rules[0]?.pinPrompt).toEqual({ mode: 'automatic', revivable: true, dialCode: '*501*3#' });
    expect(rulesFromActiveConf(conf({ pinPrompt: 'AUTOMATIC', pinPromptRevivable: false }))?.rules[0]?.pinPrompt).toBeUndefined();
  });
});

describe('availability', () => {
  it('reads the deposit status of our DRC providers, keyed or listed', () => {
    const body = [
      { country: 'COD', providers: [{ provider: 'AIRTEL_COD', operationTypes: { DEPOSIT: 'CLOSED', PAYOUT: 'OPERATIONAL' } }, { provider: 'ORANGE_COD', operationTypes: [{ operationType: 'DEPOSIT', status: 'DELAYED' }] }, { provider: 'MTN_MOMO_ZMB', operationTypes: { DEPOSIT: 'CLOSED' } }] },
      { country: 'ZMB', providers: [{ provider: 'VODACOM_MPESA_COD', operationTypes: { DEPOSIT: 'CLOSED' } }] },
    ];
    expect(Object.fromEntries(availabilityFrom(body) ?? [])).toEqual({ AIRTEL_COD: 'CLOSED', ORANGE_COD: 'DELAYED' });
    expect(availabilityFrom({ not: 'a list' })).toBeUndefined();
  });
});

describe('the sandbox wallet says it as pawaPay does', () => {
  let wallet: RunningSandboxWallet;
  beforeEach(async () => {
    wallet = await startSandboxWallet({ approveDelayMs: 30 });
  });
  afterEach(() => wallet.close());

  const call = async (method: string, path: string, body?: unknown, token: string | null = wallet.apiToken) => {
    const res = await fetch(`${wallet.baseUrl}${path}`, {
      method,
      headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), 'content-type': 'application/json' },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    return { status: res.status, body: (await res.json()) as unknown };
  };

  it('Orange Money\'s prompt is MANUAL, with instructions in English and French; their dial code reads *144#', async () => {
    const { body } = await call('GET', '/v2/active-conf?country=COD&operationType=DEPOSIT');
    const orange = rulesFromActiveConf(body)?.rules.find((r) => r.provider === 'ORANGE_COD');
    expect(orange?.pinPrompt).toEqual({ mode: 'manual', revivable: true, dialCode: '*144#' });
    // pawaPay's texts may hold what GSM-7 cannot carry: the product keeps only the code.
    expect(isGsm7(JSON.stringify(body))).toBe(false);
  });

  it('a provider closed or delayed over the admin route shows in active-conf and availability; a closed one rejects deposits', async () => {
    expect((await call('PUT', '/sandbox/providers/AIRTEL_COD', { deposits: 'CLOSED' })).status).toBe(200);
    expect((await call('PUT', '/sandbox/providers/ORANGE_COD', { deposits: 'DELAYED' })).status).toBe(200);
    const availability = availabilityFrom((await call('GET', '/v2/availability?country=COD&operationType=DEPOSIT')).body);
    expect(Object.fromEntries(availability ?? [])).toEqual({ VODACOM_MPESA_COD: 'OPERATIONAL', AIRTEL_COD: 'CLOSED', ORANGE_COD: 'DELAYED' });
    const conf = rulesFromActiveConf((await call('GET', '/v2/active-conf?country=COD&operationType=DEPOSIT')).body);
    expect(conf?.skipped).toEqual([{ provider: 'AIRTEL_COD', why: 'deposits CLOSED' }]);
    expect(conf?.rules.find((r) => r.provider === 'ORANGE_COD')?.delayed).toBe(true);
    const deposit = await call('POST', '/v2/deposits', {
      depositId: '7b4f4e0c-3f0e-4a57-9a55-8f1e2a8c0d11',
      amount: '100',
      currency: 'CDF',
      payer: { type: 'MMO', accountDetails: { phoneNumber: '243972345990', provider: 'AIRTEL_COD' } },
    });
    expect(deposit.body).toMatchObject({ status: 'REJECTED', failureReason: { failureCode: 'PROVIDER_TEMPORARILY_UNAVAILABLE' } });
    expect(wallet.deposits()).toHaveLength(0);
    expect((await call('PUT', '/sandbox/providers/AIRTEL_COD', { deposits: 'OPERATIONAL' })).status).toBe(200);
    expect(rulesFromActiveConf((await call('GET', '/v2/active-conf')).body)?.skipped).toEqual([]);
  });

  it('the admin route takes the API token, a known provider and a known status', async () => {
    expect((await call('PUT', '/sandbox/providers/AIRTEL_COD', { deposits: 'CLOSED' }, null)).status).toBe(401);
    expect((await call('PUT', '/sandbox/providers/AIRTEL_COD', { deposits: 'CLOSED' }, 'wrong')).status).toBe(403);
    expect((await call('PUT', '/sandbox/providers/MTN_MOMO_ZMB', { deposits: 'CLOSED' })).status).toBe(404);
    expect((await call('PUT', '/sandbox/providers/AIRTEL_COD', { deposits: 'SHUT' })).status).toBe(400);
    expect(Object.fromEntries(availabilityFrom((await call('GET', '/v2/availability')).body) ?? []).AIRTEL_COD).toBe('OPERATIONAL');
  });
});
