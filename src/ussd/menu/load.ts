import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import type { z } from 'zod';
import { LANGUAGES, type Language } from '../../language';
import { isMessageNamespace } from '../../texts/messages';
import { lintMenu } from './lint';
import type { Menu } from './model';
import { langFileSchema, menuFileSchema, screensFileSchema, type Screen } from './schema';

export interface MenuFault {
  file: string;
  screen?: string;
  message: string;
}

export function formatFault(f: MenuFault): string {
  return `${f.file}${f.screen === undefined ? '' : ` (screen "${f.screen}")`}: ${f.message}`;
}

export class MenuLoadError extends Error {
  constructor(readonly faults: MenuFault[]) {
    super(`invalid menu:\n${faults.map((f) => `  - ${formatFault(f)}`).join('\n')}`);
    this.name = 'MenuLoadError';
  }
}

type Parsed<T> = { ok: true; value: T } | { ok: false };

function parseFile<S extends z.ZodType>(file: string, rel: string, schema: S, faults: MenuFault[]): Parsed<z.infer<S>> {
  let raw: unknown;
  try {
    raw = YAML.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    faults.push({ file: rel, message: `not readable YAML: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}` });
    return { ok: false };
  }
  const res = schema.safeParse(raw);
  if (res.success) return { ok: true, value: res.data };
  for (const issue of res.error.issues) {
    const screen = issue.path[0] === 'screens' && typeof issue.path[1] === 'string' ? issue.path[1] : undefined;
    const where = issue.path.slice(screen === undefined ? 0 : 2).join('.');
    faults.push({ file: rel, ...(screen === undefined ? {} : { screen }), message: `${where === '' ? '' : `${where}: `}${issue.message}` });
  }
  return { ok: false };
}

/** Reads and checks a menu folder; every fault is collected so one run shows them all. */
export function checkMenu(dir: string): { menu: Menu | undefined; faults: MenuFault[] } {
  const faults: MenuFault[] = [];
  const hash = createHash('sha256');
  const rel = (f: string) => path.relative(process.cwd(), f) || f;
  const menuPath = path.join(dir, 'menu.yaml');
  if (!existsSync(menuPath)) return { menu: undefined, faults: [{ file: rel(menuPath), message: 'missing' }] };
  hash.update(readFileSync(menuPath));
  const root = parseFile(menuPath, rel(menuPath), menuFileSchema, faults);

  const screens: Record<string, Screen> = {};
  const files: Record<string, string> = {};
  const screensDir = path.join(dir, 'screens');
  const screenFiles = existsSync(screensDir) ? readdirSync(screensDir).filter((f) => /\.ya?ml$/.test(f)).sort() : [];
  if (screenFiles.length === 0) faults.push({ file: rel(screensDir), message: 'no screen file (screens/*.yaml)' });
  for (const f of screenFiles) {
    const file = path.join(screensDir, f);
    hash.update(f).update(readFileSync(file));
    const parsed = parseFile(file, rel(file), screensFileSchema, faults);
    if (!parsed.ok) continue;
    for (const [id, screen] of Object.entries(parsed.value.screens)) {
      if (files[id] !== undefined) faults.push({ file: rel(file), screen: id, message: `already defined in ${files[id]}` });
      screens[id] = screen;
      files[id] = rel(file);
    }
  }

  const texts = {} as Record<Language, Record<string, string>>;
  for (const lang of LANGUAGES) {
    const file = path.join(dir, 'lang', `${lang}.yaml`);
    texts[lang] = {};
    if (!existsSync(file)) {
      faults.push({ file: rel(file), message: `missing: every language (${LANGUAGES.join(', ')}) needs its text file` });
      continue;
    }
    const parsed = parseFile(file, rel(file), langFileSchema, faults);
    if (!parsed.ok) continue;
    texts[lang] = parsed.value;
    // The version says which screens a session was walking: the texts sent outside screens (SMS,
    // HTTP) are left out, so rewording a receipt does not end the sessions in progress at a deploy.
    const screenTexts = Object.entries(parsed.value).filter(([key]) => !isMessageNamespace(key));
    hash.update(lang).update(JSON.stringify(screenTexts));
  }

  if (!root.ok || faults.length > 0) return { menu: undefined, faults };
  const menu: Menu = {
    version: `${root.value.version}+${hash.digest('hex').slice(0, 8)}`,
    start: root.value.start,
    screens,
    variables: root.value.variables,
    open: root.value.open,
    dialReference: root.value.dialReference,
    resumable: root.value.resumable,
    texts,
    files,
  };
  const lint = lintMenu(menu, { dir: rel(dir), langFile: (l) => rel(path.join(dir, 'lang', `${l}.yaml`)), menuFile: rel(menuPath) });
  return { menu: lint.length === 0 ? menu : undefined, faults: lint };
}

/** Loads the menu for serving; refuses (throws, naming file and screen) on any fault. */
export function loadMenu(dir: string): Menu {
  const { menu, faults } = checkMenu(dir);
  if (menu === undefined) throw new MenuLoadError(faults);
  return menu;
}
