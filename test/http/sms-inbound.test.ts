import express from 'express';
import request from 'supertest';
import { gsm7Length, isGsm7, SMS_TWO_SEGMENTS } from '../../src/gsm7';
import { silentLogger } from '../../src/logging/logger';
import { createMetrics, type Metrics } from '../../src/metrics';
import { formatCdf } from '../../src/money';
import type { PaymentRecord } from '../../src/payments/types';
import { startSandbox, type RunningSandbox } from '../../src/regideso/sandbox/server';
import type { RegidesoClient } from '../../src/regideso/types';
import { createSmsRouter, type SmsRouter } from '../../src/http/sms-router';
import { createSmsSender } from '../../src/sms/sender';
import { createOutboxTransport, type OutboxTransport } from '../../src/sms/outbox';
import { memoryRecords, metricValue, record, testRedis } from './sms-kit';
import { sandboxClient } from '../support/regideso';

/**
 * POST /sms/inbound end to end: Africa's Talking's form fields in, the sandbox REGIDESO over HTTP,
 * real Redis, the reply read back from the outbox transport.
 */

const PAYER = '+243810000001';
const OTHER = '+243990000002';
const NOBODY = '+243970000003';

let sandbox: RunningSandbox;
let regideso: RegidesoClient;
const store = testRedis();
let outbox: OutboxTransport;
let metrics: Metrics;
let router: SmsRouter;
let app: express.Express;
let numAcquitNk: string;
const records: PaymentRecord[] = [];
let seq = 0;

function inbound(from: string, text: string, id = `ATXid_${++seq}`) {
  return { from, to: '12345', text, date: '2025-01-29 10:42:58', id, linkId: `link-${seq}`, networkCode: '63902' };
}

/** Posts one SMS, waits for the reply to be sent, returns the replies that number has now. */
async function sms(from: string, text: string): Promise<string> {
  const before = (await outbox.list(from)).length;
  await request(app).post('/sms/inbound').type('form').send(inbound(from, text)).expect(200);
  await router.drain();
  const after = await outbox.list(from);
  expect(after).toHaveLength(before + 1);
  const reply = after[after.length - 1]?.message ?? '';
  expect(isGsm7(reply)).toBe(true);
  expect(gsm7Length(reply)).toBeLessThanOrEqual(SMS_TWO_SEGMENTS);
  return reply;
}

function build(rateLimit?: { limit: number; windowSeconds: number }) {
  metrics = createMetrics({ defaults: false });
  const sender = createSmsSender({ transport: outbox, redis: store.redis, prefix: store.prefix, logger: silentLogger(), metrics, ttlSeconds: 3600 });
  router = createSmsRouter({
    regideso,
    records: memoryRecords(records),
    sender,
    redis: store.redis,
    prefix: store.prefix,
    logger: silentLogger(),
    metrics,
    rateLimit: rateLimit ?? { limit: 1000, windowSeconds: 60 },
  });
  app = express();
  app.use(express.urlencoded({ extended: false, limit: '16kb' }));
  app.use(express.json({ limit: '16kb' }));
  app.use(router);
}

beforeAll(async () => {
  sandbox = await startSandbox();
  regideso = sandboxClient(sandbox);
  const paid = await regideso.payBills({ refClient: '41007', province: 'NK', billIds: ['306112409'], amountCentimes: 500_000, paidAt: new Date() });
  if (paid.kind !== 'paid') throw new Error(`sandbox payment failed: ${paid.kind}`);
  numAcquitNk = paid.numAcquit;
  records.push(
    record({ phoneNumber: PAYER, refClient: '41007', province: 'NK', numAcquit: numAcquitNk, amountCentimes: 500_000, createdAt: '2025-01-29T09:00:00.000Z' }),
    record({ phoneNumber: PAYER, numAcquit: 'OLDEST-1', createdAt: '2024-12-01T09:00:00.000Z' }),
    record({ phoneNumber: PAYER, numAcquit: 'MIDDLE-2', amountCentimes: 250_050, createdAt: '2025-01-10T09:00:00.000Z' }),
    record({ phoneNumber: PAYER, numAcquit: undefined, status: 'pending', amountCentimes: 77_700, createdAt: '2025-01-28T09:00:00.000Z' }),
  );
  outbox = createOutboxTransport(store.redis, { prefix: store.prefix });
  build();
});

