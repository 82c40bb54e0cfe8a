import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { checkMenu, formatFault } from '../menu/load';
import { menuJsonSchemas } from '../menu/schema';
import { messageKeys } from '../../texts/messages';

/**
 * `npm run menus:check [folder] [--schema-out file]`: every fault of a menu folder, precisely, and a
 * non-zero exit when there is one: its screens, and every text of its catalogue, those the product
 * sends by SMS and HTTP included (src/texts/messages.ts). Also writes the JSON Schema editors use
 * (by default beside the checked menu when it is the product's `menus/`).
 */
function main(argv: string[]): number {
  const args = [...argv];
  const outFlag = args.indexOf('--schema-out');
  let schemaOut: string | undefined;
  if (outFlag >= 0) {
    schemaOut = args[outFlag + 1];
    args.splice(outFlag, 2);
  }
  const dir = path.resolve(args[0] ?? 'menus');
  if (schemaOut === undefined && args[0] === undefined) schemaOut = path.join(dir, 'menu.schema.json');
  if (schemaOut !== undefined) writeFileSync(schemaOut, JSON.stringify(menuJsonSchemas(), null, 2) + '\n');

  const { menu, faults } = checkMenu(dir);
  if (menu === undefined) {
    console.error(`menus:check: ${faults.length} fault(s) in ${path.relative(process.cwd(), dir) || dir}`);
    for (const f of faults) console.error(`  - ${formatFault(f)}`);
    return 1;
  }
  const messages = [...messageKeys().keys()].filter((k) => Object.values(menu.texts).some((t) => t[k] !== undefined)).length;
  console.log(
    `menus:check: ${Object.keys(menu.screens).length} screens, ${messages} texts sent outside screens (SMS, HTTP), ${Object.keys(menu.texts).length} languages, version ${menu.version}: OK`,
  );
  if (schemaOut !== undefined) console.log(`JSON Schema written to ${path.relative(process.cwd(), schemaOut)}`);
  return 0;
}

process.exitCode = main(process.argv.slice(2));
