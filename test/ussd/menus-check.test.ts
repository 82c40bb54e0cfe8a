import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Language } from '../../src/language';
import { CatalogueError, createMessages } from '../../src/texts/catalogue';
import { isMessageNamespace } from '../../src/texts/messages';
import { checkMenu, loadMenu, MenuLoadError } from '../../src/ussd/menu/load';
import { menuToMermaid } from '../../src/ussd/menu/graph';
import { lintMenu } from '../../src/ussd/menu/lint';
import type { Menu } from '../../src/ussd/menu/model';

const root = path.join(__dirname, '../..');
const fixtures = path.join(root, 'test/fixtures/menus');

/** Runs a real CLI, as `npm run menus:check <folder>` does. */
function cli(script: string, ...args: string[]): { status: number | null; out: string; stdout: string } {
  const res = spawnSync(process.execPath, ['--import', 'tsx', `src/ussd/cli/${script}.ts`, ...args], { cwd: root, encoding: 'utf8' });
  return { status: res.status, out: `${res.stdout}${res.stderr}`, stdout: res.stdout };
}
const menusCheck = (folder: string) => cli('menus-check', folder);

test('the product menu passes with every text it sends, and a valid fixture (screens alone) passes', () => {
  const product = menusCheck('menus');
  expect(product).toMatchObject({ status: 0 });
  expect(product.out).toMatch(/66 screens, 59 texts sent outside screens \(SMS, HTTP\), 4 languages/);
  expect(menusCheck('test/fixtures/menus/valid')).toMatchObject({ status: 0 });
}, 30_000);

test('one run reports every fault: a dangling option, an unreachable screen and over-long screens together', () => {
  const { status, out } = menusCheck('test/fixtures/menus/structural-and-length');
  expect(status).toBe(1);
  expect(out).toMatch(/\(screen "main"\): 1 leads to "nowhere", which is not defined \(dangling\)/);
  expect(out).toMatch(/\(screen "orphan"\): unreachable from the start screen/);
  for (const lang of ['fr', 'en', 'sw', 'ln']) {
    expect(out).toMatch(new RegExp(`\\(screen "done"\\): \\[${lang}\\] the screen can reach 191 characters`));
  }
  expect(out).toMatch(/10 fault\(s\)/);
}, 30_000);

test('menus:graph --out writes the graph to the file, not to stdout, and says where', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'menus-graph-'));
  try {
    const file = path.join(dir, 'menu.mmd');
    const res = cli('menus-graph', '--out', file);
    expect(res.status).toBe(0);
    expect(res.stdout).toContain(`written to ${file}`);
    expect(res.stdout).not.toContain('flowchart');
    const graph = readFileSync(file, 'utf8');
    expect(graph.startsWith('flowchart TD\n')).toBe(true);
    expect(graph).toContain('main -->|1| pay_ref');
    expect(cli('menus-graph', '--out').status).toBe(2);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}, 30_000);

test.each([
  ['dangling', /screens\/main\.yaml \(screen "main"\): 1 leads to "nowhere", which is not defined \(dangling\)/],
  ['unreachable', /screens\/main\.yaml \(screen "orphan"\): unreachable from the start screen/],
  ['non-gsm7', /lang\/fr\.yaml: "main\.go" has characters outside GSM-7: "ê"/],
  ['missing-translation', /lang\/sw\.yaml: missing translation for "ask\.invalid"/],
  // The whole answer is measured: the 187-character text plus its "END ".
  ['over-long', /screens\/main\.yaml \(screen "done"\): \[fr\] the screen can reach 191 characters \(limit 182, "CON "\/"END " included\)/],
  // A list page of 180 characters with its error line: 184 once "CON " is added (the QA's bill list).
  ['over-long-list', /screens\/main\.yaml \(screen "things"\): \[fr\] a page holding one item, with its error line, can reach 184 characters/],
  ['reserved-key', /\(screen "ask"\): the input would accept "0", which is back/],
  ['bad-schema', /screens\/main\.yaml \(screen "done"\): type:/],
  // The key that pays is the key that led to the confirmation, or a value typed on the way to it.
  ['confirm-same-key', /\(screen "confirm"\): key 1 pays here, and 1 on "main" leads here/],
  ['confirm-same-key', /\(screen "confirm"\): key 1 pays here, and "ask" would take "1" typed there/],
  // A misspelt store name, though declared, is read by no action (fetchBills reads refClient) and shown by no screen.
  ['unknown-store', /screens\/main\.yaml \(screen "ask"\): stores "refClinet", which no action reads and no screen shows or tests/],
])('menus:check refuses %s with a precise message', (name, message) => {
  const { status, out } = menusCheck(`test/fixtures/menus/${name}`);
  expect(status).toBe(1);
  expect(out).toMatch(message);
}, 30_000);

