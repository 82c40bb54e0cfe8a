import { startSandbox, type RunningSandbox } from '../../src/regideso/sandbox/server';
import { createSubscriberPrefs } from '../../src/sessions/subscriber-prefs';
import { connectTestRedis } from '../support/redis';
import { newPhone, newSession, REDIS_ENV, startProduct, type RunningProduct } from './product-kit';

/**
 * Saved accounts, as the gateway posts hops, on the product composed for a deployment (real Redis
 * under its own key prefix, PostgreSQL in its own schema, the sandbox REGIDESO over HTTP;
 * COLLECTION=none: a confirmation pays at once). A phone's accounts are the references it has
 * paid, kept by the payment when the money lands: nothing here writes them but a payment.
 */
const TIMINGS = { payments: { timings: { settleMs: 200, lockWaitMs: 50, regidesoRetryMs: 50 }, retry: { backoffMs: 100 } } };
const MAIN = "CON REGIDESO - Factures d'eau\n1. Payer une facture\n2. Consulter mes factures\n3. Vérifier un paiement\n4. Langue / Language";

let sandbox: RunningSandbox;
let p: RunningProduct;
const redis = connectTestRedis();
beforeAll(async () => {
  sandbox = await startSandbox();
  p = await startProduct({ ...REDIS_ENV, LOG_LEVEL: 'error', REGIDESO_BASE_URL: sandbox.baseUrl, REGIDESO_API_KEY: sandbox.apiKey, COLLECTION: 'none' }, TIMINGS);
}, 60_000);
afterAll(async () => {
  await p.close();
  await sandbox.close();
  await redis.quit();
});

/** One session: each hop sends every input so far, as Africa's Talking does. */
function dialer(phone: string) {
  const sessionId = newSession();
  const inputs: string[] = [];
  return async (input?: string): Promise<string> => {
    if (input !== undefined) inputs.push(input);
    const res = await p.hop(sessionId, phone, inputs.join('*')).expect(200);
    return res.text;
  };
}

/** The first screen of a new session of this phone. */
const firstScreen = async (phone: string) => dialer(phone)();

/**
 * Pays 100 CDF on a reference's bills ("pay all", other amount) through the menu: the first hop
 * carries every input up to the confirmation, the second confirms. Then waits until the payment
 * has kept the reference for the phone (once the money landed, not within the hop), read from
 * Redis as the hop reads it: polling by hops would run into the phone's hop rate limit.
 */
async function pay(phone: string, ref: string, provinceKey: string): Promise<void> {
  const session = newSession();
  expect((await p.hop(session, phone, `1*${ref}*${provinceKey}*1*2*100`).expect(200)).text).toMatch(/^CON Payer 100 CDF\n/);
  expect((await p.hop(session, phone, `1*${ref}*${provinceKey}*1*2*100*2`).expect(200)).text).toMatch(/^END Paiement de 100 CDF réussi/);
  const prefs = createSubscriberPrefs(redis, { prefix: p.prefix, ttlSeconds: 60 });
  await p.eventually(async () => ((await prefs.get(phone)).paidRefs[0]?.ref === ref ? true : undefined), `${ref} kept for the phone`);
}

test('a phone that paid 83262 sees it on its first screen and reaches its bills in one key, its holder named whole; a phone that never paid sees no saved account', async () => {
  const payer = newPhone();
  const stranger = newPhone();
  expect(await firstScreen(payer)).toBe(MAIN);
  await pay(payer, '83262', '1');

  const send = dialer(payer);
  expect(await send()).toBe(`${MAIN}\n5. 83262 MUKEBA M.\n6. Mes comptes`);
  // One key: no reference, no province typed; the name whole, since this phone paid it.
  const bills = await send('5');
  expect(bills).toMatch(/^CON MUKEBA MUKEBA\nTotal à payer: [\d ]+,\d\d CDF\n1\. Tout payer\n2\. 03\/2024: /);
  // And from there, paying goes on as usual.
  expect(await send('2')).toMatch(/^CON Facture\(s\) 03\/2024\. Montant à payer:/);

  // Another phone sees none of it: the menu as ever, and 5 is no key there.
  expect(await firstScreen(stranger)).toBe(MAIN);
  const other = dialer(stranger);
  await other();
  expect(await other('5')).toBe(`CON Choix invalide.\n${MAIN.slice('CON '.length)}`);
  // Typed by the stranger, 83262's holder shows masked.
  expect(await dialer(stranger)('2*83262*1')).toMatch(/^CON MUKEBA M\.\n/);
});

test('the three most recent accounts are listed, one key each; one removed leaves the first screen and the older one takes its place', async () => {
  const phone = newPhone();
  // Oldest first; each waits for the one before it to be kept, so the order is the payments'.
  await pay(phone, '83262', '1');
  await pay(phone, '41007', '4');
  await pay(phone, '70315', '2');
  await pay(phone, '62190', '1');

  const send = dialer(phone);
  expect(await send()).toBe(`${MAIN}\n5. 62190 MBUYI K.\n6. Mes comptes`);
  expect(await send('6')).toBe(
    'CON Comptes payés depuis ce numéro:\n1. 62190 MBUYI K.\n2. 70315 NZUZI M.\n3. 41007 KAHINDO M.\n4. Retirer un compte\n0.Retour 00.Accueil',
  );
  // Nord-Kivu's account in one key from the list: its own province, the name whole.
  expect(await send('3')).toMatch(/^CON KAHINDO MASIKA\nTotal à payer: /);
  expect(await send('0')).toMatch(/^CON Comptes payés depuis ce numéro:\n/);
  expect(await send('4')).toBe('CON Retirer quel compte de la liste?\n1. 62190 MBUYI K.\n2. 70315 NZUZI M.\n3. 41007 KAHINDO M.\n0.Retour 00.Accueil');
  expect(await send('1')).toMatch(/^END Le compte 62190 est retiré de la liste de ce numéro\./);

  const again = dialer(phone);
  expect(await again()).toBe(`${MAIN}\n5. 70315 NZUZI M.\n6. Mes comptes`);
  expect(await again('6')).toBe(
    'CON Comptes payés depuis ce numéro:\n1. 70315 NZUZI M.\n2. 41007 KAHINDO M.\n3. 83262 MUKEBA M.\n4. Retirer un compte\n0.Retour 00.Accueil',
  );
  // The phone is a stranger to 62190 now: typed, its holder shows masked.
  expect(await dialer(phone)('1*62190*1')).toMatch(/^CON MBUYI K\.\n/);
});