afterAll(async () => {
  await router.drain();
  await sandbox.close();
  await store.cleanup();
});

describe('FACTURE / BILL', () => {
  it('FACTURE <ref> <province> answers in French: unpaid count, total, oldest bill', async () => {
    const bills = await regideso.getBills('70315', 'KC');
    if (bills.kind !== 'ok') throw new Error(bills.kind);
    const total = bills.bills.reduce((s, b) => s + b.balanceCentimes, 0);
    const reply = await sms(OTHER, 'FACTURE 70315 KC');
    expect(reply).toContain('14 factures impayées');
    expect(reply).toContain(`total ${formatCdf(total)}`);
    expect(reply).toContain('Plus ancienne: 30/06/2023');
    expect(reply).toContain('NZUZI MAKIADI');
  });

  it('BILL answers in English, with the province given by name', async () => {
    const reply = await sms(OTHER, 'bill 70315 Kongo Central');
    expect(reply).toContain('14 unpaid bills');
    expect(reply).toContain('Oldest: 2023-06-30');
  });

  it('defaults to Kinshasa and counts only bills with a balance', async () => {
    const reply = await sms(OTHER, 'Facture 83262');
    // Seven bills, two fully paid, one partly: five unpaid, the oldest unpaid from March 2024.
    expect(reply).toContain('5 factures impayées');
    expect(reply).toContain('Plus ancienne: 31/03/2024, 17 865,57 CDF');
    expect(reply).toContain('MUKEBA MUKEBA');
  });

  it('an unknown reference is said plainly, in the keyword language', async () => {
    expect(await sms(OTHER, 'FACTURE 99999')).toContain('référence client 99999 introuvable en KIN');
    expect(await sms(OTHER, 'BILL 99999 NK')).toContain('customer reference 99999 not found in NK');
  });

  it('a reference not found in the province typed suggests the others, not that same one', async () => {
    const fr = await sms(OTHER, 'FACTURE 99999 KC');
    expect(fr).toContain('introuvable en KC. Autre province? FACTURE 99999 <province> (KIN KAT NK SK MB KAN)');
    expect(fr).not.toContain('FACTURE 99999 KC');
    const en = await sms(OTHER, 'BILL 99999');
    expect(en).toContain('not found in KIN. Other province? BILL 99999 <province> (KC KAT NK SK MB KAN)');
  });

  it.each(['FACTURE83262', 'Facture. 83262', 'FACTURE: 83262 KIN.'])('%s: glued or punctuated, still the bills', async (text) => {
    expect(await sms(OTHER, text)).toContain('5 factures impayées');
  });

  it('an unknown province is named back with the list of codes', async () => {
    expect(await sms(OTHER, 'FACTURE 83262 Mars')).toContain('province "Mars" inconnue');
  });

  it('REGIDESO down: a clear "try later", not silence', async () => {
    sandbox.faults.getFact.push({ kind: 'error500' }, { kind: 'error500' });
    expect(await sms(OTHER, 'BILL 83262')).toContain('temporarily unavailable');
  });
});