test('the product menu with its confirmation paying on 1 again (the key of "exact balance") is refused', () => {
  const menu = loadMenu(path.join(root, 'menus'));
  const confirm = menu.screens.pay_confirm;
  if (confirm?.type !== 'menu') throw new Error('pay_confirm is not a menu');
  const yes = confirm.options.find((o) => o.next === 'pay_submit');
  const others = confirm.options.filter((o) => o !== yes);
  if (yes === undefined) throw new Error('no confirming option');
  const where = { dir: 'menus', menuFile: 'menus/menu.yaml', langFile: (l: string) => `menus/lang/${l}.yaml` };
  const unfixed = (o: (typeof confirm.options)[number]) => ({ label: o.label, next: o.next, ...(o.set ? { set: o.set } : {}), ...(o.when ? { when: o.when } : {}) });
  const faults = lintMenu({ ...menu, screens: { ...menu.screens, pay_confirm: { ...confirm, options: [yes, ...others].map(unfixed) } } }, where);
  expect(faults.map((f) => f.message)).toContain('key 1 pays here, and 1 on "pay_amount" leads here: a repeated 1 would pay (confirm with another key)');
  expect(lintMenu(menu, where)).toEqual([]);
});

test('the screens menu.yaml names for a session\'s opening and for resuming must be of the right kind', () => {
  const menu = loadMenu(path.join(root, 'menus'));
  const where = { dir: 'menus', menuFile: 'menus/menu.yaml', langFile: (l: string) => `menus/lang/${l}.yaml` };
  const messages = lintMenu({ ...menu, open: 'main', dialReference: 'pay_province', resumable: ['pay_submit', 'nowhere'] }, where).map((f) => f.message);
  expect(messages).toEqual(
    expect.arrayContaining([
      'open screen "main" must be an action screen',
      'dialReference screen "pay_province" must be an input screen',
      'resumable screen "pay_submit" must be shown (not an action)',
      'resumable screen "nowhere" is not defined',
    ]),
  );
  // The open action's screens are reached from it, not from the start screen.
  expect(lintMenu({ ...menu, open: undefined, dialReference: undefined }, where).map((f) => f.message)).toContain('unreachable from the start screen');
});

test('without its fixed keys, the confirmation would pay on 1 whenever "other amount" is hidden: refused', () => {
  const menu = loadMenu(path.join(root, 'menus'));
  const confirm = menu.screens.pay_confirm;
  if (confirm?.type !== 'menu') throw new Error('pay_confirm is not a menu');
  // Visible options are numbered from 1: "confirm" is 2 only while the option above it shows.
  const options = confirm.options.map((o) => ({ label: o.label, next: o.next, ...(o.when ? { when: o.when } : {}) }));
  const where = { dir: 'menus', menuFile: 'menus/menu.yaml', langFile: (l: string) => `menus/lang/${l}.yaml` };
  const faults = lintMenu({ ...menu, screens: { ...menu.screens, pay_confirm: { ...confirm, options } } }, where);
  expect(faults.map((f) => f.message)).toContain('key 1 pays here, and 1 on "pay_amount" leads here: a repeated 1 would pay (confirm with another key)');
});

