import express from 'express';
import request from 'supertest';
import { FormError, parseFormFields, plainForm, readFormBody } from '../../src/http/form-body';

/**
 * The hop's form reader against express's own parser, configured as the app configures it: for
 * each body, the fields a hop reads must come out the same (or the same refusal).
 */

const FIELDS = ['sessionId', 'serviceCode', 'phoneNumber', 'networkCode', 'text'] as const;

function pick(body: unknown): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (body === null || typeof body !== 'object') return out;
  for (const k of FIELDS) if (Object.hasOwn(body, k)) out[k] = (body as Record<string, unknown>)[k];
  return out;
}

/** Both readers behind one app: `/generic` is express.urlencoded, `/ours` the hop's reader. */
function bothReaders(): express.Express {
  const app = express();
  app.post('/generic', express.urlencoded({ extended: false, limit: '16kb', parameterLimit: 50 }), (req, res) => {
    res.json({ fields: pick(req.body) });
  });
  app.post('/ours', (req, res, next) => {
    const length = plainForm(req);
    if (length === undefined) {
      res.json({ declined: true });
      return;
    }
    readFormBody(req, length).then((body) => {
      const fields = parseFormFields(body, FIELDS);
      if (fields instanceof FormError) next(fields);
      else res.json({ fields });
    }, next);
  });
  app.use((err: { status?: number; type?: string }, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
    res.status(err.status ?? 500).json({ status: err.status, type: err.type });
  });
  return app;
}

const app = bothReaders();

async function both(body: string | Buffer) {
  const send = (path: string) => request(app).post(path).set('content-type', 'application/x-www-form-urlencoded').send(body);
  const [generic, ours] = await Promise.all([send('/generic'), send('/ours')]);
  return { generic: { status: generic.status, body: generic.body as unknown }, ours: { status: ours.status, body: ours.body as unknown } };
}

const CORPUS: string[] = [
  'sessionId=ATUid_1&serviceCode=*123%23&phoneNumber=%2B243810000001&networkCode=63902&text=1*83262*1',
  '',
  'sessionId',
  'sessionId=',
  '=x&sessionId=s',
  '&&sessionId=s&&',
  'sessionId=a&sessionId=b',
  'text=1&text=2&text=3&sessionId=s',
  'sessionId[]=a',
  '[sessionId]=x',
  '%5BsessionId%5D=x',
  '%5bsessionId%5d=x&text=1',
  'sessionId%5B%5D=a',
  'text=%5D=1&sessionId=s',
  'text=a]=b&sessionId=s',
  'session%49d=x',
  'text=1%2A2+3',
  'text=%E0%A4%A',
  'text=%',
  'text=%zz&sessionId=%41',
  'text=a%20b+c',
  'phoneNumber=+243810000001',
  'phoneNumber=%2B243810000001',
  'text=%E2%9C%93&utf8=%E2%9C%93',
  'unknown=1&other=2&sessionId=s',
  'unknown=1&unknown=2&sessionId=s',
  '__proto__=x&sessionId=s',
  'constructor=x&hasOwnProperty=y&sessionId=s',
  'sessionId=s&toString=1',
  'sessionId=a=b',
  'sessionId=%3D&text=%26',
  'Sessionid=s',
  'session.Id=s&sessionId=t',
  Array.from({ length: 50 }, (_, i) => `k${i}=v`).join('&'),
  Array.from({ length: 51 }, (_, i) => `k${i}=v`).join('&'),
  `sessionId=s${'&'.repeat(49)}`,
  `sessionId=s${'&'.repeat(50)}`,
  `text=${'1*'.repeat(300)}`,
];

test('every body of the corpus: the same fields as express.urlencoded, or the same refusal', async () => {
  for (const body of CORPUS) {
    const { generic, ours } = await both(body);
    expect({ sent: body, ...ours }).toEqual({ sent: body, ...generic });
  }
});

test('a leading byte-order mark and multi-byte UTF-8 are decoded as body-parser decodes them', async () => {
  for (const body of [Buffer.from('\uFEFFsessionId=s&text=1', 'utf8'), Buffer.from('text=é&sessionId=ñ', 'utf8'), Buffer.from([0x74, 0x65, 0x78, 0x74, 0x3d, 0xff, 0xfe, 0x26, 0x73, 0x3d, 0x31])]) {
    const { generic, ours } = await both(body);
    expect(ours).toEqual(generic);
  }
});

test('random bodies made of what qs treats specially: the same fields as express.urlencoded', async () => {
  // A fixed sequence (not Math.random): a failure names its body and can be replayed.
  let seed = 20;
  const next = () => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed;
  };
  const pieces = ['sessionId', 'text', 'phoneNumber', 'serviceCode', 'x', '=', '=', '&', '&', '%', '%2', '%5B', '%5d', '[', ']', '[]', '+', '*', '1', '%23', '%E2%9C%93', '%FF', '.', '%2B243'];
  for (let n = 0; n < 150; n++) {
    const length = 1 + (next() % 12);
    const body = Array.from({ length }, () => pieces[next() % pieces.length]).join('');
    const { generic, ours } = await both(body);
    expect({ sent: body, ...ours }).toEqual({ sent: body, ...generic });
  }
});

test('only the request shape gateways send is taken; any other is left to the generic parser', () => {
  const req = (headers: Record<string, string>) => ({ headers }) as unknown as Parameters<typeof plainForm>[0];
  const form = 'application/x-www-form-urlencoded';
  expect(plainForm(req({ 'content-type': form, 'content-length': '12' }))).toBe(12);
  expect(plainForm(req({ 'content-type': `${form}; charset=UTF-8`, 'content-length': '12' }))).toBe(12);
  expect(plainForm(req({ 'content-type': 'Application/X-WWW-Form-Urlencoded', 'content-length': '0' }))).toBe(0);
  expect(plainForm(req({ 'content-type': form, 'content-length': String(16 * 1024) }))).toBe(16 * 1024);
  const others: Array<Record<string, string>> = [
    { 'content-type': form, 'content-length': String(16 * 1024 + 1) },
    { 'content-type': form },
    { 'content-type': form, 'transfer-encoding': 'chunked' },
    { 'content-type': form, 'content-length': '12', 'transfer-encoding': 'chunked' },
    { 'content-type': form, 'content-length': '12', 'content-encoding': 'gzip' },
    { 'content-type': `${form}; charset=iso-8859-1`, 'content-length': '12' },
    { 'content-type': 'application/json', 'content-length': '12' },
    { 'content-type': 'text/plain', 'content-length': '12' },
    { 'content-length': '12' },
  ];
  for (const headers of others) {
    expect({ headers, taken: plainForm(req(headers)) }).toEqual({ headers, taken: undefined });
  }
});
