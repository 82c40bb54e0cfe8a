import { newSession, type RunningProduct } from './product-kit';

/** One new session typed hop by hop as the gateway posts it (`""`, `1`, `1*83262`, …): every screen, in order. */
export async function walkSession(p: RunningProduct, phone: string, inputs: string[]): Promise<string[]> {
  const sessionId = newSession();
  const screens: string[] = [];
  let text = '';
  for (const [i, input] of ['', ...inputs].entries()) {
    text = i === 0 ? '' : i === 1 ? input : `${text}*${input}`;
    const res = await p.hop(sessionId, phone, text);
    expect(res.status).toBe(200);
    screens.push(res.text);
  }
  return screens;
}
