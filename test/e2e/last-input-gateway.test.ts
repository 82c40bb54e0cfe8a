import { newPhone, newSession, startProduct, type RunningProduct } from './product-kit';

// A gateway that sends only the newest input (not Africa's Talking's whole path), declared by
// USSD_TEXT_MODE=last: a repeated identical input is an input, not a retry.
let p: RunningProduct;
beforeAll(async () => {
  p = await startProduct({ USSD_TEXT_MODE: 'last' });
}, 60_000); // the embedded PGlite compiles its WebAssembly at start
afterAll(async () => {
  await p.close();
});

test('a returning subscriber types 1, 1, 1 (pay, last reference, Kinshasa) and sees the bills', async () => {
  const phone = newPhone();
  const first = newSession();
  for (const text of ['', '1', '83262', '1']) await p.hop(first, phone, text);

  const again = newSession();
  expect((await p.hop(again, phone, '')).text).toMatch(/^CON REGIDESO/);
  expect((await p.hop(again, phone, '1')).text).toContain('83262');
  expect((await p.hop(again, phone, '1')).text).toContain('Kinshasa');
  expect((await p.hop(again, phone, '1')).text).toContain('MUKEBA M.');
});
