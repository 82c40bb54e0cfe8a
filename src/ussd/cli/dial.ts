import { randomUUID } from 'node:crypto';
import { createInterface } from 'node:readline/promises';

/**
 * `npm run dial -- [--url http://localhost:3000/ussd] [--phone +243812345678] [--code *123#]`:
 * a terminal phone for people changing menus. Posts each hop as Africa's Talking does (the whole
 * path in `text`) and shows the screen; type `q` to hang up.
 */
function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? (process.argv[i + 1] ?? fallback) : fallback;
}

async function main(): Promise<void> {
  const url = arg('url', 'http://localhost:3000/ussd');
  const phone = arg('phone', '+243812345678');
  const serviceCode = arg('code', '*123#');
  const sessionId = `dial-${randomUUID()}`;
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  // An iterator (not rl.question) so piped input — a scripted session — is not lost between hops.
  const lines = rl[Symbol.asyncIterator]();
  const inputs: string[] = [];
  try {
    for (;;) {
      const body = new URLSearchParams({ sessionId, serviceCode, phoneNumber: phone, networkCode: '63902', text: inputs.join('*') });
      const res = await fetch(url, { method: 'POST', body, headers: { 'content-type': 'application/x-www-form-urlencoded' } });
      const answer = await res.text();
      const screen = answer.replace(/^(CON|END) /, '');
      console.log(`\n+${'-'.repeat(30)}+ ${res.status} ${screen.length} chars\n${screen}\n+${'-'.repeat(30)}+`);
      if (!answer.startsWith('CON ')) break;
      process.stdout.write('> ');
      const next = await lines.next();
      if (next.done === true) break;
      const typed = String(next.value).trim();
      if (typed === 'q') break;
      inputs.push(typed);
    }
  } finally {
    rl.close();
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exitCode = 1;
});
