import { readHop, ussdHopSchema } from '../../src/ussd/hop';

test('a phone number is one subscriber however the form carried it (E.164)', () => {
  const parse = (phoneNumber: string) => ussdHopSchema.parse({ sessionId: 'S', phoneNumber, text: '' }).phoneNumber;
  // ` 243…`: the `+` that a form body turns into a space.
  expect(['243812345990', ' 243812345990', '+243812345990'].map(parse)).toEqual(['+243812345990', '+243812345990', '+243812345990']);
  expect(ussdHopSchema.safeParse({ sessionId: 'S', phoneNumber: 'abc', text: '' }).success).toBe(false);
});

test('readHop, the hot path check, gives what the schema gives for every combination of edge values', () => {
  const values = {
    sessionId: [undefined, '', '   ', ' ATUid_1 ', 'x'.repeat(128), 'x'.repeat(129), ` ${'x'.repeat(128)} `, '\u00a0s\u2003'],
    phoneNumber: [undefined, '', '+243810000001', ' 243810000001', '243810000001', '0810000001', '00243810000001', 'abc', `+${'1'.repeat(31)}`, ` ${'2'.repeat(32)}`, '+33612345678'],
    serviceCode: [undefined, '', ' *123# ', 'x'.repeat(64), 'x'.repeat(65), ` ${'x'.repeat(64)} `],
    networkCode: [undefined, '', ' 63902 ', 'x'.repeat(16), 'x'.repeat(17)],
    text: [undefined, '', ' 1 ', 'x'.repeat(512), 'x'.repeat(513), '1*83262#'],
  };
  let compared = 0;
  for (const sessionId of values.sessionId)
    for (const phoneNumber of values.phoneNumber)
      for (const serviceCode of values.serviceCode)
        for (const networkCode of values.networkCode)
          for (const text of values.text) {
            const fields = Object.fromEntries(Object.entries({ sessionId, phoneNumber, serviceCode, networkCode, text }).filter(([, v]) => v !== undefined));
            const byZod = ussdHopSchema.safeParse(fields);
            expect({ fields, hop: readHop(fields) }).toStrictEqual({ fields, hop: byZod.success ? byZod.data : undefined });
            compared += 1;
          }
  expect(compared).toBe(8 * 11 * 6 * 5 * 6);
});
