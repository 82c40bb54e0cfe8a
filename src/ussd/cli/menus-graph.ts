import path from 'node:path';
import { formatFault, checkMenu } from '../menu/load';
import { menuToMermaid } from '../menu/graph';

/** `npm run menus:graph [folder]`: the menu as a Mermaid flowchart on stdout. */
const dir = path.resolve(process.argv[2] ?? 'menus');
const { menu, faults } = checkMenu(dir);
if (menu === undefined) {
  for (const f of faults) console.error(`  - ${formatFault(f)}`);
  process.exitCode = 1;
} else {
  console.log(menuToMermaid(menu));
}
