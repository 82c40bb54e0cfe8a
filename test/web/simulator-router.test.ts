import request from 'supertest';
import { loadConfig } from '../../src/config';
import { GSM7_ALPHABET, SCREEN_LIMIT } from '../../src/gsm7';
import { FakeSimulatorWallet, serveProduct } from './kit';

const TOKEN = 'router-test-token-0123456789';
const PRODUCTION = { NODE_ENV: 'production', REDIS_URL: 'redis://127.0.0.1:6379', DATABASE_URL: 'postgres://root@127.0.0.1:5432/test', COLLECTION: 'none', REGIDESO_BASE_URL: 'http://127.0.0.1:9', REGIDESO_API_KEY: 'k', REGIDESO_OPERATOR: 'OP', WEBHOOK_TOKEN: TOKEN, METRICS_TOKEN: 'metrics-token-0123456789', AT_USERNAME: 'u', AT_API_KEY: 'k' };

describe('SIMULATOR', () => {
  const simulator = (env: Record<string, string>) => {
    const r = loadConfig(env);
    if (!r.ok) throw new Error(r.errors.join('; '));
    return r.config.simulator;
  };
  test('served in development unless off; in production only when on', () => {
    expect(simulator({})).toBe(true);
    expect(simulator({ SIMULATOR: 'off' })).toBe(false);
    expect(simulator(PRODUCTION)).toBe(false);
    expect(simulator({ ...PRODUCTION, SIMULATOR: 'on' })).toBe(true);
  });
  test('anything but on or off is refused by name', () => {
    const r = loadConfig({ SIMULATOR: 'yes' });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.errors[0]).toMatch(/^SIMULATOR: /);
  });
});

describe('the page in development (no token)', () => {
  let s: Awaited<ReturnType<typeof serveProduct>>;
  beforeAll(async () => {
    s = await serveProduct({});
  });
  afterAll(async () => {
    await s?.close();
  });

  test('GET / is the page, which may load nothing from elsewhere', async () => {
    const res = await request(s.product.app).get('/');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.headers['content-security-policy']).toContain("default-src 'self'");
    expect(res.text).toContain('aria-label="USSD screen"');
    // Relative URLs only: the same page works at /<token>/.
    expect(res.text).not.toMatch(/(src|href)="\//);
  });

  test.each([
    ['app.js', /^text\/javascript/],
    ['phone.js', /^text\/javascript/],
    ['style.css', /^text\/css/],
  ])('serves %s', async (file, type) => {
    const res = await request(s.product.app).get(`/${file}`);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(type);
  });

  test.each(['/README-section.md', '/favicon.ico', '/nowhere', '/nowhere/app.js', '/..%2Fpackage.json'])('%s is not the page nor a file of the project: 404', async (url) => {
    const res = await request(s.product.app).get(url);
    expect(res.status).toBe(404);
    expect(res.body).toEqual({ error: 'not_found' });
  });

  test('the alphabet the page counts with is the one in src/gsm7.ts', async () => {
    const res = await request(s.product.app).get('/simulator/gsm7.json');
    expect(res.body).toEqual({ basic: GSM7_ALPHABET.basic, extended: GSM7_ALPHABET.extended, screenLimit: SCREEN_LIMIT });
  });

  test('without a wallet (the operator collects upstream), the prompt routes answer 404 (the page then shows no prompt)', async () => {
    const none = await serveProduct({ COLLECTION: 'none' });
    try {
      expect((await request(none.product.app).get('/simulator/wallet/prompts').query({ phone: '+243812345678' })).status).toBe(404);
      expect((await request(none.product.app).post('/simulator/wallet/prompts/dep-1').send({ pin: '1234' })).status).toBe(404);
    } finally {
      await none.close();
    }
  });

  test("on the embedded default, the prompt routes speak to the sandbox wallet: an unknown deposit is answered 404", async () => {
    expect((await request(s.product.app).get('/simulator/wallet/prompts').query({ phone: '+243812345678' })).body).toEqual([]);
    expect((await request(s.product.app).post('/simulator/wallet/prompts/00000000-0000-4000-8000-000000000000').send({ pin: '1234' })).status).toBe(404);
  });
});

