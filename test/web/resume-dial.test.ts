import { openPage, phone, productAndBrowser, shows } from './kit';

// The browser phone dialling a reference with the code, dropping the payment, and dialling back.
jest.setTimeout(60_000);

const w = productAndBrowser();

test('*123*83262# opens that account; hung up on the confirmation, the SMS tells the dial string, which offers it back', async () => {
  const { page, errors } = await openPage(w.context, `${w.server.url}/`);
  const p = phone(page);
  await p.root.getByLabel('Service code', { exact: true }).fill('*123*83262#');
  await p.dial();
  await shows(p.screen, 'Choisissez votre province');
  // The gateway's shape: the service code alone, the reference as the first hop's text.
  await shows(p.timeline, 'text="83262" → CON');
  for (const [reply, screen] of [
    ['1', 'MUKEBA M.'],
    ['2', 'Solde exact'],
    ['2', 'Montant en francs entiers'],
    ['100', 'Payer 100 CDF'],
  ] as const) {
    await p.send(reply);
    await shows(p.screen, screen);
  }
  // Hung up on the confirmation: the gateway says "Incomplete", the product keeps the payment.
  await p.cancel();
  await shows(p.timeline, 'ussd/events Incomplete → HTTP 200');
  await shows(p.inbox, 'composez *123*83262# dans les 30 min');
  await p.dial();
  await shows(p.screen, 'Paiement non terminé');
  await shows(p.screen, 'MUKEBA M.');
  await p.send('1');
  await shows(p.screen, 'Payer 100 CDF');
  expect(errors).toEqual([]);
});
