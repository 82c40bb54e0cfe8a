import express from 'express';
import request from 'supertest';
import { gsm7Length, isGsm7, SMS_TWO_SEGMENTS } from '../../src/gsm7';
import { createSmsRouter } from '../../src/http/sms-router';
import { formatCdf } from '../../src/money';
import type { PaymentRecord } from '../../src/payments/types';
import { startSandbox, type RunningSandbox } from '../../src/regideso/sandbox/server';
import type { RegidesoClient } from '../../src/regideso/types';
import { replyIdOf, type InboundAnswerer } from '../../src/sms/inbound';
import { sandboxClient } from '../support/regideso';
import { memoryRecords, messagesTo, metricNow, record, rowsTo, smsRow, smsStack, until, type SmsStack } from './sms-kit';

/**
 * POST /sms/inbound end to end: Africa's Talking's form fields in, the message recorded in
 * PostgreSQL by its gateway id, answered by a durable job (BullMQ on real Redis) that asks the
 * sandbox REGIDESO over HTTP, the reply sent through the durable SMS queue and read back from the
 * outbox transport.
 */

const PAYER = '+243810000001';
const OTHER = '+243990000002';
const NOBODY = '+243970000003';

let sandbox: RunningSandbox;
let regideso: RegidesoClient;
let stack: SmsStack;
let answerer: InboundAnswerer;
let app: express.Express;
let numAcquitNk: string;
const records: PaymentRecord[] = [];
let seq = 0;

function inbound(from: string, text: string, id = `ATXid_${++seq}_${Date.now()}`) {
  return { from, to: '12345', text, date: '2025-01-29 10:42:58', id, linkId: `link-${seq}`, networkCode: '63902' };
}

function appOver(inboundAnswerer: InboundAnswerer, s: SmsStack, rateLimit = { limit: 1000, windowSeconds: 60 }): express.Express {
  const a = express();
  a.use(express.urlencoded({ extended: false, limit: '16kb' }));
  a.use(express.json({ limit: '16kb' }));
  a.use(createSmsRouter({ inbound: inboundAnswerer, redis: s.redis, prefix: s.prefix, logger: s.logger, metrics: s.metrics, rateLimit }));
  return a;
}

/** Posts one SMS, waits for its reply to reach the outbox, returns it (GSM-7, two segments at most). */
async function sms(from: string, text: string): Promise<string> {
  const before = (await stack.outbox.list(from)).length;
  const msg = inbound(from, text);
  await request(app).post('/sms/inbound').type('form').send(msg).expect(200);
  const after = await messagesTo(stack.outbox, from, before + 1);
  // The outbox shows a message a moment before the queue marks it sent: wait for both.
  await smsRow(stack.smsStore, replyIdOf(msg.id), (m) => m.status === 'sent');
  expect(after).toHaveLength(before + 1);
  const reply = after[0]?.message ?? '';
  expect(isGsm7(reply)).toBe(true);
  expect(gsm7Length(reply)).toBeLessThanOrEqual(SMS_TWO_SEGMENTS);
  return reply;
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
    record({ phoneNumber: PAYER, numAcquit: null, status: 'pending', amountCentimes: 77_700, createdAt: '2025-01-28T09:00:00.000Z' }),
  );
  stack = await smsStack('smsin');
  answerer = await stack.answerer({ regideso, records: memoryRecords(records) });
  app = appOver(answerer, stack);
});

