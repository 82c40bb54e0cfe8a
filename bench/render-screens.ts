import path from 'node:path';
import type { Interpreter } from '../src/ussd/interpreter';
import type { Menu } from '../src/ussd/menu/model';
import type { Logger } from '../src/logging/logger';
import type { Vars } from '../src/json';

/**
 * `npx tsx bench/render-screens.ts [CHECKOUT]`: µs to answer each screen of the bench's walk (main
 * menu, reference prompt, province list, the nine-bill list), the interpreter alone, in one
 * process: steady where `npm run bench` on a shared machine cannot tell a few µs a hop apart.
 * CHECKOUT (default this one) is a built checkout whose `dist/` and `menus/` are measured, to
 * compare two builds (`npm run build` in each first).
 */
const dir = path.resolve(process.argv[2] ?? path.join(__dirname, '..'));
/* eslint-disable @typescript-eslint/no-require-imports -- another checkout's build, chosen at run time */
const { createInterpreter } = require(path.join(dir, 'dist/ussd/interpreter.js')) as { createInterpreter: (d: { menu: Menu; minPaymentCentimes: number; logger: Logger }) => Interpreter };
const { loadMenu } = require(path.join(dir, 'dist/ussd/menu/load.js')) as { loadMenu: (dir: string) => Menu };
const { silentLogger } = require(path.join(dir, 'dist/logging/logger.js')) as { silentLogger: () => Logger };
/* eslint-enable @typescript-eslint/no-require-imports */

const interp = createInterpreter({ menu: loadMenu(path.join(dir, 'menus')), minPaymentCentimes: 10_000, logger: silentLogger() });
const bills = Array.from({ length: 9 }, (_, i) => ({ faeId: String(i), billNumber: `A${i}`, issuedOn: `2024-0${i + 1}-28`, balance: 1_786_557 + i * 1_000 }));
const screens: Array<{ screen: string; vars: Vars }> = [
  { screen: 'main', vars: { lastRef: null } },
  { screen: 'pay_ref', vars: { lastRef: null } },
  { screen: 'pay_province', vars: { lastRef: null, refClient: '62190' } },
  { screen: 'pay_bills', vars: { lastRef: null, refClient: '62190', province: 'KIN', subscriberName: 'MBUYI KALALA', bills, total: 16_115_013, billCount: 9 } },
];

console.log(`render-screens: ${dir}`);
for (const { screen, vars } of screens) {
  const answer = () => interp.answer({ language: 'fr', screen, page: 0, history: [], vars, ended: false });
  for (let i = 0; i < 20_000; i++) answer();
  const n = 100_000;
  const t = process.hrtime.bigint();
  for (let i = 0; i < n; i++) answer();
  console.log(`  ${screen.padEnd(14)} ${(Number(process.hrtime.bigint() - t) / n / 1000).toFixed(2)} µs`);
}
