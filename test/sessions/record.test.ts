import { decodeRaw, encodeRecord } from '../../src/sessions/record';
import type { Vars } from '../../src/json';
import type { Session } from '../../src/sessions/types';

const bill = (n: number) => ({ faeId: `11560010${n}`, billNumber: `621902460130${n}`, issuedOn: `2024-0${n}-28`, balance: 1_500_000 - n });

function session(over: Partial<Session> = {}): Session {
  return {
    id: 'ATUid_1',
    phone: '+243810000001',
    nonce: '0123456789abcdef',
    menuVersion: '1+abc',
    language: 'fr',
    shape: 'cumulative',
    text: '1*62190*1',
    answer: 'CON MBUYI K.\nTotal à payer: 134 944,20 CDF',
    prevText: '1*62190',
    screen: 'pay_bills',
    page: 0,
    history: [['main', 0], ['pay_ref', 0], ['pay_province', 0]],
    vars: { refClient: '62190', bills: [1, 2, 3, 4, 5].map(bill), total: 7_499_985 },
    ended: false,
    startedAt: 1_700_000_000_000,
    hops: 4,
    serviceCode: '*123#',
    ...over,
  };
}

const roundTrip = (s: Session) => decodeRaw(s.id, encodeRecord(s));

test('a session reads back as it was written (on a later page, ended, with no text before, no service code too)', () => {
  for (const s of [session(), session({ page: 2, ended: true, prevText: undefined, serviceCode: undefined, shape: 'last' })]) {
    expect(roundTrip(s)).toEqual(s);
  }
});

test("the bills' fields are kept once, and what their values share once per field", () => {
  const raw = encodeRecord(session());
  for (const field of ['faeId', 'billNumber', 'issuedOn', 'balance']) expect(raw.split(`"${field}"`)).toHaveLength(2);
  // Five bill numbers, one shared prefix.
  expect(raw.split('621902460130')).toHaveLength(2);
});

test('lists that are not all strings, or not all alike, or hold any text, come back the same', () => {
  const vars: Vars = {
    mixed: [{ a: 'x1', b: 1 }, { a: null, b: 2 }],
    unlike: [{ a: 1 }, { b: 2 }],
    sameStart: [{ t: '😀a' }, { t: '😀b' }, { t: '😀' }],
    // Values that share half of a character (a surrogate).
    halves: [{ t: '\u{1F600}' }, { t: '\u{1F601}' }],
    one: [{ a: 'only' }],
    nested: [{ a: [1, 2], b: { c: 'd' } }, { a: [], b: { c: 'e' } }],
    empty: [],
    flag: true,
  };
  expect(roundTrip(session({ vars }))?.vars).toEqual(vars);
});

test('a session written by the version before (bills as rows) still reads', () => {
  const s = session();
  const rows = { '~k': ['faeId', 'billNumber', 'issuedOn', 'balance'], r: [1, 2].map((n) => Object.values(bill(n))) };
  const raw = encodeRecord({ ...s, vars: { ...s.vars, bills: [] } }).replace('"bills":[]', `"bills":${JSON.stringify(rows)}`);
  expect(decodeRaw(s.id, raw)?.vars.bills).toEqual([bill(1), bill(2)]);
});

test('a body that is not ours reads as nothing', () => {
  const raw = encodeRecord(session());
  expect(decodeRaw('x', raw.slice(0, raw.indexOf('{"n":') + 5))).toBeUndefined();
  expect(decodeRaw('x', raw.replace(/^1cfr/, '1cxx'))).toBeUndefined();
  expect(decodeRaw('x', raw.replace(/^1/, '2'))).toBeUndefined();
  expect(decodeRaw('x', 'no header at all')).toBeUndefined();
});

test('the parts are cut by UTF-8 bytes, whether or not the record holds any non-ASCII character', () => {
  for (const answer of ['CON Entrez votre reference client:', 'CON Entrez votre référence client: 1 234,50 CDF']) {
    const s = session({ answer, text: '1*62190', prevText: '1', vars: { subscriberName: 'KABILA É.' } });
    const back = decodeRaw(s.id, encodeRecord(s));
    expect({ answer: back?.answer, text: back?.text, prevText: back?.prevText, vars: back?.vars }).toEqual({ answer, text: '1*62190', prevText: '1', vars: { subscriberName: 'KABILA É.' } });
  }
});