describe('the page behind the webhook token', () => {
  let s: Awaited<ReturnType<typeof serveProduct>>;
  beforeAll(async () => {
    s = await serveProduct({ WEBHOOK_TOKEN: TOKEN });
  });
  afterAll(async () => {
    await s?.close();
  });

  test('GET / without the token is refused like any callback', async () => {
    expect((await request(s.product.app).get('/')).status).toBe(401);
    expect((await request(s.product.app).get('/app.js')).status).toBe(401);
    expect((await request(s.product.app).get(`/${'x'.repeat(TOKEN.length)}/`)).status).toBe(401);
  });

  test('/TOKEN redirects to /TOKEN/, where the page and its files are', async () => {
    const bare = await request(s.product.app).get(`/${TOKEN}`);
    expect(bare.status).toBe(308);
    expect(bare.headers.location).toBe(`./${TOKEN}/`);
    expect((await request(s.product.app).get(`/${TOKEN}/`)).text).toContain('aria-label="SMS inbox"');
    expect((await request(s.product.app).get(`/${TOKEN}/gateway.js`)).status).toBe(200);
  });
});

test('production without SIMULATOR=on: no page', async () => {
  // The production checks run in the config; the composition is what decides the route.
  const r = loadConfig({ ...PRODUCTION });
  expect(r.ok && r.config.simulator).toBe(false);
  const s = await serveProduct({ SIMULATOR: 'off' });
  try {
    expect((await request(s.product.app).get('/')).status).toBe(404);
    expect((await request(s.product.app).get('/simulator/gsm7.json')).status).toBe(404);
  } finally {
    await s.close();
  }
});

describe('the wallet prompt routes (with the test stand-in wallet)', () => {
  const wallet = new FakeSimulatorWallet();
  let s: Awaited<ReturnType<typeof serveProduct>>;
  beforeAll(async () => {
    s = await serveProduct({}, { wallet });
  });
  afterAll(async () => {
    await s?.close();
  });

  test("GET lists one phone's prompts; the number is read as E.164 however the query wrote it", async () => {
    const prompt = wallet.ask('+243812340001', '100', 'dep-list-1');
    wallet.ask('+243812340002', '200', 'dep-list-2');
    for (const phone of ['+243812340001', ' 243812340001', '0812340001']) {
      const res = await request(s.product.app).get('/simulator/wallet/prompts').query({ phone });
      expect(res.status).toBe(200);
      // As a handset shows it: the wallet's public name and the phone's language (French until it chose another).
      expect(res.body).toEqual([{ ...prompt, walletName: 'M-Pesa', language: 'fr' }]);
    }
    const bad = await request(s.product.app).get('/simulator/wallet/prompts').query({ phone: 'abc' });
    expect(bad.status).toBe(400);
    expect(bad.body.issues[0].field).toBe('phone');
  });

  test('POST a 4-digit PIN approves, decline declines, an unknown id is 404', async () => {
    wallet.ask('+243812340003', '100', 'dep-a');
    wallet.ask('+243812340003', '100', 'dep-b');
    const ok = await request(s.product.app).post('/simulator/wallet/prompts/dep-a').send({ pin: '0042' });
    expect(ok.body).toEqual({ status: 'approved' });
    const no = await request(s.product.app).post('/simulator/wallet/prompts/dep-b').send({ decline: true });
    expect(no.body).toEqual({ status: 'declined' });
    expect(wallet.answers).toEqual(expect.arrayContaining([{ depositId: 'dep-a', answer: { pin: '0042' } }, { depositId: 'dep-b', answer: { decline: true } }]));
    const gone = await request(s.product.app).post('/simulator/wallet/prompts/dep-a').send({ pin: '0042' });
    expect(gone.status).toBe(404);
  });

  test.each([{ pin: '12' }, { pin: '12345' }, { pin: 'abcd' }, { decline: false }, { pin: '1234', decline: true }, {}])('%j is refused with 400, and the wallet is not asked', async (body) => {
    wallet.ask('+243812340004', '100', 'dep-c');
    const before = wallet.answers.length;
    const res = await request(s.product.app).post('/simulator/wallet/prompts/dep-c').send(body);
    expect(res.status).toBe(400);
    expect(wallet.answers).toHaveLength(before);
  });
});
