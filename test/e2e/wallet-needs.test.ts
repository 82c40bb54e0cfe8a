import { testPglite } from '../support/db';
import { startProduct, type RunningProduct } from './product-kit';
import { walkSession } from './walk';

/**
 * The wallet says what it needs, through HTTP as the gateway posts, against the embedded sandbox
 * wallet (pawaPay's v2 API over HTTP on an ephemeral port). Before the first hop, as pawaPay's
 * operations team would: Airtel Money's deposits are CLOSED, Orange Money's DELAYED (and its PIN
 * prompt is MANUAL: the subscriber dials *144#). M-Pesa is as usual.
 */
let p: RunningProduct;
beforeAll(async () => {
  // The initiation wait is the hop's to spend: long here so a busy test machine still sees the wallet's answer on the END.
  p = await startProduct({ LOG_LEVEL: 'error' }, { db: await testPglite(), payments: { initiationWaitMs: 6000 } });
  const wallet = p.product.parts.sandboxWallet;
  if (wallet === undefined) throw new Error('the embedded sandbox wallet is not running');
  for (const [provider, deposits] of [['AIRTEL_COD', 'CLOSED'], ['ORANGE_COD', 'DELAYED']]) {
    const res = await fetch(`${wallet.baseUrl}/sandbox/providers/${provider}`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${wallet.apiToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ deposits }),
    });
    expect(res.status).toBe(200);
  }
});
afterAll(async () => {
  await p.close();
  await p.product.parts.db.close();
});

const walk = (phone: string, inputs: string[]) => walkSession(p, phone, inputs);

const smsTo = (phone: string, like: string) =>
  p.eventually(async () => {
    const sms = await p.product.parts.db.query<{ body: string }>(`SELECT body FROM sms_messages WHERE recipient = $1 AND body LIKE $2`, [phone, like]);
    return sms.rows[0]?.body;
  }, `an SMS like ${like}`);

const deposits = () => p.product.parts.sandboxWallet?.deposits() ?? [];

/**
 * The subscriber declines the PIN prompt: the payment fails and frees its account (one payment at
 * a time per account), so the next test can pay 83262 again.
 */
async function decline(phone: string): Promise<void> {
  const wallet = p.product.parts.sandboxWallet?.simulator;
  if (wallet === undefined) throw new Error('the embedded sandbox wallet is not running');
  const [prompt] = await p.eventually(async () => {
    const prompts = await wallet.prompts(phone);
    return prompts.length > 0 ? prompts : undefined;
  }, `the PIN prompt of ${phone}`);
  if (prompt === undefined) throw new Error('no prompt');
  expect(await wallet.answer(prompt.depositId, { decline: true })).toBe('declined');
  await p.eventually(async () => ((await p.product.parts.payments.recentByPhone(phone, 1))[0]?.status === 'failed' ? true : undefined), `the payment of ${phone} failed`);
}

it('a CLOSED wallet (Airtel Money) is said to be unavailable in the session; no deposit is started', async () => {
  const before = deposits().length;
  const screens = await walk('+243972340190', ['1', '83262', '1', '2']);
  expect(screens.at(-1)).toBe("END Airtel Money ne prend pas de paiement pour le moment. Rien n'a été prélevé. Réessayez plus tard.");
  expect(deposits()).toHaveLength(before);
});

it('a DELAYED wallet (Orange Money) is announced before the amount; its MANUAL prompt is told on the END and by SMS', async () => {
  const phone = '+243842340190';
  const screens = await walk(phone, ['1', '83262', '1', '2', '1', '1', '600', '2']);
  expect(screens[4]).toBe("CON Orange Money est lent en ce moment: votre paiement peut prendre plus de temps que d'habitude.\n1. Continuer\n0.Retour 00.Accueil");
  expect(screens[5]).toMatch(/Montant à payer:\n1\. Autre montant\n0\.Retour/);
  expect(screens.at(-1)).toBe('END Pour approuver le paiement de 600 CDF, composez *144# (Orange Money) puis entrez votre PIN. Le recu suit par SMS.');
  expect(await smsTo(phone, '%*144#%')).toBe('REGIDESO: pour payer 600 CDF (réf 83262) avec Orange Money, composez *144# puis entrez votre PIN.');
  await decline(phone);
  // In English too: the instructions speak the subscriber's language, never pawaPay's text as it is.
  const en = '+243852340190';
  await walk(en, ['4', '2']);
  const english = await walk(en, ['1', '83262', '1', '2', '1', '1', '600', '2']);
  expect(english.at(-1)).toBe('END To approve the payment of 600 CDF, dial *144# (Orange Money) and enter your PIN. The receipt follows by SMS.');
  expect(await smsTo(en, '%*144#%')).toBe('REGIDESO: to pay 600 CDF (ref 83262) with Orange Money, dial *144# and enter your PIN.');
  await decline(en);
});

it('a number with no wallet (ending 95, refused at initiation) is told so on the END, never "approve with your PIN"', async () => {
  const phone = '+243812340195';
  const screens = await walk(phone, ['1', '83262', '1', '2', '2', '100', '2']);
  expect(screens.at(-1)).toBe("END Ce numéro n'a pas de compte M-Pesa. Rien n'a été prélevé.");
  expect(screens.join('\n')).not.toContain('Approuvez');
  expect(deposits().filter((d) => d.phoneNumber === '243812340195')).toHaveLength(0);
  const [record] = await p.product.parts.payments.recentByPhone(phone, 1);
  expect(record).toMatchObject({ status: 'failed', depositStatus: 'REJECTED' });
});

it('41007 with M-Pesa: its 45,50 CDF bill is under the minimum, so the other bills and "pay all" are offered instead of an END', async () => {
  const phone = '+243812340290';
  const screens = await walk(phone, ['1', '41007', '4', '2']);
  expect(screens[3]).toMatch(/\nTotal à payer: 24 356,25 CDF\n1\. Tout payer\n2\. 06\/2024: 45,50 CDF\n3\. 07\/2024: 24 310,75 CDF/);
  expect(screens[4]).toBe('CON Cette facture ne passe pas avec M-Pesa: de 100 CDF à 2 500 000 CDF par paiement.\n1. Tout payer\n2. Autre facture\n0.Retour 00.Accueil');
  const all = await walk(phone, ['1', '41007', '4', '2', '1']);
  expect(all.at(-1)).toMatch(/^CON Facture\(s\) 06\/2024-07\/2024 \(2\)\. Montant à payer:\n1\. Solde exact: 24 356,25 CDF\n2\. Autre montant/);
  const other = await walk(phone, ['1', '41007', '4', '2', '2', '3']);
  expect(other[5]).toMatch(/\nTotal à payer: 24 356,25 CDF\n1\. Tout payer/);
  expect(other.at(-1)).toMatch(/^CON Facture\(s\) 07\/2024\. Montant à payer:\n1\. Solde exact: 24 310,75 CDF\n2\. Autre montant/);
});
