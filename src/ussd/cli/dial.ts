import { randomUUID } from 'node:crypto';
import { createInterface } from 'node:readline/promises';
import { splitDialString } from '../dial-string';
import { ussdUrl } from './dial-url';

/**
 * `npm run dial -- [--url http://localhost:3000] [--phone +243812345678] [--code *123#] [--network 63001]`:
 * a terminal phone for people changing menus. Posts each hop as Africa's Talking does (the whole
 * path in `text`) and shows the screen; type `q` to hang up. A code with more after the service
 * code (`--code '*123*83262#'`) is split as the gateway splits it: service code `*123#`, first `text` `83262`. The browser phone at
 * http://localhost:3000/ does the same with a keypad and an SMS inbox.
 */
function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? (process.argv[i + 1] ?? fallback) : fallback;
}

/** Node's fetch says only `fetch failed`; the cause says whether anything listens at all. */
function noServer(err: unknown): boolean {
  const cause: unknown = err instanceof Error ? err.cause : undefined;
  const code = typeof cause === 'object' && cause !== null && 'code' in cause ? cause.code : undefined;
  return code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'ECONNRESET';
}

async function main(): Promise<void> {
  const given = arg('url', 'http://localhost:3000');
  const url = ussdUrl(given);
  if (url === undefined) {
    console.error(`--url wants the server's address, such as http://localhost:3000 (got "${given}")`);
    process.exitCode = 2;
    return;
  }
  const phone = arg('phone', '+243812345678');
  const dialled = arg('code', '*123#');
  const split = splitDialString(dialled);
  const serviceCode = split?.serviceCode ?? dialled;
  const networkCode = arg('network', '63001');
  const sessionId = `dial-${randomUUID()}`;
  console.log(`Dialling ${dialled} from ${phone} (network ${networkCode}) at ${url}; --phone, --code and --url change them, q hangs up.`);
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  // An iterator (not rl.question) so piped input — a scripted session — is not lost between hops.
  const lines = rl[Symbol.asyncIterator]();
  const inputs: string[] = [...(split?.inputs ?? [])];
  try {
    for (;;) {
      const body = new URLSearchParams({ sessionId, serviceCode, phoneNumber: phone, networkCode, text: inputs.join('*') });
      let res: Response;
      try {
        res = await fetch(url, { method: 'POST', body, headers: { 'content-type': 'application/x-www-form-urlencoded' } });
      } catch (err) {
        if (!noServer(err)) throw err;
        console.error(`No server answers at ${url}.\nStart one in another terminal with \`npm start\` (or \`npm run dev\`), or point --url at a running one.`);
        process.exitCode = 1;
        return;
      }
      if (res.status === 401) {
        console.error(`${url} wants the webhook token: --url http://HOST/<WEBHOOK_TOKEN>/`);
        process.exitCode = 1;
        return;
      }
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