describe('RECU / RECEIPT', () => {
  it('REÇU <num> <province> from the payer: status, amount, date and the name', async () => {
    const reply = await sms(PAYER, `REÇU ${numAcquitNk} NK`);
    expect(reply).toContain(`REÇU ${numAcquitNk}: succès`);
    expect(reply).toContain('Montant 5 000 CDF');
    expect(reply).toContain('KAHINDO MASIKA');
  });

  it('RECEIPT in English; the province comes from our record when not typed', async () => {
    const reply = await sms(PAYER, `receipt ${numAcquitNk}`);
    expect(reply).toContain(`RECEIPT ${numAcquitNk}: success`);
    expect(reply).toContain('Amount 5 000 CDF');
    expect(reply).toContain('KAHINDO MASIKA');
  });

  it('another phone holding the number sees the name masked, and only it gets a reply', async () => {
    const payerBefore = (await outbox.list(PAYER)).length;
    const reply = await sms(OTHER, `Recu ${numAcquitNk} NK`);
    expect(reply).toContain('succès');
    expect(reply).not.toContain('KAHINDO');
    expect(reply).toContain('K****** M*****');
    expect(await outbox.list(PAYER)).toHaveLength(payerBefore);
  });

  it('an unknown receipt gets a clear "not found"', async () => {
    expect(await sms(OTHER, 'RECU 01-01-25X-1-abcde')).toContain('aucun paiement trouvé pour le REÇU 01-01-25X-1-abcde');
    expect(await sms(OTHER, 'RECEIPT 01-01-25X-1-abcde')).toContain('no payment found for RECEIPT 01-01-25X-1-abcde');
  });

  it.each([
    ['Reçu. <num> NK', (n: string) => `Reçu. ${n} NK`],
    ['RECU<num> NK', (n: string) => `RECU${n} NK`],
    ['RECU <num in lower case> NK', (n: string) => `RECU ${n.toLowerCase()} NK`],
    ['recu <NUM IN UPPER CASE>', (n: string) => `recu ${n.toUpperCase()}`],
  ])('%s: punctuated, glued, or in the wrong case, the receipt is found', async (_name, text) => {
    const reply = await sms(PAYER, text(numAcquitNk));
    expect(reply).toContain(`REÇU ${numAcquitNk}: succès`);
    // Found in our records under its canonical number: the payer sees the name.
    expect(reply).toContain('KAHINDO MASIKA');
  });

  it('a receipt typed in lower case, known to our records, costs REGIDESO a single lookup in the right province', async () => {
    const before = sandbox.calls.verify;
    const reply = await sms(PAYER, `RECU ${numAcquitNk.toLowerCase()}`);
    expect(reply).toContain(`REÇU ${numAcquitNk}: succès`);
    expect(sandbox.calls.verify - before).toBe(1);
  });

  it('a receipt in the wrong case that only REGIDESO knows is found on the second lookup, the name masked', async () => {
    const bills = await regideso.getBills('70315', 'KC');
    if (bills.kind !== 'ok') throw new Error(bills.kind);
    const billId = bills.bills.find((b) => b.balanceCentimes > 10_000)?.faeId ?? '';
    const paid = await regideso.payBills({ refClient: '70315', province: 'KC', billIds: [billId], amountCentimes: 10_000, paidAt: new Date() });
    if (paid.kind !== 'paid') throw new Error(paid.kind);
    const before = sandbox.calls.verify;
    const reply = await sms(OTHER, `RECU ${paid.numAcquit.toLowerCase()} KC`);
    expect(reply).toContain(`REÇU ${paid.numAcquit}: succès`);
    expect(reply).toContain('N**** M******');
    expect(reply).not.toContain('NZUZI');
    expect(sandbox.calls.verify - before).toBe(2);
  });

  it('a receipt not found in the province given does not ask to add the province', async () => {
    const fr = await sms(OTHER, 'RECU NOPE-1 KC');
    expect(fr).toContain('aucun paiement trouvé pour le REÇU NOPE-1 en KC');
    expect(fr).not.toContain('ajoutez la province');
    const en = await sms(OTHER, 'RECEIPT NOPE-1 KC');
    expect(en).not.toContain('add the province');
    expect(await sms(OTHER, 'RECU NOPE-1')).toContain('ajoutez la province: RECU NOPE-1 <province> (KC KAT NK SK MB KAN)');
  });

  it('an unknown province after RECU shows a receipt-shaped example', async () => {
    const reply = await sms(OTHER, 'RECU 29-01-25FINCA-83262-0dfe8 Mars');
    expect(reply).toContain('province "Mars" inconnue');
    expect(reply).toContain('Exemple: RECU 29-01-25FINCA-83262-0dfe8 KIN');
    expect(reply).not.toContain('RECU 83262');
  });

  it('RECU alone lists the last three payments from this phone, newest first', async () => {
    const reply = await sms(PAYER, 'RECU');
    const lines = reply.split('\n');
    expect(lines[0]).toBe('REGIDESO, vos 3 derniers paiements:');
    // Kivu is UTC+2: the record's 09:00 UTC is 11:00 there.
    expect(lines[1]).toBe(`1) ${numAcquitNk} 5 000 CDF 29/01/2025 11:00 succès`);
    expect(lines[2]).toBe('2) client 83262 777 CDF 28/01/2025 10:00 en cours');
    expect(lines[3]).toBe('3) MIDDLE-2 2 500,50 CDF 10/01/2025 10:00 succès');
    expect(reply).not.toContain('OLDEST-1');
  });

  it('RECU alone with a single payment says so in the singular', async () => {
    const single = '+243810000077';
    records.push(record({ phoneNumber: single, numAcquit: 'ONLY-1', createdAt: '2025-01-05T09:00:00.000Z' }));
    expect((await sms(single, 'RECU')).split('\n')[0]).toBe('REGIDESO, votre dernier paiement:');
    expect((await sms(single, 'RECEIPT')).split('\n')[0]).toBe('REGIDESO, your last payment:');
  });

  it('RECEIPT alone from a phone without payments says so, in English', async () => {
    expect(await sms(NOBODY, 'RECEIPT')).toContain('no recent payment from this number');
  });
});

