import { randomInt } from 'node:crypto';
import request from 'supertest';
import { formatCdf } from '../../src/money';
import { resumeDueKey } from '../../src/sessions/keys';
import { connectTestRedis } from '../support/redis';
import { sandboxClient } from '../support/regideso';
import { until } from '../support/wait';
import { newSession, REDIS_ENV, startProduct, type RunningProduct } from './product-kit';

/**
 * Payments the network drops, through HTTP as the gateway posts: hops, end-of-session notices, and
 * the SMS in the outbox. The product as composed for a deployment on real Redis (its own key
 * prefix) and PostgreSQL (its own schema), with the sandbox REGIDESO and the sandbox wallet over
 * HTTP. A short session TTL, so a session that no notice ends expires within the test.
 */
const TTL_S = 30;
let p: RunningProduct;
const redis = connectTestRedis();
beforeAll(async () => {
  p = await startProduct({ ...REDIS_ENV, LOG_LEVEL: 'error', USSD_SESSION_TTL_S: String(TTL_S) });
});
afterAll(async () => {
  await p.close();
  await redis.quit();
});

/** A Vodacom number the sandbox wallet approves (ending 90), of this test's own. */
const newPhone = () => `+24381${String(randomInt(0, 100_000)).padStart(5, '0')}90`;

/** One session: each hop sends every input so far, as Africa's Talking does. */
function dialer(phone: string, sessionId = newSession()) {
  const inputs: string[] = [];
  return {
    sessionId,
    async send(input?: string): Promise<string> {
      if (input !== undefined) inputs.push(input);
      const res = await p.hop(sessionId, phone, inputs.join('*'));
      expect(res.status).toBe(200);
      return res.text;
    },
    /** The first hop of a dial string with more after the code: `*123*83262#` gives text `83262`. */
    async dial(text: string): Promise<string> {
      inputs.push(...(text === '' ? [] : text.split('*')));
      const res = await p.hop(sessionId, phone, text);
      expect(res.status).toBe(200);
      return res.text;
    },
    notice(status: string) {
      return request(p.product.app)
        .post('/ussd/events')
        .type('form')
        .send({ sessionId, status, phoneNumber: phone, serviceCode: '*123#', networkCode: '63001', durationInMillis: '30000', hopsCount: '8', input: inputs.join('*') });
    },
  };
}

/** Dials and walks pay → 83262 → Kinshasa → bill 03/2024 → other amount → 100 CDF: the confirmation. */
async function toConfirm(phone: string): Promise<{ d: ReturnType<typeof dialer>; confirm: string }> {
  const d = dialer(phone);
  await d.send();
  let confirm = '';
  for (const input of ['1', '83262', '1', '2', '2', '100']) confirm = await d.send(input);
  expect(confirm).toMatch(/^CON Payer 100 CDF\nFacture\(s\): 03\/2024\nAbonné: MUKEBA M./);
  return { d, confirm };
}

const outbox = async (phone: string): Promise<string[]> => {
  const res = await request(p.product.app).get('/outbox').query({ to: phone });
  return (res.body as Array<{ message: string }>).map((m) => m.message);
};
/** Resume SMS recorded for the phone (written before the notice is answered). */
const resumeSms = async (phone: string): Promise<string[]> =>
  (await p.product.parts.db.query<{ body: string }>(`SELECT body FROM sms_messages WHERE recipient = $1 AND id LIKE 'resume-%'`, [phone])).rows.map((r) => r.body);
const inDueSet = async (sessionId: string) => (await redis.zscore(resumeDueKey(p.prefix), sessionId)) !== null;

