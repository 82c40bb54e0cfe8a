import { isGsm7, SCREEN_LIMIT } from '../../src/gsm7';
import { newPhone, newSessionId, startWorld, type World } from './world';

/**
 * Thousands of hops of random and hostile input over the whole menu graph: no exception, no screen
 * over the limit or outside GSM-7, no dead end. On real Redis: the embedded in-memory Redis runs
 * each Lua script in a JavaScript Lua interpreter (milliseconds a script), and the hop store's
 * scripts are tested on it on their own (test/sessions).
 */
let w: World;
beforeAll(async () => {
  w = await startWorld();
});
afterAll(async () => {
  await w.close();
});

/** A small seeded generator, so a failure can be replayed. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const HOSTILE = ['0', '00', '99', '', ' ', '*', '#', '**', 'abc', '1*2', '-1', '1.5', '000', '9'.repeat(40), 'x'.repeat(300), 'é', 'ê', '%00', '\u0000', '<script>', "'; DROP", '83262', '70315', '41007', '55120', '91844', 'C999999', '5000', '100', '24311'];

const PROVINCE_OF: Record<string, string> = { '83262': '1', '91844': '1', '70315': '2', '55120': '3', '41007': '4' };

test('3000 random hops: no exception, every screen fits, none is a dead end', async () => {
  const random = rng(20240731);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)] as T;
  let sessionId = newSessionId();
  let phoneNumber = newPhone();
  let inputs: string[] = [];
  let answer = await w.engine.handle({ sessionId, phoneNumber, serviceCode: '*123#', text: '' });
  const seen = new Set<string>();
  for (let hop = 0; hop < 3000; hop++) {
    if (answer.startsWith('END ') || inputs.length > 25) {
      sessionId = newSessionId();
      if (random() < 0.3) phoneNumber = newPhone();
      inputs = [];
      answer = await w.engine.handle({ sessionId, phoneNumber, serviceCode: '*123#', text: '' });
      continue;
    }
    const offered = [...answer.matchAll(/^(\d+)\. /gm)].map((m) => m[1] as string);
    // On the province list after a known reference, mostly pick its province so the walk goes deep.
    const known = PROVINCE_OF[inputs[inputs.length - 1] ?? ''];
    const input = known !== undefined && answer.includes('1. Kinshasa') && random() < 0.7 ? known : offered.length > 0 && random() < 0.7 ? pick(offered) : pick(HOSTILE);
    inputs.push(input);
    const text = random() < 0.05 ? inputs.slice(0, -1).join('*') : inputs.join('*'); // sometimes a retry
    answer = await w.engine.handle({ sessionId, phoneNumber, serviceCode: '*123#', text });
    const where = `hop ${hop}, text ${JSON.stringify(text)}: ${answer}`;
    const body = answer.slice(4);
    expect({ where, ok: /^(CON|END) /.test(answer) && body.length <= SCREEN_LIMIT && isGsm7(body) && body.trim() !== '' }).toEqual({ where, ok: true });
    if (answer.startsWith('CON ')) {
      // A way on: a numbered option, or back/home (every screen but the main menu shows them).
      const wayOn = /^\d+\. /m.test(body) || /0\.\S+ 00\.\S+/.test(body);
      expect({ where, wayOn }).toEqual({ where, wayOn: true });
    }
    for (const line of body.split('\n')) seen.add(line);
  }
  // The walk went deep: bills lists, amounts and confirmations were all reached.
  const firstLines = [...seen].join('\n');
  expect(firstLines).toMatch(/Total à payer|Total due|Jumla ya kulipa|Nyonso ya kofuta/);
  expect(firstLines).toMatch(/Payer \d|Pay \d|Lipa \d|Kofuta \d/);
}, 120_000);
