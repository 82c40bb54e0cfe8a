import { silentLogger } from '../../src/logging/logger';
import type { PaymentRecords } from '../../src/payments/types';
import { startSandbox, type RunningSandbox } from '../../src/regideso/sandbox/server';
import type { RegidesoClient } from '../../src/regideso/types';
import type { CommandContext } from '../../src/sms/commands/context';
import { runCommand } from '../../src/sms/commands/dispatch';
import { parseSms } from '../../src/sms/keywords';
import { memoryRecords, record } from '../http/sms-kit';
import { sandboxClient } from '../support/regideso';
import { keywordTexts } from '../../src/sms/keyword-texts';
import { productMessages } from '../support/texts';
import { createLookupLimiter } from '../../src/sessions/lookup-limit';
import { createSubscriberPrefs } from '../../src/sessions/subscriber-prefs';
import { connectTestRedis, deleteKeys, newTestPrefix } from '../support/redis';

/** The keyword commands on their own, against the sandbox REGIDESO over HTTP. */

const PHONE = '+243810000001';
let sandbox: RunningSandbox;
let regideso: RegidesoClient;

const redis = connectTestRedis();
const prefix = newTestPrefix('sms-commands');
const prefs = createSubscriberPrefs(redis, { prefix, ttlSeconds: 600 });
const lookups = createLookupLimiter(redis, { prefix, perDay: 10 });

beforeAll(async () => {
  sandbox = await startSandbox();
  regideso = sandboxClient(sandbox);
});
afterAll(async () => {
  await sandbox.close();
  await deleteKeys(redis, prefix);
  await redis.quit();
});

const texts = keywordTexts(productMessages());
const ctx = (records: PaymentRecords, from = PHONE): CommandContext => ({ from, regideso, records, logger: silentLogger(), texts, prefs, lookups });

it('a receipt under our own reference is answered from the record, without asking REGIDESO', async () => {
  const records = memoryRecords([record({ numAcquit: 'RGD-OWN-1', ownReference: true, status: 'reconciled', amountCentimes: 150_000 })]);
  const before = sandbox.calls.verify;
  const out = await runCommand(ctx(records), parseSms('RECU RGD-OWN-1'));
  expect(out).toMatchObject({ command: 'receipt', outcome: 'own_reference' });
  expect(out.reply).toContain('1 500 CDF');
  expect(out.reply).toContain('en cours de vérification');
  expect(sandbox.calls.verify).toBe(before);
});

it('records out of reach: the receipt is still checked, with no name and the reference masked', async () => {
  const paid = await regideso.payBills({ refClient: '83262', province: 'KIN', billIds: ['108776771'], amountCentimes: 10_000, paidAt: new Date() });
  if (paid.kind !== 'paid') throw new Error(paid.kind);
  const broken: PaymentRecords = {
    get: async () => undefined,
    findByNumAcquit: async () => {
      throw new Error('redis down');
    },
    recentByPhone: async () => [],
  };
  const out = await runCommand(ctx(broken), parseSms(`RECU ${paid.numAcquit}`));
  expect(out.outcome).toBe('found');
  expect(out.reply).toContain('100 CDF');
  expect(out.reply).toContain('Client 83***2.');
  expect(out.reply).not.toMatch(/MUKEBA|Client 83262/);
});

it('the last payments show each status in words, uncertain ones as being checked', async () => {
  const records = memoryRecords([
    record({ numAcquit: 'A-1', status: 'uncertain', createdAt: '2025-01-03T10:00:00.000Z' }),
    record({ numAcquit: undefined, status: 'failed', createdAt: '2025-01-02T10:00:00.000Z' }),
    record({ numAcquit: 'C-3', status: 'reconciled', createdAt: '2025-01-01T10:00:00.000Z' }),
  ]);
  const out = await runCommand(ctx(records), parseSms('RECEIPT'));
  expect(out.reply.split('\n').slice(1)).toEqual([
    '1) A-1 100 CDF 2025-01-03 11:00 being checked',
    '2) customer 83262 100 CDF 2025-01-02 11:00 failed',
    '3) C-3 100 CDF 2025-01-01 11:00 success',
  ]);
});

it('a subscriber with nothing left to pay is told so', async () => {
  const out = await runCommand(ctx(memoryRecords([])), parseSms('FACTURE 55120 KAT'));
  expect(out).toMatchObject({ command: 'bill', outcome: 'no_unpaid' });
  expect(out.reply).toContain('aucune facture impayée');
});

it('our own reference typed in lower case is found in our records, REGIDESO not asked', async () => {
  const records = memoryRecords([record({ numAcquit: 'RGD-0A1B2C3D4E', ownReference: true, status: 'reconciled', amountCentimes: 150_000 })]);
  const before = sandbox.calls.verify;
  const out = await runCommand(ctx(records), parseSms('recu rgd-0a1b2c3d4e'));
  expect(out).toMatchObject({ command: 'receipt', outcome: 'own_reference' });
  expect(out.reply).toContain('RGD-0A1B2C3D4E');
  expect(sandbox.calls.verify).toBe(before);
});

it('a receipt number that is nowhere costs at most two REGIDESO lookups, and a clear "not found"', async () => {
  const before = sandbox.calls.verify;
  const out = await runCommand(ctx(memoryRecords([])), parseSms('RECU 01-01-25nobody-83262-ABCDE'));
  expect(out).toMatchObject({ command: 'receipt', outcome: 'not_found' });
  expect(out.reply).toContain('aucun paiement trouvé pour le REÇU 01-01-25nobody-83262-ABCDE en KIN');
  expect(sandbox.calls.verify - before).toBe(2);
});

it('our own reference checked from another phone: the amount and the state, the customer reference masked', async () => {
  const records = memoryRecords([record({ numAcquit: 'RGD-OWN-2', ownReference: true, status: 'reconciled', amountCentimes: 150_000 })]);
  const mine = await runCommand(ctx(records), parseSms('RECU RGD-OWN-2'));
  expect(mine.reply).toContain('client 83262');
  const theirs = await runCommand(ctx(records, '+243990000009'), parseSms('RECU RGD-OWN-2'));
  expect(theirs).toMatchObject({ command: 'receipt', outcome: 'own_reference' });
  expect(theirs.reply).toContain('1 500 CDF');
  expect(theirs.reply).toContain('client 83***2');
  expect(theirs.reply).not.toContain('83262');
});
