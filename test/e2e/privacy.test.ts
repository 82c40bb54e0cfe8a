import request from 'supertest';
import { z } from 'zod';
import { startSandbox, type RunningSandbox } from '../../src/regideso/sandbox/server';
import { newPhone, newSession, PAY_100_ON_108776771, REDIS_ENV, startProduct, type RunningProduct } from './product-kit';

/**
 * Names are private, tried as the gateway posts (USSD hops, inbound SMS) on the whole product: a
 * phone that never paid a reference sees its holder's name masked (`MUKEBA MUKEBA` → `MUKEBA M.`),
 * the phone that paid it sees it whole; a phone looks up LOOKUPS_PER_PHONE_DAY (10) distinct
 * references a day; a receipt checked from another phone shows no name and a masked reference.
 * Twice: as deployed (real Redis, PostgreSQL, an external REGIDESO) and on the embedded default
 * (in-memory Redis, PGlite, the in-process sandbox REGIDESO). COLLECTION=none: confirm pays at once.
 */

const outboxSchema = z.array(z.object({ to: z.string(), message: z.string() }));
const TIMINGS = { payments: { timings: { settleMs: 200, lockWaitMs: 50, regidesoRetryMs: 50 }, retry: { backoffMs: 100 } } };
// PGlite compiles its WebAssembly at each start: seconds, more on a busy machine.
const START_MS = 60_000;

