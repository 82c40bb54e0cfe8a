import express from 'express';
import request from 'supertest';
import { gsm7Length, isGsm7, SCREEN_LIMIT } from '../../src/gsm7';
import { createApp } from '../../src/http/app';
import { ussdFallbacks } from '../../src/http/ussd-fallbacks';
import { createUssdRouter } from '../../src/http/ussd-router';
import { silentLogger } from '../../src/logging/logger';
import { createMetrics } from '../../src/metrics';
import { newPhone, newSessionId, startWorld, type World } from '../ussd/world';
import { productMessages } from '../support/texts';

let w: World;
let app: express.Express;
beforeAll(async () => {
  w = await startWorld();
  app = express();
  app.use(createUssdRouter({ engine: w.engine, logger: silentLogger(), messages: productMessages() }));
});
afterAll(async () => {
  await w.close();
});

function hop(sessionId: string, phoneNumber: string, text: string) {
  return request(app)
    .post('/ussd')
    .type('form')
    .send({ sessionId, serviceCode: '*123#', phoneNumber, networkCode: '63902', text });
}

test('the journey through HTTP: form in, text/plain CON/END out', async () => {
  const sessionId = newSessionId();
  const phone = newPhone();
  const first = await hop(sessionId, phone, '');
  expect(first.status).toBe(200);
  expect(first.headers['content-type']).toMatch(/^text\/plain/);
  expect(first.text).toMatch(/^CON REGIDESO/);
  expect((await hop(sessionId, phone, '1')).text).toContain('référence client');
  expect((await hop(sessionId, phone, '1*83262')).text).toContain('1. Kinshasa');
  expect((await hop(sessionId, phone, '1*83262*1')).text).toContain('Total à payer: 84 653,40 CDF');
  expect((await hop(sessionId, phone, '1*83262*1*2')).text).toContain('Solde exact: 17 865,57 CDF');
  expect((await hop(sessionId, phone, '1*83262*1*2*1')).text).toContain('2. Confirmer');
  const before = w.payments.calls.length;
  const done = await hop(sessionId, phone, '1*83262*1*2*1*2');
  expect(done.text).toMatch(/^END Paiement de 17 865,57 CDF réussi/);
  // The gateway retries the confirm hop: same screen, no second payment.
  const replay = await hop(sessionId, phone, '1*83262*1*2*1*2');
  expect(replay.status).toBe(200);
  expect(replay.text).toBe(done.text);
  expect(w.payments.calls.length - before).toBe(1);
  expect(w.payments.calls.at(-1)).toMatchObject({ sessionId, phoneNumber: phone, amountCentimes: 1786557 });
});

test('two concurrent hops of one session: one consistent result', async () => {
  const sessionId = newSessionId();
  const phone = newPhone();
  await hop(sessionId, phone, '');
  await hop(sessionId, phone, '1');
  const [a, b] = await Promise.all([hop(sessionId, phone, '1*83262'), hop(sessionId, phone, '1*83262')]);
  expect(a.text).toBe(b.text);
  expect(a.text).toContain('1. Kinshasa');
  const s = await w.sessions.peek(sessionId);
  expect(s).toMatchObject({ text: '1*83262', screen: 'pay_province', hops: 3 });
  expect(s?.history.map(([screen]) => screen)).toEqual(['main', 'pay_ref']);
});

test('malformed requests get a 400 with an END sentence, never a 500', async () => {
  const noSession = await request(app).post('/ussd').type('form').send({ phoneNumber: '+243810000000', text: '' });
  expect(noSession.status).toBe(400);
  expect(noSession.text).toMatch(/^END /);
  const badPhone = await request(app).post('/ussd').type('form').send({ sessionId: 'x', phoneNumber: 'nobody', text: '' });
  expect(badPhone.status).toBe(400);
  const json = await request(app).post('/ussd').set('content-type', 'application/json').send('{"sessionId":');
  expect(json.status).toBe(400);
  expect(json.text).toMatch(/^END /);
  const long = await request(app).post('/ussd').type('form').send({ sessionId: newSessionId(), phoneNumber: newPhone(), text: '1*'.repeat(400) });
  expect(long.status).toBe(400);
});

test('an engine that breaks still answers END with a sentence', async () => {
  const broken = express();
  broken.use(
    createUssdRouter({
      engine: {
        handle: async () => {
          throw new Error('boom');
        },
      },
      logger: silentLogger(),
      messages: productMessages(),
    }),
  );
  const res = await request(broken).post('/ussd').type('form').send({ sessionId: 's1', phoneNumber: '+243810000000', text: '' });
  expect(res.status).toBe(200);
  expect(res.text).toMatch(/^END Service momentanément indisponible/);
  expect(res.text).toBe(ussdFallbacks(productMessages()).unavailable);
});

test('the answers to a hop that cannot be read or finished: from the catalogue, in GSM-7 on one screen, the same from the router and the app', async () => {
  const fallbacks = ussdFallbacks(productMessages());
  expect(fallbacks.badRequest).toBe('END Demande invalide. Recomposez le code.');
  for (const answer of [fallbacks.badRequest, fallbacks.unavailable]) {
    expect({ answer, gsm7: isGsm7(answer), fits: gsm7Length(answer) <= SCREEN_LIMIT }).toEqual({ answer, gsm7: true, fits: true });
  }
  const byRouter = await request(app).post('/ussd').type('form').send({ phoneNumber: '+243810000000', text: '' });
  expect(byRouter.text).toBe(fallbacks.badRequest);

  // The app's own error handler: a body express cannot parse, and a route that throws.
  const crashing = express.Router();
  crashing.post('/ussd', () => {
    throw new Error('boom');
  });
  const full = createApp({
    logger: silentLogger(),
    metrics: createMetrics({ defaults: false }),
    readiness: async () => ({ required: { test: true } }),
        callbacks: [crashing],
    messages: productMessages(),
  });
  const unreadable = await request(full).post('/ussd').set('content-type', 'application/json').send('{"sessionId":');
  expect(unreadable.status).toBe(400);
  expect(unreadable.text).toBe(fallbacks.badRequest);
  const broken = await request(full).post('/ussd').type('form').send({ sessionId: 's1', phoneNumber: '+243810000000', text: '' });
  expect(broken.status).toBe(200);
  expect(broken.text).toBe(fallbacks.unavailable);
});
