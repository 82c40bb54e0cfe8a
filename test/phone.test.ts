import { phoneSchema, toE164 } from '../src/phone';

describe('phone numbers to E.164', () => {
  it.each([
    ['+243812345990', '+243812345990'],
    ['243812345990', '+243812345990'],
    [' 243812345990', '+243812345990'],
    ['00243812345990', '+243812345990'],
    ['0812345990', '+243812345990'],
    ['+243 81 234 5990', '+243812345990'],
    ['254712345678', '+254712345678'],
  ])('%s → %s', (raw, e164) => {
    expect(toE164(raw)).toBe(e164);
  });

  it.each(['', '+', 'abc', '+2438123', '12', '+24381234599012345'])('refuses %j', (raw) => {
    expect(toE164(raw)).toBeUndefined();
    expect(phoneSchema.safeParse(raw).success).toBe(false);
  });
});