test('a value a screen shows or tests must be set by some action, input or option', () => {
  const menu = loadMenu(path.join(root, 'menus'));
  const where = { dir: 'menus', menuFile: 'menus/menu.yaml', langFile: (l: string) => `menus/lang/${l}.yaml` };
  const amount = menu.screens.pay_amount;
  if (amount?.type !== 'menu') throw new Error('pay_amount is not a menu');
  // Declared with its length, so only the check against the actions' `sets` refuses it.
  const ghostly: Menu = {
    ...menu,
    variables: { ...menu.variables, walletLimit: { maxLength: 18 } },
    screens: { ...menu.screens, pay_amount: { ...amount, options: amount.options.map((o, i) => (i === 0 ? { ...o, when: 'walletLimit' } : o)) } },
  };
  expect(lintMenu(ghostly, where).map((f) => `${f.screen ?? ''}: ${f.message}`)).toContain('pay_amount: uses "walletLimit", which no action, input or option sets');
  // What the actions declare they set is enough for every name the product menu uses.
  expect(lintMenu(menu, where)).toEqual([]);
});

test('loadMenu refuses an invalid menu at start-up, naming file and screen', () => {
  expect(() => loadMenu(path.join(fixtures, 'dangling'))).toThrow(MenuLoadError);
  expect(() => loadMenu(path.join(fixtures, 'dangling'))).toThrow(/screens\/main\.yaml \(screen "main"\)/);
});

test('a menu version changes with the content', () => {
  const a = checkMenu(path.join(fixtures, 'valid')).menu;
  const b = checkMenu(path.join(fixtures, 'over-long')).menu;
  expect(a?.version).toMatch(/^t\+[0-9a-f]{8}$/);
  expect(b).toBeUndefined();
  expect(checkMenu(path.join(fixtures, 'valid')).menu?.version).toBe(a?.version);
});

test('rewording an SMS keeps the menu version (sessions in progress go on); rewording a screen makes a new one', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'menus-version-'));
  try {
    cpSync(path.join(root, 'menus'), dir, { recursive: true });
    const fr = path.join(dir, 'lang', 'fr.yaml');
    const original = readFileSync(fr, 'utf8');
    const version = loadMenu(dir).version;
    writeFileSync(fr, original.replace("n'a pas abouti. Aucun montant", "n'a pas pu aboutir. Aucun montant"));
    const reworded = loadMenu(dir);
    expect(reworded.texts.fr['sms.notice.failed']).toContain("n'a pas pu aboutir");
    expect(reworded.version).toBe(version);
    writeFileSync(fr, original.replace('main.pay: Payer une facture', 'main.pay: Payer ma facture'));
    expect(loadMenu(dir).version).not.toBe(version);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the graph names every screen and edge', () => {
  const menu = loadMenu(path.join(root, 'menus'));
  const graph = menuToMermaid(menu);
  expect(graph.startsWith('flowchart TD')).toBe(true);
  for (const id of Object.keys(menu.screens)) expect(graph).toContain(`  ${id}`);
  expect(graph).toContain('pay_fetch -->|not_found| pay_not_found');
  expect(graph).toContain('main -->|1| pay_ref');
});

