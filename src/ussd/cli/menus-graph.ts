import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { formatFault, checkMenu } from '../menu/load';
import { menuToMermaid } from '../menu/graph';

/**
 * `npm run menus:graph [folder] [--out FILE]`: the menu as a Mermaid flowchart, written to FILE
 * (`npm run menus:graph > file` would capture npm's own banner lines with it), or to stdout.
 */
function main(argv: string[]): number {
  const args = [...argv];
  const outFlag = args.indexOf('--out');
  let out: string | undefined;
  if (outFlag >= 0) {
    out = args[outFlag + 1];
    if (out === undefined || out.startsWith('--')) {
      console.error('menus:graph: --out needs a file name');
      return 2;
    }
    args.splice(outFlag, 2);
  }
  const dir = path.resolve(args[0] ?? 'menus');
  const { menu, faults } = checkMenu(dir);
  if (menu === undefined) {
    console.error(`menus:graph: ${faults.length} fault(s) in ${path.relative(process.cwd(), dir) || dir} (npm run menus:check says the same)`);
    for (const f of faults) console.error(`  - ${formatFault(f)}`);
    return 1;
  }
  const graph = menuToMermaid(menu);
  if (out === undefined) {
    console.log(graph);
    return 0;
  }
  writeFileSync(out, graph + '\n');
  console.log(`menus:graph: Mermaid graph of ${Object.keys(menu.screens).length} screens written to ${path.resolve(out)}`);
  return 0;
}

process.exitCode = main(process.argv.slice(2));
