import { compileTemplate, renderTemplate } from '../../src/texts/template';

/** Templates are filled the same whether compiled once and reused (screens) or filled in one call (SMS). */
const cutAt = (name: string) => ({ name: 6, ref: 5 })[name];

test('fills placeholders with their filters, cuts values to their width, never cuts an amount', () => {
  const text = 'A {name}: {total|money} ({issuedOn|month}) ref {ref}, {unknown}.';
  const values = { name: 'MUKEBA KALALA', total: 1_786_557, issuedOn: '2024-03-31', ref: '83262' };
  const expected = 'A MUKEBA: 17 865,57 CDF (03/2024) ref 83262, .';
  expect(renderTemplate(text, values, cutAt)).toBe(expected);
  const compiled = compileTemplate(text);
  // Reused with other values: nothing of the first fill stays behind.
  expect(compiled(values, cutAt)).toBe(expected);
  expect(compiled({ name: 'Hélène Ô “X”', total: 100, issuedOn: 'bad', ref: '1234567' }, cutAt)).toBe('A Hélène: 1 CDF (bad) ref 12345, .');
});

test('a text without placeholders, or with braces that are not one, comes back as it is', () => {
  expect(compileTemplate('Tout payer')({}, cutAt)).toBe('Tout payer');
  expect(compileTemplate('a {1x} {} b')({}, cutAt)).toBe('a {1x} {} b');
  expect(renderTemplate('{name}{name}', { name: 'AB' }, cutAt)).toBe('ABAB');
  expect(renderTemplate('x{name}', {}, cutAt)).toBe('x');
});
