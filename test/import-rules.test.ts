import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/**
 * The import rules `npm run lint` checks (.dependency-cruiser.cjs), run as lint runs them
 * (`depcruise src`, the repo's config) on a small tree shaped like src/: the tree as it should be
 * passes, and each kind of import the rules forbid fails lint with the rule's name.
 */
const ROOT = path.resolve(__dirname, '..');
const DEPCRUISE = path.join(ROOT, 'node_modules', '.bin', 'depcruise');

/** A tree that keeps the rules: the top imports down, areas import lower areas and the shared root files. */
const CLEAN: Record<string, string> = {
  'src/money.ts': 'export type Centimes = number;\n',
  'src/logging/logger.ts': "export const log = (s: string): string => s;\n",
  'src/db/types.ts': "import type { Centimes } from '../money';\nexport type Row = { c: Centimes };\n",
  'src/texts/catalogue.ts': "export const text = (k: string): string => k;\n",
  'src/payments/ledger.ts': "import type { Row } from '../db/types';\nimport { text } from '../texts/catalogue';\nexport const write = (r: Row): string => text(String(r.c));\n",
  'src/sms/store.ts': "import { write } from '../payments/ledger';\nimport { log } from '../logging/logger';\nexport const queue = (): string => log(write({ c: 1 }));\n",
  'src/regideso/sandbox/server.ts': 'export const startSandbox = (): number => 1;\n',
  'src/http/app.ts': "import { queue } from '../sms/store';\nexport const app = (): string => queue();\n",
  'src/compose.ts': "import { app } from './http/app';\nimport { startSandbox } from './regideso/sandbox/server';\nexport const compose = (): string => app() + String(startSandbox());\n",
};

let dir: string;

function lint(extra: Record<string, string>): { status: number | null; out: string } {
  rmSync(path.join(dir, 'src'), { recursive: true, force: true });
  for (const [file, body] of Object.entries({ ...CLEAN, ...extra })) {
    mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    writeFileSync(path.join(dir, file), body);
  }
  const r = spawnSync(DEPCRUISE, ['src', '--config', path.join(ROOT, '.dependency-cruiser.cjs')], { cwd: dir, encoding: 'utf8' });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'import-rules-'));
  writeFileSync(path.join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions: { module: 'node16', moduleResolution: 'node16', strict: true } }));
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

test('a tree that keeps the layering passes', () => {
  const r = lint({});
  expect(r.out).not.toMatch(/error/);
  expect(r.status).toBe(0);
});

test('a lower area importing a higher one fails', () => {
  const r = lint({ 'src/payments/ledger.ts': "import { queue } from '../sms/store';\nexport const write = (): string => queue();\n" });
  expect(r.status).not.toBe(0);
  expect(r.out).toMatch(/error layer-payments: src\/payments\/ledger\.ts → src\/sms\/store\.ts/);
});

test('a cycle between areas fails, even through type-only imports', () => {
  const r = lint({ 'src/texts/catalogue.ts': "import type { Row } from '../db/types';\nimport type { write } from '../payments/ledger';\nexport type W = typeof write;\nexport const text = (k: string, _r?: Row): string => k;\n" });
  expect(r.status).not.toBe(0);
  expect(r.out).toMatch(/error no-area-cycle: src\/(texts|payments) →/);
  expect(r.out).toMatch(/error layer-texts: src\/texts\/catalogue\.ts → src\/payments\/ledger\.ts/);
});

test('two areas of one line importing each other fail', () => {
  const r = lint({ 'src/sessions/keys.ts': "export const key = (s: string): string => s;\n", 'src/regideso/client.ts': "import { key } from '../sessions/keys';\nexport const get = (): string => key('a');\n" });
  expect(r.status).not.toBe(0);
  expect(r.out).toMatch(/error layer-collections-regideso-sessions[^:]*: src\/regideso\/client\.ts → src\/sessions\/keys\.ts/);
});

test('a shared root file importing an area fails', () => {
  const r = lint({ 'src/money.ts': "import { log } from './logging/logger';\nimport type { Row } from './db/types';\nexport type Centimes = number;\nexport type R = Row;\nexport const l = log;\n" });
  expect(r.status).not.toBe(0);
  expect(r.out).toMatch(/error bottom-imports-no-area: src\/money\.ts → src\/db\/types\.ts/);
  // logging/ is below every area too, and may be used by the root files.
  expect(r.out).not.toMatch(/src\/money\.ts → src\/logging/);
});

test('a sandbox imported by anything but compose.ts fails', () => {
  const r = lint({ 'src/http/app.ts': "import { queue } from '../sms/store';\nimport { startSandbox } from '../regideso/sandbox/server';\nexport const app = (): string => queue() + String(startSandbox());\n" });
  expect(r.status).not.toBe(0);
  expect(r.out).toMatch(/error sandboxes-only-from-compose: src\/http\/app\.ts → src\/regideso\/sandbox\/server\.ts/);
});

test('a run-time cycle between modules of one area fails', () => {
  const r = lint({
    'src/sms/a.ts': "import { b } from './b';\nexport const a = (): string => b();\n",
    'src/sms/b.ts': "import { a } from './a';\nexport const b = (): string => 'b' + String(typeof a);\n",
  });
  expect(r.status).not.toBe(0);
  expect(r.out).toMatch(/error no-runtime-cycle: src\/sms\/(a|b)\.ts →/);
});
