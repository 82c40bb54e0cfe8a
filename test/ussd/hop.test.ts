import { ussdHopSchema } from '../../src/ussd/hop';

test('a phone number is one subscriber however the form carried it (E.164)', () => {
  const parse = (phoneNumber: string) => ussdHopSchema.parse({ sessionId: 'S', phoneNumber, text: '' }).phoneNumber;
  // ` 243…`: the `+` that a form body turns into a space.
  expect(['243812345990', ' 243812345990', '+243812345990'].map(parse)).toEqual(['+243812345990', '+243812345990', '+243812345990']);
  expect(ussdHopSchema.safeParse({ sessionId: 'S', phoneNumber: 'abc', text: '' }).success).toBe(false);
});
