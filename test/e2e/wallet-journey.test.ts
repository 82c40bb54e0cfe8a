import { testPglite } from '../support/db';
import { newSession, startProduct, type RunningProduct } from './product-kit';
import { walkSession } from './walk';

/**
 * The subscriber's journey when the money is collected from the wallet (the embedded default: the
 * sandbox wallet, pawaPay-compatible, over HTTP): the wallet is told by the number or asked for, its
 * limits bound the amount screen, the session ENDs asking for the PIN, and the receipt follows.
 */
let p: RunningProduct;
beforeAll(async () => {
  p = await startProduct({ LOG_LEVEL: 'error' }, { db: await testPglite() });
});
afterAll(async () => {
  await p.close();
  await p.product.parts.db.close();
});

const walk = (phone: string, inputs: string[]) => walkSession(p, phone, inputs);

const receiptFor = (phone: string) =>
  p.eventually(async () => {
    const sms = await p.product.parts.db.query<{ body: string }>(`SELECT body FROM sms_messages WHERE recipient = $1 AND status = 'sent'`, [phone]);
    return sms.rows[0]?.body;
  }, 'an SMS');

it('a Vodacom number: no wallet question; confirm ENDs asking for the PIN, then the receipt', async () => {
  const phone = '+243812340190';
  const screens = await walk(phone, ['1', '83262', '1', '2', '2', '100', '2']);
  expect(screens[4]).toContain('Solde exact: 17 865,57 CDF');
  expect(screens[5]).toContain('de 100 CDF à 17 865 CDF');
  expect(screens.at(-1)).toBe('END Approuvez le paiement de 100 CDF sur votre téléphone avec votre code PIN. Le recu suit par SMS.');
  expect(await receiptFor(phone)).toMatch(/payé 100 CDF .* quittance \S+SANDBOX-83262-/);
});

it("a number no wallet claims (Africell): the subscriber picks one, and its limits bound the amount", async () => {
  const phone = '+243902340190';
  const screens = await walk(phone, ['1', '83262', '1', '2']);
  expect(screens[4]).toMatch(/^CON Payer avec quel compte mobile\?\n1\. M-Pesa \(Vodacom\)\n2\. Airtel Money\n3\. Orange Money/);
  // Orange Money takes whole francs from 500 CDF: the balance of 17 865,57 cannot be paid exactly.
  const orange = await walk(phone, ['1', '83262', '1', '2', '3']);
  expect(orange[5]).not.toContain('Solde exact');
  // Visible options are numbered from 1: with the exact balance hidden, "other amount" is 1.
  expect(orange[5]).toMatch(/Montant à payer:\n1\. Autre montant\n0\.Retour/);
  const typed = await walk(phone, ['1', '83262', '1', '2', '3', '1', '100']);
  expect(typed.at(-1)).toContain('Montant trop petit: minimum 500 CDF.');
  const paid = await walk(phone, ['1', '83262', '1', '2', '3', '1', '600', '2']);
  // The sandbox's Orange Money raises no PIN prompt by itself: the END says how (its MANUAL prompt).
  expect(paid.at(-1)).toBe('END Pour approuver le paiement de 600 CDF, composez *144# (Orange Money) puis entrez votre PIN. Le recu suit par SMS.');
  const approve = await p.eventually(async () => {
    const sms = await p.product.parts.db.query<{ body: string }>(`SELECT body FROM sms_messages WHERE recipient = $1 AND body LIKE '%*144#%'`, [phone]);
    return sms.rows[0]?.body;
  }, 'the SMS saying how to approve');
  expect(approve).toBe('REGIDESO: pour payer 600 CDF (réf 83262) avec Orange Money, composez *144# puis entrez votre PIN.');
  await p.eventually(async () => {
    const sms = await p.product.parts.db.query<{ body: string }>(`SELECT body FROM sms_messages WHERE recipient = $1 AND body LIKE '%payé 600 CDF%'`, [phone]);
    return sms.rows[0]?.body;
  }, 'the receipt');
  const [record] = await p.product.parts.payments.recentByPhone(phone, 1);
  expect(record).toMatchObject({ provider: 'ORANGE_COD', status: 'succeeded' });
});

it('a wallet without the money (number ending 91): no PayFact, an SMS says why', async () => {
  const phone = '+243812340191';
  const before = p.product.parts.sandbox?.payments().length;
  const screens = await walk(phone, ['1', '83262', '1', '2', '2', '100', '2']);
  expect(screens.at(-1)).toMatch(/^END Approuvez/);
  expect(await receiptFor(phone)).toContain('solde insuffisant');
  expect(p.product.parts.sandbox?.payments().length).toBe(before);
});

describe('COLLECTION=none: the operator collects upstream', () => {
  let none: RunningProduct;
  beforeAll(async () => {
    none = await startProduct({ LOG_LEVEL: 'error', COLLECTION: 'none' }, { db: await testPglite() });
  });
  afterAll(async () => {
    await none.close();
    await none.product.parts.db.close();
  });

  it('no wallet question, no PIN: confirm goes straight to PayFact and shows the receipt number', async () => {
    const sessionId = newSession();
    const phone = '+243902340290';
    let last = '';
    for (const text of ['', '1', '1*83262', '1*83262*1', '1*83262*1*2', '1*83262*1*2*2', '1*83262*1*2*2*100', '1*83262*1*2*2*100*2']) {
      last = (await none.hop(sessionId, phone, text)).text;
    }
    expect(last).toMatch(/^END Paiement de 100 CDF réussi\.\nAcquit: \S+SANDBOX-83262-/);
    expect(none.product.parts.sandboxWallet).toBeUndefined();
  });
});
