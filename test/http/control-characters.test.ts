import { withoutControlCharacters } from '../../src/http/control-characters';

// The one place callbacks lose their control characters (src/http/app.ts applies it to every body).
test('control characters go from every string of a parsed body, nested or repeated; tab and line breaks stay', () => {
  const body = { text: 'FACTURE\u0000 83262\u001b', id: ['a\u0000', 'b\u007f'], nested: { note: 'x\u0085y\tz\r\n' }, n: 3, ok: true, none: null, 'k\u0000': 'v' };
  expect(withoutControlCharacters(body)).toEqual({ text: 'FACTURE 83262', id: ['a', 'b'], nested: { note: 'xy\tz\r\n' }, n: 3, ok: true, none: null, k: 'v' });
  // A "__proto__" key stays a key: nothing is inherited by the cleaned body.
  const cleaned = withoutControlCharacters(JSON.parse('{"__proto__": {"depositId": "x"}}')) as Record<string, unknown>;
  expect(Object.getPrototypeOf(cleaned)).toBe(Object.prototype);
  expect(Object.keys(cleaned)).toEqual(['__proto__']);
  // Letters the catalogue and subscribers use are not controls.
  expect(withoutControlCharacters('Payé 17 865,57 CDF – ñ ü')).toBe('Payé 17 865,57 CDF – ñ ü');
});
