import { PassThrough } from 'node:stream';
import { createLogger } from '../../src/logging/logger';
import { createRegidesoClient } from '../../src/regideso/client';
import { startSandbox, type RunningSandbox } from '../../src/regideso/sandbox/server';

/**
 * The client must keep the key out of the logs by itself: the logger here is given no secrets to
 * redact, so any key in the output came from the client.
 */
const KEY = 'log-test-key-7c1d9e';
let sandbox: RunningSandbox;

beforeAll(async () => {
  sandbox = await startSandbox({ apiKey: KEY });
});
afterAll(async () => {
  await sandbox.close();
});

function capture() {
  const stream = new PassThrough();
  const chunks: string[] = [];
  stream.on('data', (b: Buffer) => chunks.push(b.toString()));
  return { logger: createLogger({ level: 'debug', json: true, secrets: [], stream }), text: () => chunks.join('') };
}

it('logs every call, success and failure, without the API key or a clear name', async () => {
  const { logger, text } = capture();
  const client = createRegidesoClient({ baseUrl: sandbox.baseUrl, apiKey: KEY, operator: 'FINCA', timeoutMs: 1000, logger, retryBaseDelayMs: 1 });
  const paidAt = new Date('2025-01-29T09:42:58Z');

  expect((await client.getBills('83262', 'KIN')).kind).toBe('ok');
  const paid = await client.payBills({ refClient: '83262', province: 'KIN', billIds: ['108776771'], amountCentimes: 10_000, paidAt });
  expect(paid.kind).toBe('paid');
  expect((await client.verifyTransaction(paid.kind === 'paid' ? paid.numAcquit : '', 'KIN')).kind).toBe('ok');
  sandbox.faults.getFact.push({ kind: 'error500' }, { kind: 'reset' });
  sandbox.faults.payFact.push({ kind: 'hang', ms: 5_000 });
  expect((await client.getBills('83262', 'KIN')).kind).toBe('unavailable');
  expect((await client.payBills({ refClient: '83262', province: 'KIN', billIds: ['108776771'], amountCentimes: 10_000, paidAt })).kind).toBe('uncertain');
  expect(await client.ping()).toBe(true);
  const wrongKey = createRegidesoClient({ baseUrl: sandbox.baseUrl, apiKey: `${KEY}-old`, operator: 'FINCA', timeoutMs: 1000, logger });
  expect((await wrongKey.getBills('83262', 'KIN')).kind).toBe('unauthorized');

  const logged = text();
  const lines = logged.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  // One line per HTTP attempt: get, pay, verify, get ×2 (500 then reset), pay, ping, get.
  expect(lines.filter((l) => l.message === 'regideso call').map((l) => `${String(l.op)}:${String(l.outcome)}`)).toEqual([
    'getFact:ok',
    'payFact:paid',
    'verify:ok',
    'getFact:unavailable',
    'getFact:unavailable',
    'payFact:uncertain',
    'getFact:unauthorized',
  ]);
  expect(lines.every((l) => l.message !== 'regideso call' || typeof l.durationMs === 'number')).toBe(true);
  expect(logged).not.toContain(KEY);
  expect(logged).not.toContain('MUKEBA');
  expect(logged).toContain('M***** M*****');
});