describe('AIDE / HELP and the rest', () => {
  it.each([
    ['AIDE', 'FACTURE'],
    ['aide', 'FACTURE'],
    ['HELP', 'BILL'],
    ['Bonjour je veux payer', 'FACTURE'],
  ])('%s gets the usage naming each keyword', async (text, keyword) => {
    const reply = await sms(OTHER, text);
    expect(reply).toContain(keyword);
    expect(reply).toContain(keyword === 'BILL' ? 'RECEIPT' : 'RECU');
  });

  it('FACTURE without a reference explains how to use it', async () => {
    expect(await sms(OTHER, 'FACTURE')).toContain('envoyez FACTURE <référence client>');
  });
});

describe('delivery of one inbound message several times', () => {
  it('the same id posted three times is answered once', async () => {
    const before = (await outbox.list(NOBODY)).length;
    const msg = inbound(NOBODY, 'AIDE', 'ATXid_triple');
    for (let i = 0; i < 3; i++) await request(app).post('/sms/inbound').type('form').send(msg).expect(200);
    await router.drain();
    expect(await outbox.list(NOBODY)).toHaveLength(before + 1);
    const text = await metrics.registry.metrics();
    expect(metricValue(text, 'sms_inbound_total', { command: 'duplicate', outcome: 'ignored' })).toBe(2);
  });
});

describe('malformed payloads', () => {
  it.each([
    ['no from', { text: 'AIDE', id: 'x1' }, 'from'],
    ['a from that is not a phone', { from: 'attacker@example.com', text: 'AIDE', id: 'x2' }, 'from'],
    ['no id', { from: PAYER, text: 'AIDE' }, 'id'],
    ['no text', { from: PAYER, id: 'x3' }, 'text'],
  ])('%s: 400 with a JSON error naming the field, and no SMS', async (_name, body, field) => {
    const before = (await outbox.list(PAYER)).length;
    const res = await request(app).post('/sms/inbound').type('form').send(body).expect(400);
    expect(res.type).toBe('application/json');
    expect(res.body.error).toBe('invalid_payload');
    expect(res.body.issues.map((i: { field: string }) => i.field)).toContain(field);
    await router.drain();
    expect(await outbox.list(PAYER)).toHaveLength(before);
  });

  it('a JSON body of the wrong shape and an empty body get 400, and the route still serves', async () => {
    await request(app).post('/sms/inbound').send({ from: 12, text: ['x'], id: {} }).expect(400);
    await request(app).post('/sms/inbound').expect(400);
    expect(await sms(NOBODY, 'HELP')).toContain('BILL');
  });
});

describe('rate limit per phone number', () => {
  it('a flood from one number gets 200 without replies past the limit, while another number is served', async () => {
    build({ limit: 3, windowSeconds: 600 });
    const flooder = '+243811111111';
    for (let i = 0; i < 6; i++) {
      await request(app).post('/sms/inbound').type('form').send(inbound(flooder, 'AIDE')).expect(200);
    }
    await router.drain();
    expect(await outbox.list(flooder)).toHaveLength(3);
    expect(await sms('+243822222222', 'AIDE')).toContain('RECU');
    const text = await metrics.registry.metrics();
    expect(metricValue(text, 'rate_limited_total', { limit: 'sms_inbound' })).toBe(3);
  });
});