test('dropped on the confirmation (notice Incomplete): one SMS with the dial string; the redial offers it back, continuing reaches the same confirmation, confirming pays once', async () => {
  const phone = newPhone();
  const { d, confirm } = await toConfirm(phone);
  expect((await d.notice('Incomplete')).status).toBe(200);
  // A repeated notice (the gateway retries) sends nothing more.
  expect((await d.notice('Incomplete')).status).toBe(200);
  const sms = await until(async () => (await outbox(phone)).find((m) => m.includes('*123*83262#')), { what: 'the resume SMS' });
  expect(sms).toBe('REGIDESO: paiement de 100 CDF (réf 83262) interrompu. Pour le finir, composez *123*83262# dans les 30 min.');
  expect(await resumeSms(phone)).toHaveLength(1);
  expect(await inDueSet(d.sessionId)).toBe(false);

  // The plain code offers it: reference, masked name, amount.
  const again = dialer(phone);
  const offer = await again.send();
  expect(offer).toBe('CON Paiement non terminé:\nRéf 83262 MUKEBA M.\nMontant: 100 CDF\n1. Continuer ce paiement\n2. Recommencer\n0.Retour 00.Accueil');
  expect(await again.send('1')).toBe(confirm);
  const paidBefore = p.product.parts.sandbox?.payments().length ?? 0;
  expect(await again.send('2')).toMatch(/^END Approuvez le paiement de 100 CDF/);
  await until(async () => (p.product.parts.sandbox?.payments().length ?? 0) > paidBefore, { what: 'PayFact' });
  const records = await p.product.parts.payments.recentByPhone(phone, 5);
  expect(records).toHaveLength(1);
  await until(async () => (await p.product.parts.payments.recentByPhone(phone, 1))[0]?.status === 'succeeded', { what: 'the payment to settle' });
  expect(p.product.parts.sandbox?.payments().length).toBe(paidBefore + 1);

  // Paid: the next dial has nothing to offer, and a late notice of the paying session sends nothing.
  expect((await again.notice('Incomplete')).status).toBe(200);
  expect(await dialer(phone).send()).toMatch(/^CON REGIDESO - Factures d'eau\n1\. Payer une facture/);
  expect(await resumeSms(phone)).toHaveLength(1);
});

test('the dial string itself offers the kept payment; at most one SMS per phone however often it drops', async () => {
  const phone = newPhone();
  const { d } = await toConfirm(phone);
  await d.notice('Failed');
  expect(await resumeSms(phone)).toHaveLength(1);
  const second = dialer(phone);
  expect(await second.dial('83262')).toContain('Réf 83262 MUKEBA M.');
  expect(await second.send('1')).toMatch(/^CON Payer 100 CDF/);
  await second.notice('Incomplete');
  // Kept again (the next dial still offers it), but no second SMS within 30 minutes.
  expect(await resumeSms(phone)).toHaveLength(1);
  expect(await dialer(phone).send()).toContain('Paiement non terminé');
});

test('a bill paid meanwhile is dropped from the payment and the amount follows the new balance', async () => {
  const phone = newPhone();
  const client = sandboxClient({ baseUrl: p.product.regidesoBaseUrl, apiKey: 'sandbox-key' });
  const before = await client.getBills('62190', 'KIN');
  if (before.kind !== 'ok') throw new Error(`GetFact: ${before.kind}`);
  const unpaid = before.bills.filter((b) => b.balanceCentimes > 0).sort((a, b) => a.issuedOn.localeCompare(b.issuedOn));
  const total = unpaid.reduce((s, b) => s + b.balanceCentimes, 0);
  const d = dialer(phone);
  await d.send();
  for (const input of ['1', '62190', '1', '1']) await d.send(input);
  // Every bill, the exact balance.
  expect(await d.send('1')).toContain(`Payer ${formatCdf(total)}\nFacture(s): 11/2023-07/2024 (9)`);
  await d.notice('Incomplete');
  expect(await resumeSms(phone)).toEqual([expect.stringContaining(`paiement de ${formatCdf(total)} (réf 62190)`)]);

  // The oldest bill is paid elsewhere meanwhile.
  const oldest = unpaid[0];
  if (oldest === undefined) throw new Error('no unpaid bill');
  const paid = await client.payBills({ refClient: '62190', province: 'KIN', billIds: [oldest.faeId], amountCentimes: oldest.balanceCentimes, paidAt: new Date() });
  expect(paid.kind).toBe('paid');

  const again = dialer(phone);
  expect(await again.send()).toContain(`Réf 62190 MBUYI K.\nMontant: ${formatCdf(total)}`);
  const confirm = await again.send('1');
  expect(confirm).toMatch(new RegExp(`^CON Payer ${formatCdf(total - oldest.balanceCentimes)}\nFacture\\(s\\): 12/2023-07/2024 \\(8\\)\nAbonné: MBUYI K.`));

  // Dropped again, and everything is paid elsewhere before the subscriber comes back: said so.
  await again.notice('Incomplete');
  const rest = unpaid.slice(1);
  const all = await client.payBills({ refClient: '62190', province: 'KIN', billIds: rest.map((b) => b.faeId), amountCentimes: rest.reduce((t, b) => t + b.balanceCentimes, 0), paidAt: new Date() });
  expect(all.kind).toBe('paid');
  const last = dialer(phone);
  expect(await last.send()).toContain('Réf 62190 MBUYI K.');
  expect(await last.send('1')).toBe('END Plus rien à payer pour la référence 62190: les factures ont été payées entre-temps. Merci!');
  expect(await resumeSms(phone)).toHaveLength(1);
});

test('no SMS when the subscriber cancelled, nor for a session that never reached the bills; "start again" forgets the kept payment', async () => {
  const phone = newPhone();
  const { d } = await toConfirm(phone);
  expect(await d.send('3')).toBe('END Paiement annulé. Merci.');
  expect(await inDueSet(d.sessionId)).toBe(false);
  await d.notice('Incomplete');
  const early = dialer(phone);
  await early.send();
  await early.send('1');
  await early.send('83262');
  await early.notice('Incomplete');
  expect(await resumeSms(phone)).toEqual([]);
  expect(await dialer(phone).send()).toMatch(/^CON REGIDESO - Factures d'eau/);

  const other = newPhone();
  const dropped = await toConfirm(other);
  await dropped.d.notice('Incomplete');
  const offered = dialer(other);
  await offered.send();
  expect(await offered.send('2')).toMatch(/^CON REGIDESO - Factures d'eau/);
  expect(await dialer(other).send()).toMatch(/^CON REGIDESO - Factures d'eau/);
});

test('*123*83262# opens the payment of 83262: the province, or its bills once the phone has found it there', async () => {
  const phone = newPhone();
  const first = dialer(phone);
  expect(await first.dial('83262')).toMatch(/^CON Choisissez votre province:\n1\. Kinshasa/);
  expect(await first.send('1')).toMatch(/^CON MUKEBA M.\nTotal à payer: /);
  // Known now: straight to the bills, and inputs dialled after the reference go on from there.
  expect(await dialer(phone).dial('83262')).toMatch(/^CON MUKEBA M.\nTotal à payer: /);
  expect(await dialer(phone).dial('83262*2')).toMatch(/^CON Facture\(s\) 03\/2024\. Montant à payer:/);
  // A gateway that leaves the dialled string in `text`.
  expect(await dialer(phone).dial('*123*83262#')).toMatch(/^CON MUKEBA M.\n/);
  // A menu key keeps its meaning.
  expect(await dialer(phone).dial('2')).toMatch(/^CON Entrez votre référence client:/);
});

test('sessions that no notice ends: dropped past the bills, an SMS after expiry; none when the phone paid since', async () => {
  const silent = newPhone();
  const payer = newPhone();
  const a = await toConfirm(silent);
  const b = await toConfirm(payer);
  expect(await inDueSet(a.d.sessionId)).toBe(true);
  // The second phone pays in a new session before the first one expires.
  const paying = dialer(payer);
  await paying.send();
  for (const input of ['1', '83262', '1', '2', '2', '100']) await paying.send(input);
  expect(await paying.send('2')).toMatch(/^END Approuvez/);

  const sms = await until(async () => (await outbox(silent)).find((m) => m.includes('*123*83262#')), { what: 'the resume SMS after expiry' });
  expect(sms).toContain('paiement de 100 CDF (réf 83262) interrompu');
  await until(async () => !(await inDueSet(b.d.sessionId)), { what: "the payer's dropped session to be scanned" });
  const kept = await until(async () => {
    const metrics = await request(p.product.app).get('/metrics');
    return /ussd_payments_kept_total\{signal="expiry",result="paid"\} 1/.test(metrics.text) || undefined;
  }, { what: 'the scan to pass the paid phone over' });
  expect(kept).toBe(true);
  expect(await resumeSms(payer)).toEqual([]);
  expect(await resumeSms(silent)).toHaveLength(1);
  // The console's funnel counts both as sessions that expired on the confirmation (no notice came).
  const day = new Date(Date.now() + 3_600_000).toISOString().slice(0, 10);
  const funnel = await request(p.product.app).get('/console/api/funnel').query({ day }).expect(200);
  const confirm = (funnel.body as { screens: Array<{ screen: string; ended: Record<string, number> }> }).screens.find((x) => x.screen === 'pay_confirm');
  expect(confirm?.ended.expired).toBeGreaterThanOrEqual(2);
}, (TTL_S + 30) * 1000);