afterAll(async () => {
  await stack.cleanup();
  await sandbox.close();
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
    // This phone never paid 70315: the holder's name is masked.
    expect(reply).toContain('(KC) NZUZI M.:');
    expect(reply).not.toContain('MAKIADI');
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
    expect(reply).toContain('(KIN) MUKEBA M.:');
  });

  it('the phone that paid the reference sees the name whole: from the ledger, with no entry in Redis', async () => {
    // Our records hold the payer's payment of 41007 in Nord-Kivu; Redis knows nothing of it.
    expect((await stack.prefs.get(PAYER)).paidRefs).toEqual([]);
    expect(await sms(PAYER, 'FACTURE 41007 NK')).toContain('(NK) KAHINDO MASIKA:');
    // A reference it never paid: masked.
    expect(await sms(PAYER, 'FACTURE 70315 KC')).toContain('(KC) NZUZI M.:');
  });

  it('the phone that paid the reference sees the name whole: from its preferences in Redis', async () => {
    const phone = '+243810000077';
    await stack.prefs.rememberPaidRef(phone, { ref: '83262', province: 'KIN', maskedName: 'MUKEBA M.', at: Date.now() });
    expect(await sms(phone, 'FACTURE 83262 KIN')).toContain('(KIN) MUKEBA MUKEBA:');
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

describe('LOOKUPS_PER_PHONE_DAY (10 here): distinct references one phone may look up a day', () => {
  it('ten distinct references pass, found or not; the eleventh gets a sentence, not the data; those already counted still pass', async () => {
    const phone = '+243810000088';
    const notFound = { channel: 'sms', outcome: 'not_found' };
    const limited = { channel: 'sms', outcome: 'limited' };
    const [notFoundBefore, limitedBefore] = [await metricNow(stack.metrics, 'reference_lookups_total', notFound), await metricNow(stack.metrics, 'reference_lookups_total', limited)];
    const found = ['83262', '41007 NK', '55120 KAT', '70315 KC', '91844', '62190'];
    const unknown = ['99990', '99991', '99992', '99993'];
    for (const ref of found) expect(await sms(phone, `FACTURE ${ref}`)).toMatch(/^REGIDESO \d+ \(\w+\) /);
    for (const ref of unknown) expect(await sms(phone, `FACTURE ${ref}`)).toContain('introuvable');
    expect(await metricNow(stack.metrics, 'reference_lookups_total', notFound)).toBe(notFoundBefore + unknown.length);

    const refused = await sms(phone, 'FACTURE 99994');
    expect(refused).toBe(
      "REGIDESO: ce numéro a consulté 10 références aujourd'hui, le maximum par jour. Réessayez demain. Les références déjà payées depuis ce numéro restent consultables.",
    );
    expect(await sms(phone, 'BILL 30001 KC')).toContain('this number has looked up 10 references today');
    expect(await metricNow(stack.metrics, 'reference_lookups_total', limited)).toBe(limitedBefore + 2);
    // The eleventh, refused, was not looked up: not counted as unknown.
    expect(await metricNow(stack.metrics, 'reference_lookups_total', notFound)).toBe(notFoundBefore + unknown.length);
    // A reference counted today is not a new one.
    expect(await sms(phone, 'FACTURE 83262')).toContain('5 factures impayées');
    // Nor is one this phone has paid.
    await stack.prefs.rememberPaidRef(phone, { ref: '62190', province: 'KAT', maskedName: 'X.', at: Date.now() });
    expect(await sms(phone, 'FACTURE 62190 KAT')).toContain('introuvable en KAT');
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

  it('another phone holding the number sees the status and amount, no name and the reference masked; only it gets a reply', async () => {
    const payerBefore = await rowsTo(stack.db, PAYER);
    const reply = await sms(OTHER, `Recu ${numAcquitNk} NK`);
    expect(reply).toContain('succès');
    expect(reply).toContain('Montant 5 000 CDF');
    expect(reply).toContain('Client 41***7.');
    expect(reply).not.toMatch(/KAHINDO|K\. M|Client 41007/);
    // Nothing was queued for the payer: the reply goes to the sender only.
    expect(await rowsTo(stack.db, PAYER)).toEqual(payerBefore);
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

  it('a receipt in the wrong case that only REGIDESO knows is found on the second lookup, with no name', async () => {
    const bills = await regideso.getBills('70315', 'KC');
    if (bills.kind !== 'ok') throw new Error(bills.kind);
    const billId = bills.bills.find((b) => b.balanceCentimes > 10_000)?.faeId ?? '';
    const paid = await regideso.payBills({ refClient: '70315', province: 'KC', billIds: [billId], amountCentimes: 10_000, paidAt: new Date() });
    if (paid.kind !== 'paid') throw new Error(paid.kind);
    const before = sandbox.calls.verify;
    const reply = await sms(OTHER, `RECU ${paid.numAcquit.toLowerCase()} KC`);
    expect(reply).toContain(`REÇU ${paid.numAcquit}: succès`);
    expect(reply).toContain('Client 70***5.');
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
  it('the same id posted three times is recorded once and answered once', async () => {
    const phone = '+243970000031';
    const duplicates = await metricNow(stack.metrics, 'sms_inbound_total', { command: 'duplicate', outcome: 'ignored' });
    const msg = inbound(phone, 'AIDE', 'ATXid_triple');
    for (let i = 0; i < 3; i++) await request(app).post('/sms/inbound').type('form').send(msg).expect(200);
    const replies = await messagesTo(stack.outbox, phone, 1);
    expect(replies[0]?.message).toContain('FACTURE');
    await smsRow(stack.smsStore, replyIdOf('ATXid_triple'), (m) => m.status === 'sent');
    // One reply, sent: nothing is left queued that could become a second one.
    expect(await rowsTo(stack.db, phone)).toEqual([expect.objectContaining({ id: replyIdOf('ATXid_triple'), kind: 'reply', status: 'sent', attempts: 1 })]);
    expect(await metricNow(stack.metrics, 'sms_inbound_total', { command: 'duplicate', outcome: 'ignored' })).toBe(duplicates + 2);
  });

  it('the gateway posting the same id again after the reply went (a lost 200) gets 200 and no second reply', async () => {
    const phone = '+243970000032';
    const msg = inbound(phone, 'HELP', 'ATXid_after_reply');
    await request(app).post('/sms/inbound').type('form').send(msg).expect(200);
    await messagesTo(stack.outbox, phone, 1);
    await smsRow(stack.smsStore, replyIdOf(msg.id), (m) => m.status === 'sent');
    await request(app).post('/sms/inbound').type('form').send(msg).expect(200);
    expect(await rowsTo(stack.db, phone)).toEqual([expect.objectContaining({ status: 'sent', attempts: 1 })]);
    expect(await stack.outbox.list(phone)).toHaveLength(1);
  });
});

describe('a reply is a promise too', () => {
  it('the gateway failing (retry) on the reply: kept, tried again with a pause, sent once the gateway is back (item 14)', async () => {
    const phone = '+243970000041';
    const id = 'ATXid_gateway_down';
    const failures = await metricNow(stack.metrics, 'sms_send_failures_total', { reason: 'gateway' });
    stack.gateway.down = 'gateway';
    try {
      await request(app).post('/sms/inbound').type('form').send(inbound(phone, 'AIDE', id)).expect(200);
      // Tried and failed twice: still queued, the failure ours and remembered.
      const failing = await smsRow(stack.smsStore, replyIdOf(id), (m) => m.attempts >= 2);
      expect(failing).toMatchObject({ status: 'queued', kind: 'reply', recipient: phone });
      expect(failing.last_error).toMatch(/^gateway: /);
      expect(failing.failing_since).not.toBeNull();
      expect(await stack.outbox.list(phone)).toHaveLength(0);
    } finally {
      stack.gateway.down = undefined;
    }
    const replies = await messagesTo(stack.outbox, phone, 1);
    expect(replies[0]?.message).toContain('FACTURE');
    const sent = await smsRow(stack.smsStore, replyIdOf(id), (m) => m.status === 'sent');
    expect(sent.failing_since).toBeNull();
    expect(await stack.outbox.list(phone)).toHaveLength(1);
    expect(await metricNow(stack.metrics, 'sms_send_failures_total', { reason: 'gateway' })).toBeGreaterThanOrEqual(failures + 2);
  });

  it('recorded, then the process died before it queued the answer: the sweep finds it in the ledger and it is answered once', async () => {
    const phone = '+243970000042';
    const id = 'ATXid_crash_before_queue';
    // What POST /sms/inbound had done when the process died: the row, no job.
    expect(await stack.smsStore.receive({ id, sender: phone, body: 'BILL 83262' }, new Date(Date.now() - 60_000))).toBe(true);
    expect(await stack.smsStore.load(replyIdOf(id))).toBeUndefined();
    const sweeper = stack.sweeper();
    try {
      expect((await sweeper.sweep())['sms-inbound']).toBeGreaterThanOrEqual(1);
      const replies = await messagesTo(stack.outbox, phone, 1);
      expect(replies[0]?.message).toContain('5 unpaid bills');
      expect((await stack.smsStore.loadInbound(id))?.answered_at).not.toBeNull();
      await smsRow(stack.smsStore, replyIdOf(id), (m) => m.status === 'sent');
      // Answered: the next pass has nothing for it, and the reply is not sent again.
      await sweeper.sweep();
      expect(await stack.smsStore.unanswered(new Date(), 100)).not.toContain(id);
      expect(await rowsTo(stack.db, phone)).toEqual([expect.objectContaining({ kind: 'reply', status: 'sent', attempts: 1 })]);
    } finally {
      await sweeper.close();
    }
  });

  it('accepted (200), then the process stopped before its worker ran: the next process answers it from the queue, once', async () => {
    const phone = '+243970000043';
    const id = 'ATXid_crash_before_answer';
    const queuePrefix = `${stack.prefix}crash:`;
    const dying = await stack.answerer({ regideso, records: memoryRecords(records), start: false, prefix: queuePrefix });
    await request(appOver(dying, stack)).post('/sms/inbound').type('form').send(inbound(phone, 'AIDE', id)).expect(200);
    await dying.close();
    expect((await stack.smsStore.loadInbound(id))?.answered_at).toBeNull();
    expect(await stack.smsStore.load(replyIdOf(id))).toBeUndefined();

    await stack.answerer({ regideso, records: memoryRecords(records), prefix: queuePrefix });
    const replies = await messagesTo(stack.outbox, phone, 1);
    expect(replies[0]?.message).toContain('FACTURE');
    await smsRow(stack.smsStore, replyIdOf(id), (m) => m.status === 'sent');
    expect(await rowsTo(stack.db, phone)).toHaveLength(1);
  });
});

describe('PostgreSQL unreachable when the SMS arrives', () => {
  let down: SmsStack;
  let downApp: express.Express;
  beforeAll(async () => {
    down = await smsStack('smsindown', { ledgerProxy: true });
    downApp = appOver(await down.answerer({ regideso, records: memoryRecords(records) }), down);
  });
  afterAll(async () => {
    await down.cleanup();
  });

  it('503, so the gateway posts it again; once the ledger is back, the repeat is recorded and answered once', async () => {
    const phone = '+243970000051';
    const msg = inbound(phone, 'AIDE', 'ATXid_pg_down');
    const proxy = down.proxy;
    if (proxy === undefined) throw new Error('no proxy');
    await proxy.cut();
    try {
      const res = await request(downApp).post('/sms/inbound').type('form').send(msg).expect(503);
      expect(res.body).toEqual({ error: 'unavailable', message: 'try again later' });
    } finally {
      await proxy.restore();
    }
    expect(await down.smsStore.loadInbound('ATXid_pg_down')).toBeUndefined();
    await request(downApp).post('/sms/inbound').type('form').send(msg).expect(200);
    const replies = await messagesTo(down.outbox, phone, 1);
    expect(replies[0]?.message).toContain('FACTURE');
    await smsRow(down.smsStore, replyIdOf('ATXid_pg_down'), (m) => m.status === 'sent');
    expect(await rowsTo(down.db, phone)).toHaveLength(1);
  });
});

describe('malformed payloads', () => {
  it.each([
    ['no from', { text: 'AIDE', id: 'x1' }, 'from'],
    ['a from that is not a phone', { from: 'attacker@example.com', text: 'AIDE', id: 'x2' }, 'from'],
    ['no id', { from: PAYER, text: 'AIDE' }, 'id'],
    ['no text', { from: PAYER, id: 'x3' }, 'text'],
  ])('%s: 400 with a JSON error naming the field, and nothing recorded or queued', async (_name, body, field) => {
    const before = await rowsTo(stack.db, PAYER);
    const res = await request(app).post('/sms/inbound').type('form').send(body).expect(400);
    expect(res.type).toBe('application/json');
    expect(res.body.error).toBe('invalid_payload');
    expect(res.body.issues.map((i: { field: string }) => i.field)).toContain(field);
    for (const id of ['x1', 'x2', 'x3']) expect(await stack.smsStore.loadInbound(id)).toBeUndefined();
    expect(await rowsTo(stack.db, PAYER)).toEqual(before);
  });

  it('a JSON body of the wrong shape and an empty body get 400, and the route still serves', async () => {
    await request(app).post('/sms/inbound').send({ from: 12, text: ['x'], id: {} }).expect(400);
    await request(app).post('/sms/inbound').expect(400);
    expect(await sms(NOBODY, 'HELP')).toContain('BILL');
  });

  it.each([
    ['243970000061', '+243970000061'],
    [' 243970000062', '+243970000062'],
    ['0970000063', '+243970000063'],
  ])('a sender written %j is answered at its E.164 form %s', async (written, e164) => {
    await request(app).post('/sms/inbound').type('form').send(inbound(written, 'AIDE')).expect(200);
    const replies = await messagesTo(stack.outbox, e164, 1);
    expect(replies[0]?.to).toBe(e164);
  });
});

describe('rate limit per phone number', () => {
  it('a flood from one number gets 200 without replies past the limit, while another number is served', async () => {
    const limitedApp = appOver(answerer, stack, { limit: 3, windowSeconds: 600 });
    const flooder = '+243811111111';
    const limitedBefore = await metricNow(stack.metrics, 'rate_limited_total', { limit: 'sms_inbound' });
    for (let i = 0; i < 6; i++) {
      await request(limitedApp).post('/sms/inbound').type('form').send(inbound(flooder, 'AIDE')).expect(200);
    }
    await messagesTo(stack.outbox, flooder, 3);
    // Three recorded and answered; the others never recorded, so nothing more can come.
    const rows = await until(async () => {
      const r = await rowsTo(stack.db, flooder);
      return r.length >= 3 && r.every((x) => x.status === 'sent') ? r : undefined;
    });
    expect(rows).toHaveLength(3);
    const inboundRows = await stack.db.query<{ n: number }>('SELECT count(*)::int AS n FROM sms_inbound WHERE sender = $1', [flooder]);
    expect(inboundRows.rows[0]?.n).toBe(3);
    const other = '+243822222222';
    await request(limitedApp).post('/sms/inbound').type('form').send(inbound(other, 'AIDE')).expect(200);
    expect((await messagesTo(stack.outbox, other, 1))[0]?.message).toContain('RECU');
    expect(await metricNow(stack.metrics, 'rate_limited_total', { limit: 'sms_inbound' })).toBe(limitedBefore + 3);
  });
});

