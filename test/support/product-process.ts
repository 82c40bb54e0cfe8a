import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { freePort } from './processes';

const ROOT = path.join(__dirname, '../..');

/**
 * The product as a process of its own (src/main.ts through tsx, as `npm run dev`), on a port of its own,
 * from an environment given here (only PATH is inherited): what an instance behind a load balancer
 * is. A test may kill it with SIGKILL to see what a crash leaves behind.
 */
export interface ProductProcess {
  port: number;
  /** The product's own process id (BullMQ records `<hostname>:<pid>` on the jobs it runs). */
  pid: number;
  baseUrl: string;
  /** stdout and stderr so far (the logs), for a failing test to show. */
  output(): string;
  /** Resolves with the exit code (null after a signal). */
  exited: Promise<number | null>;
  /** Polls /readyz until 200; jest's timeout is the bound. */
  ready(): Promise<void>;
  /** A USSD hop as Africa's Talking posts it; resolves with the status and the body. */
  hop(sessionId: string, phoneNumber: string, text: string): Promise<{ status: number; text: string }>;
  get(p: string): Promise<Response>;
  /** SIGKILL: no drain, no shutdown; in-flight work is left where it was. */
  kill9(): Promise<void>;
  /** SIGTERM and wait for the exit (a process already gone is fine). */
  stop(): Promise<void>;
}

export async function spawnProduct(env: Record<string, string>): Promise<ProductProcess> {
  const port = await freePort();
  // Node itself with tsx's loader, not the tsx command: that one runs the product in a child process
  // of its own, which a SIGKILL of the command would leave running.
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], { cwd: ROOT, env: { PATH: process.env.PATH ?? '', ...env, PORT: String(port) }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (b: Buffer) => (output += b.toString()));
  child.stderr?.on('data', (b: Buffer) => (output += b.toString()));
  let alive = true;
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => {
      alive = false;
      resolve(code);
    }),
  );
  const baseUrl = `http://127.0.0.1:${port}`;
  if (child.pid === undefined) throw new Error('the product process did not start');
  const pid = child.pid;
  const signal = async (sig: NodeJS.Signals) => {
    if (alive) child.kill(sig);
    await exited;
  };
  return {
    port,
    pid,
    baseUrl,
    output: () => output,
    exited,
    async ready() {
      for (;;) {
        if (!alive) throw new Error(`the product on ${port} exited before it was ready:\n${output}`);
        const res = await fetch(`${baseUrl}/readyz`).catch(() => undefined);
        if (res?.status === 200) return;
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    async hop(sessionId, phoneNumber, text) {
      const res = await fetch(`${baseUrl}/ussd`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ sessionId, serviceCode: '*123#', phoneNumber, networkCode: '63001', text }).toString(),
      });
      return { status: res.status, text: await res.text() };
    },
    get: (p) => fetch(`${baseUrl}${p}`),
    kill9: () => signal('SIGKILL'),
    stop: () => signal('SIGTERM'),
  };
}