describe.each(['deployed', 'embedded'] as const)('%s', (kind) => {
  let sandbox: RunningSandbox | undefined;
  let p: RunningProduct;
  beforeAll(async () => {
    if (kind === 'deployed') {
      sandbox = await startSandbox();
      p = await startProduct({ ...REDIS_ENV, REGIDESO_BASE_URL: sandbox.baseUrl, REGIDESO_API_KEY: sandbox.apiKey, COLLECTION: 'none' }, TIMINGS);
    } else {
      p = await startProduct({ COLLECTION: 'none' }, TIMINGS);
    }
  }, START_MS);
  afterAll(async () => {
    await p.close();
    await sandbox?.close();
  });

  /** One USSD session whose first hop carries every input (`*123*2*83262*1#`). */
  const dial = async (phone: string, text: string) => (await p.hop(newSession(), phone, text).expect(200)).text;

  /**
   * A receipt checked by USSD, one input a hop: a first hop carrying `3*<number>*1` would take
   * `<number>*1` for the number (a keypad types a receipt's dashes as `*`).
   */
  async function verify(phone: string, numAcquit: string): Promise<string> {
    const session = newSession();
    let last = '';
    for (const text of ['', '3', `3*${numAcquit}`, `3*${numAcquit}*1`]) last = (await p.hop(session, phone, text).expect(200)).text;
    return last;
  }

  /** Texts a keyword from `phone` and waits for the reply in the outbox. */
  async function sms(phone: string, text: string): Promise<string> {
    const inbox = async () => outboxSchema.parse((await request(p.product.app).get('/outbox').query({ to: phone })).body);
    const before = (await inbox()).length;
    await request(p.product.app).post('/sms/inbound').type('form').send({ from: phone, to: '12345', text, date: '2026-12-01 10:00:00', id: `ATXid_${newSession()}`, networkCode: '63902' }).expect(200);
    const list = await p.eventually(async () => {
      const l = await inbox();
      return l.length > before ? l : undefined;
    }, 'the reply');
    return list[0]?.message ?? '';
  }

  async function metric(series: string): Promise<number> {
    const text = (await request(p.product.app).get('/metrics').expect(200)).text;
    const line = text.split('\n').find((l) => l.startsWith(`${series} `));
    return line === undefined ? 0 : Number(line.slice(series.length + 1));
  }

  test('a stranger sees MUKEBA M. by USSD and by SMS; once its phone has paid, the payer sees MUKEBA MUKEBA; a receipt checked from another phone shows no name', async () => {
    const stranger = newPhone();
    const consult = await dial(stranger, '2*83262*1');
    expect(consult).toMatch(/^CON MUKEBA M\.\nTotal à payer: /);
    expect(consult).not.toContain('MUKEBA MUKEBA');
    expect(await sms(stranger, 'FACTURE 83262')).toMatch(/^REGIDESO 83262 \(KIN\) MUKEBA M\.: \d+ factures impayées, total /);

    const payer = newPhone();
    const session = newSession();
    let last = '';
    for (const text of PAY_100_ON_108776771) last = (await p.hop(session, payer, text).expect(200)).text;
    // The confirmation screen before it showed the name masked too: this phone had never paid 83262.
    expect(last).toMatch(/^END Paiement de 100 CDF réussi/);
    const numAcquit = /Acquit: (\S+)/.exec(last)?.[1] ?? '';
    expect(numAcquit).toContain('-83262-');

    // The payment job keeps the reference for the phone once the money landed (not within the hop).
    const whole = await p.eventually(async () => {
      const screen = await dial(payer, '2*83262*1');
      return screen.startsWith('CON MUKEBA MUKEBA\n') ? screen : undefined;
    }, 'the payer to see the name whole');
    expect(whole).toContain('Total à payer: ');
    expect(await sms(payer, 'FACTURE 83262 KIN')).toContain('(KIN) MUKEBA MUKEBA:');
    // The receipt checked by the payer: the name and the reference whole.
    expect(await verify(payer, numAcquit)).toContain('Abonné: MUKEBA MUKEBA (83262)');
    expect(await sms(payer, `RECU ${numAcquit}`)).toContain('Client 83262 MUKEBA MUKEBA.');

    // The same receipt number from another phone: the status and the amount, no name, the reference masked.
    const checked = await verify(stranger, numAcquit);
    expect(checked).toMatch(/^END Acquit .*: paiement réussi\.\n100 CDF le /);
    expect(checked).toContain('Référence client: 83***2');
    expect(checked).not.toMatch(/MUKEBA|Abonné/);
    const recu = await sms(stranger, `RECU ${numAcquit}`);
    expect(recu).toContain(': succès. Montant 100 CDF');
    expect(recu).toContain('Client 83***2.');
    expect(recu).not.toContain('MUKEBA');
    // And still masked for the stranger's own lookups.
    expect(await dial(stranger, '2*83262*1')).toMatch(/^CON MUKEBA M\.\n/);
  });

  test('ten distinct references a day pass, found or not; the eleventh is refused by USSD and by SMS; unknown ones are counted in /metrics', async () => {
    const phone = newPhone();
    const notFound = 'reference_lookups_total{channel="ussd",outcome="not_found"}';
    const limited = 'reference_lookups_total{channel="ussd",outcome="limited"}';
    const [notFoundBefore, limitedBefore] = [await metric(notFound), await metric(limited)];
    // Consult: reference, then the province's key (1 Kinshasa, 2 Kongo Central, 3 Katanga, 4 Nord-Kivu).
    for (const path of ['83262*1', '41007*4', '70315*2', '91844*1', '62190*1', '55120*3']) {
      expect(await dial(phone, `2*${path}`)).toMatch(/^(CON [A-Z-]+ [A-Z]\.|END Aucune facture impayée)/);
    }
    for (const ref of ['99990', '99991', '99992', '99993']) expect(await dial(phone, `2*${ref}*1`)).toContain('introuvable');
    expect(await metric(notFound)).toBe(notFoundBefore + 4);

    const refused = await dial(phone, '2*99994*1');
    expect(refused).toBe(
      "END Limite atteinte: 10 références consultées aujourd'hui depuis ce numéro. Réessayez demain. Les références déjà payées depuis ce numéro restent ouvertes.",
    );
    expect(await dial(phone, '1*30001*1')).toMatch(/^END Limite atteinte/);
    expect(await metric(limited)).toBe(limitedBefore + 2);
    // The count is the phone's, on both channels.
    expect(await sms(phone, 'FACTURE 30002')).toMatch(/^REGIDESO: ce numéro a consulté 10 références aujourd'hui/);
    expect(await metric('reference_lookups_total{channel="sms",outcome="limited"}')).toBeGreaterThanOrEqual(1);
    // A reference already looked up today is no new one.
    expect(await dial(phone, '2*83262*1')).toMatch(/^CON MUKEBA M\.\n/);
    // Another phone is not held back by this one.
    expect(await dial(newPhone(), '2*99994*1')).toContain('introuvable');
  });

  test('one hop carrying two new references (a long dial string) at nine counted: the tenth passes, the eleventh is refused', async () => {
    const phone = newPhone();
    for (const ref of ['99980', '99981', '99982', '99983', '99984', '99985', '99986', '99987', '99988']) expect(await dial(phone, `2*${ref}*1`)).toContain('introuvable');
    // 70315 (the tenth) is shown, then home (00) and 91844: the first hop's count of nine is stale by then.
    expect(await dial(phone, '2*70315*2*00*2*91844*1')).toMatch(/^END Limite atteinte/);
    expect(await dial(phone, '2*70315*2')).toMatch(/^CON [A-Z-]+ [A-Z]\./);
    expect(await dial(phone, '2*91844*1')).toMatch(/^END Limite atteinte/);
  });
});
