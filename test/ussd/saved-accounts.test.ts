import { newPhone, newSessionId, startWorld, type World } from './world';

/**
 * Saved accounts when the phone's list changes under an open session: the engine over real Redis
 * and the sandbox REGIDESO. A key answers what its screen showed; a list emptied elsewhere leaves
 * nothing to choose.
 */
let w: World;
beforeAll(async () => {
  w = await startWorld();
});
afterAll(async () => {
  await w.close();
});

const at = Date.now();
const MUKEBA = { ref: '83262', province: 'KIN', maskedName: 'MUKEBA M.', at } as const;
const KAHINDO = { ref: '41007', province: 'NK', maskedName: 'KAHINDO M.', at: at + 1 } as const;

function session(phone: string, engine = w.engine) {
  const sessionId = newSessionId();
  const inputs: string[] = [];
  return async (input?: string) => {
    if (input !== undefined) inputs.push(input);
    return engine.handle({ sessionId, phoneNumber: phone, serviceCode: '*123#', text: inputs.join('*') });
  };
}

test('a key answers the account its screen showed, though a payment put another first meanwhile', async () => {
  const phone = newPhone();
  await w.prefs.rememberPaidRef(phone, MUKEBA);
  const send = session(phone);
  expect(await send()).toContain('\n5. 83262 MUKEBA M.\n6. Mes comptes');
  await w.prefs.rememberPaidRef(phone, KAHINDO);
  expect(await send('5')).toMatch(/^CON MUKEBA MUKEBA\n/);
  // The list, opened now, is read again: the newer account first.
  expect(await send('0')).toContain('\n5. 83262 MUKEBA M.');
  expect(await send('6')).toContain('\n1. 41007 KAHINDO M.\n2. 83262 MUKEBA M.\n3. Retirer un compte');
});

test('an account removed from another session: "My accounts" finds none and the first screen drops it', async () => {
  const phone = newPhone();
  await w.prefs.rememberPaidRef(phone, MUKEBA);
  const first = session(phone);
  expect(await first()).toContain('\n5. 83262 MUKEBA M.');
  const other = session(phone);
  await other();
  await other('6');
  await other('2');
  expect(await other('1')).toMatch(/^END Le compte 83262 est retiré/);
  expect((await w.prefs.get(phone)).paidRefs).toEqual([]);

  expect(await first('6')).toBe("CON REGIDESO - Factures d'eau\n1. Payer une facture\n2. Consulter mes factures\n3. Vérifier un paiement\n4. Langue / Language");
  expect(await first('5')).toMatch(/^CON Choix invalide\.\n/);
});

test('removing in another province leaves the same reference paid elsewhere on the list', async () => {
  const phone = newPhone();
  await w.prefs.rememberPaidRef(phone, MUKEBA);
  await w.prefs.rememberPaidRef(phone, { ...MUKEBA, province: 'NK', maskedName: 'MUKEBA K.', at: at + 2 });
  const send = session(phone);
  await send();
  await send('6');
  expect(await send('3')).toContain('\n1. 83262 MUKEBA K.\n2. 83262 MUKEBA M.');
  await send('1');
  expect((await w.prefs.get(phone)).paidRefs.map((p) => `${p.ref} ${p.province}`)).toEqual(['83262 KIN']);
});

test('an engine that cannot change the phone\'s list says so, and the list stays', async () => {
  const phone = newPhone();
  await w.prefs.rememberPaidRef(phone, MUKEBA);
  const send = session(phone, w.makeEngine({ paidRefs: undefined }));
  await send();
  await send('6');
  await send('2');
  expect(await send('1')).toMatch(/^END Service momentanément indisponible/);
  expect((await w.prefs.get(phone)).paidRefs.map((p) => p.ref)).toEqual(['83262']);
});
