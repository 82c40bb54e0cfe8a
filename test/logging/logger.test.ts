import { PassThrough } from 'node:stream';
import { createLogger } from '../../src/logging/logger';
import { maskName, maskPhone } from '../../src/logging/mask';

function capture(json: boolean, secrets: string[], level = 'debug') {
  const stream = new PassThrough();
  const lines: string[] = [];
  stream.on('data', (b: Buffer) => lines.push(b.toString()));
  const logger = createLogger({ level, json, secrets, stream });
  return { logger, text: () => lines.join('') };
}

describe('masking', () => {
  it('keeps the country code and the last three digits of a phone number', () => {
    expect(maskPhone('+243812345990')).toBe('+243******990');
    expect(maskPhone('0812345990')).toBe('081****990');
    expect(maskPhone('12345')).toBe('*****');
  });

  it('keeps only the initials of a name', () => {
    expect(maskName('MUKEBA MUKEBA ')).toBe('M***** M*****');
    expect(maskName('A')).toBe('A*');
  });
});

describe('logger', () => {
  const KEY = 'live-api-key-9f8e7d6c';

  it.each([true, false])('never prints the API key (json=%s), wherever it hides', async (json) => {
    const { logger, text } = capture(json, [KEY]);
    logger.info('calling REGIDESO', { headers: { 'x-api-key': KEY }, apiKey: KEY });
    logger.error(`request to https://x/api?key=${KEY} failed`, { err: new Error(`bad key ${KEY}`) });
    logger.warn('nested', { a: { b: [{ c: `prefix-${KEY}-suffix` }] } });
    await new Promise((r) => setImmediate(r));
    expect(text()).not.toContain(KEY);
    expect(text()).toContain('[redacted]');
  });

  it('masks phone numbers and names by field', async () => {
    const { logger, text } = capture(true, []);
    logger.info('hop', { phoneNumber: '+243812345990', nom_client: 'MUKEBA MUKEBA', sessionId: 'ATUid_1' });
    await new Promise((r) => setImmediate(r));
    const line = JSON.parse(text().trim().split('\n')[0] ?? '{}') as Record<string, unknown>;
    expect(line.phoneNumber).toBe('+243******990');
    expect(line.nom_client).toBe('M***** M*****');
    expect(line.sessionId).toBe('ATUid_1');
    expect(text()).not.toContain('812345990');
  });
});

describe('errors in logs', () => {
  it('keep their class name readable while names of people are masked', async () => {
    const { logger, text } = capture(true, []);
    class MaxRetriesPerRequestError extends Error {
      override name = 'MaxRetriesPerRequestError';
    }
    logger.error('redis down', { err: new MaxRetriesPerRequestError('Reached the max retries'), subscriber: 'MUKEBA MUKEBA' });
    await new Promise((r) => setImmediate(r));
    expect(text()).toContain('"type":"MaxRetriesPerRequestError"');
    expect(text()).not.toContain('MUKEBA');
  });
});

describe('masking twice', () => {
  it('leaves an already masked number as it is', () => {
    expect(maskPhone(maskPhone('+243812345990'))).toBe('+243******990');
  });
});

describe('entries below the level', () => {
  it('are dropped before they are scrubbed or serialised, and the others still are', async () => {
    const { logger, text } = capture(true, [], 'info');
    let serialised = 0;
    const value = { toJSON: () => (serialised += 1) };
    logger.debug('below', { value });
    logger.log('debug', 'below too', { value });
    await new Promise((r) => setImmediate(r));
    expect(serialised).toBe(0);
    expect(text()).toBe('');
    logger.info('at the level', { value, phone: '+243812345990' });
    await new Promise((r) => setImmediate(r));
    expect(serialised).toBe(1);
    expect(JSON.parse(text().trim())).toMatchObject({ message: 'at the level', phone: '+243******990' });
  });
});