describe('the texts sent outside screens (sms.*, http.*)', () => {
  const product = loadMenu(path.join(root, 'menus'));
  const where = { dir: 'menus', menuFile: 'menus/menu.yaml', langFile: (l: string) => `menus/lang/${l}.yaml` };
  /** The product's catalogue with some texts changed (undefined: removed) in one language. */
  const withTexts = (lang: Language, changes: Record<string, string | undefined>): Menu => {
    const texts = { ...product.texts[lang] };
    for (const [k, v] of Object.entries(changes)) {
      if (v === undefined) delete texts[k];
      else texts[k] = v;
    }
    return { ...product, texts: { ...product.texts, [lang]: texts } };
  };
  const faultsOf = (menu: Menu) => lintMenu(menu, where).map((f) => `${f.file}: ${f.message}`);

  it('the product catalogue holds them all, and the renderer takes it', () => {
    expect(lintMenu(product, where)).toEqual([]);
    expect(() => createMessages(product)).not.toThrow();
  });

  it.each([
    ['a character outside GSM-7', 'fr', { 'sms.notice.failed': 'REGIDESO: paiement de {amount|money} (réf {refClient}) non abouti. Rêvez.' }, 'menus/lang/fr.yaml: "sms.notice.failed" has characters outside GSM-7: "ê"'],
    ['curly quotes', 'en', { 'sms.keyword.unavailable': 'REGIDESO: \u201cunavailable\u201d.' }, 'menus/lang/en.yaml: "sms.keyword.unavailable" has characters outside GSM-7: "\u201c" "\u201d"'],
    ['a payment notice missing in one language', 'sw', { 'sms.notice.refunded': undefined }, 'menus/lang/sw.yaml: missing translation for "sms.notice.refunded"'],
    ['a refusal reason missing in one language', 'ln', { 'sms.refusal.rejected': undefined }, 'menus/lang/ln.yaml: missing translation for "sms.refusal.rejected"'],
    ['a keyword reply missing in English', 'en', { 'sms.keyword.help': undefined }, 'menus/lang/en.yaml: missing translation for "sms.keyword.help"'],
    ['a keyword reply in a language keywords do not exist in', 'sw', { 'sms.keyword.help': 'REGIDESO kwa SMS' }, 'menus/lang/sw.yaml: "sms.keyword.help" is never sent in sw (only in fr, en)'],
    ['a text no code sends', 'fr', { 'sms.notice.lost': 'REGIDESO' }, 'menus/lang/fr.yaml: "sms.notice.lost" is sent by no code'],
    ['a value not declared for the text', 'fr', { 'sms.notice.failed': 'REGIDESO: {amount|money} pour {phone}.' }, 'menus/lang/fr.yaml: "sms.notice.failed" shows "{phone}", which is not one of its values (amount, refClient)'],
    ['an unknown filter', 'fr', { 'sms.notice.failed': 'REGIDESO: {amount|euros}.' }, 'menus/lang/fr.yaml: "sms.notice.failed" uses unknown filter "euros"'],
    [
      'a notice over one segment at the longest values',
      'fr',
      { 'sms.notice.failed': `REGIDESO: votre paiement de {amount|money} (réf {refClient}) n'a pas abouti. ${'Vraiment. '.repeat(9)}` },
      'menus/lang/fr.yaml: [fr] "sms.notice.failed" can reach 180 septets with every value at its longest (limit 160: one SMS segment)',
    ],
    [
      'a refusal reason that makes its notice too long',
      'en',
      { 'sms.refusal.rejected': 'x'.repeat(70) },
      // 96 septets around the reason, with the longest amount and reference: 70 more is too many.
      'menus/lang/en.yaml: [en] "sms.notice.refused" can reach 166 septets with every value at its longest (limit 160: one SMS segment)',
    ],
    [
      'a receipt whose parts no longer fit one segment together',
      'ln',
      { 'sms.receipt.rest': 'etikali mobimba ya kofuta {remaining|money}' },
      'menus/lang/ln.yaml: [ln] the message "sms.receipt" (sms.receipt.head + sms.receipt.bill + sms.receipt.ref + sms.receipt.acq + sms.receipt.rest) can reach 175 septets with every value at its longest (limit 160: one SMS segment)',
    ],
    ['a keyword reply over two segments', 'fr', { 'sms.keyword.unavailable': 'REGIDESO: ' + 'indisponible. '.repeat(22) }, 'menus/lang/fr.yaml: [fr] "sms.keyword.unavailable" can reach 318 septets'],
    ['an extension character counted twice', 'fr', { 'http.unavailable': '[' + 'x'.repeat(176) + ']' }, 'menus/lang/fr.yaml: [fr] "http.unavailable" can reach 184 septets with every value at its longest (limit 182: a USSD screen, "END " included)'],
  ] as Array<[string, Language, Record<string, string | undefined>, string]>)('refuses %s', (_what, lang, changes, fault) => {
    const faults = faultsOf(withTexts(lang, changes));
    expect(faults).toEqual(expect.arrayContaining([expect.stringContaining(fault)]));
  });

  it('a folder without any of them is a menu alone (fixtures, drafts): checked as such, and refused by the product at start-up', () => {
    const texts = Object.fromEntries(Object.entries(product.texts).map(([l, t]) => [l, Object.fromEntries(Object.entries(t).filter(([k]) => !isMessageNamespace(k)))]));
    const screensOnly = { ...product, texts: texts as Menu['texts'] };
    expect(lintMenu(screensOnly, where)).toEqual([]);
    expect(() => createMessages(screensOnly)).toThrow(CatalogueError);
    expect(() => createMessages(screensOnly)).toThrow(/fr:sms\.receipt\.head/);
  });
});
