import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { z } from 'zod';
import { isGsm7, SCREEN_LIMIT } from '../../src/gsm7';
import { LANGUAGES } from '../../src/language';
import { PROVINCE_CODES } from '../../src/provinces';
import { newPhone, newSessionId, startWorld, type World } from './world';

/**
 * Scenario files (`transcripts/*.yaml`): each step types something on the phone and lists fragments
 * the answer must (and must not) contain. They run against the engine with the real sandbox
 * REGIDESO, the real client and real Redis; only the payment service is a recording stand-in.
 */
const fault = z.enum(['error500', 'reset']).or(z.object({ hang: z.int() }));
const step = z
  .object({
    dial: z.literal(true).optional(),
    input: z.string().optional(),
    text: z.string().optional(),
    retry: z.literal(true).optional(),
    serviceCode: z.string().optional(),
    newSession: z.literal(true).optional(),
    advanceSeconds: z.number().optional(),
    faults: z.partialRecord(z.enum(['getFact', 'payFact', 'verify']), z.array(fault)).optional(),
    payment: z.record(z.string(), z.unknown()).optional(),
    expect: z.array(z.string()).default([]),
    absent: z.array(z.string()).default([]),
    end: z.boolean().default(false),
  })
  .strict();
const transcript = z
  .object({
    name: z.string(),
    prefs: z
      .object({
        language: z.enum(LANGUAGES).optional(),
        lastRef: z.string().optional(),
        /** References this phone has paid before the transcript starts. */
        /** The last one listed is the most recent (the first screen's saved account). */
        paidRefs: z.array(z.object({ ref: z.string(), province: z.enum(PROVINCE_CODES), maskedName: z.string().default('') })).optional(),
      })
      .optional(),
    steps: z.array(step),
    payments: z.int().optional(),
    paymentRequest: z.record(z.string(), z.unknown()).optional(),
  })
  .strict();

const dir = path.join(__dirname, 'transcripts');
const files = readdirSync(dir).filter((f) => f.endsWith('.yaml')).sort();

let w: World;
beforeAll(async () => {
  w = await startWorld();
});
afterAll(async () => {
  await w.close();
});

test('there are transcripts', () => {
  expect(files.length).toBeGreaterThanOrEqual(6);
});

describe.each(files)('%s', (file) => {
  const t = transcript.parse(YAML.parse(readFileSync(path.join(dir, file), 'utf8')));
  test(t.name, async () => {
    const phoneNumber = newPhone();
    if (t.prefs?.language !== undefined) await w.prefs.setLanguage(phoneNumber, t.prefs.language);
    if (t.prefs?.lastRef !== undefined) await w.prefs.setLastRef(phoneNumber, t.prefs.lastRef);
    for (const p of t.prefs?.paidRefs ?? []) await w.prefs.rememberPaidRef(phoneNumber, { ...p, at: Date.now() });
    w.clock.offsetMs = 0;
    w.payments.calls.length = 0;
    w.payments.next.length = 0;
    let sessionId = newSessionId();
    let inputs: string[] = [];
    let lastText = '';
    for (const [i, s] of t.steps.entries()) {
      if (s.newSession) {
        sessionId = newSessionId();
        inputs = [];
      }
      if (s.advanceSeconds !== undefined) w.clock.offsetMs += s.advanceSeconds * 1000;
      for (const [endpoint, list] of Object.entries(s.faults ?? {})) {
        for (const f of list) w.sandbox.faults[endpoint as 'getFact'].push(typeof f === 'string' ? { kind: f } : { kind: 'hang', ms: f.hang });
      }
      if (s.payment !== undefined) w.payments.next.push(s.payment as never);
      let text: string;
      if (s.retry) text = lastText;
      else if (s.text !== undefined) text = s.text;
      else if (s.input !== undefined) {
        inputs.push(s.input);
        text = inputs.join('*');
      } else if (s.dial) text = '';
      else continue;
      lastText = text;
      const answer = await w.engine.handle({ sessionId, phoneNumber, serviceCode: s.serviceCode ?? '*123#', text });
      const where = `${file} step ${i + 1} (text ${JSON.stringify(text)}):\n${answer}`;
      const body = answer.slice(4);
      expect({ where, prefix: answer.slice(0, 4) }).toEqual({ where, prefix: s.end ? 'END ' : 'CON ' });
      expect({ where, fits: body.length <= SCREEN_LIMIT, gsm7: isGsm7(body) }).toEqual({ where, fits: true, gsm7: true });
      for (const e of s.expect) expect({ where, contains: e, found: answer.includes(e) }).toEqual({ where, contains: e, found: true });
      for (const e of s.absent) expect({ where, absent: e, found: answer.includes(e) }).toEqual({ where, absent: e, found: false });
    }
    if (t.payments !== undefined) expect(w.payments.calls).toHaveLength(t.payments);
    if (t.paymentRequest !== undefined) expect(w.payments.calls[0]).toMatchObject(t.paymentRequest);
  });
});
