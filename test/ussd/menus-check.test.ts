import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { checkMenu, loadMenu, MenuLoadError } from '../../src/ussd/menu/load';
import { menuToMermaid } from '../../src/ussd/menu/graph';
import { lintMenu } from '../../src/ussd/menu/lint';

const root = path.join(__dirname, '../..');
const fixtures = path.join(root, 'test/fixtures/menus');

/** Runs the real CLI, as `npm run menus:check <folder>` does. */
function menusCheck(folder: string): { status: number | null; out: string } {
  const res = spawnSync(process.execPath, ['--import', 'tsx', 'src/ussd/cli/menus-check.ts', folder], { cwd: root, encoding: 'utf8' });
  return { status: res.status, out: `${res.stdout}${res.stderr}` };
}

test('the product menu passes, and a valid fixture passes', () => {
  expect(menusCheck('menus')).toMatchObject({ status: 0 });
  expect(menusCheck('test/fixtures/menus/valid')).toMatchObject({ status: 0 });
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
  const faults = lintMenu({ ...menu, screens: { ...menu.screens, pay_confirm: { ...confirm, options: [yes, ...others] } } }, where);
  expect(faults.map((f) => f.message)).toContain('key 1 pays here, and 1 on "pay_amount" leads here: a repeated 1 would pay (confirm with another key)');
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

test('the graph names every screen and edge', () => {
  const menu = loadMenu(path.join(root, 'menus'));
  const graph = menuToMermaid(menu);
  expect(graph.startsWith('flowchart TD')).toBe(true);
  for (const id of Object.keys(menu.screens)) expect(graph).toContain(`  ${id}`);
  expect(graph).toContain('pay_fetch -->|not_found| pay_not_found');
  expect(graph).toContain('main -->|1| pay_ref');
});
