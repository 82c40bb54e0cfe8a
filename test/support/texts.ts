import path from 'node:path';
import { createMessages, type Messages } from '../../src/texts/catalogue';
import { loadMenu } from '../../src/ussd/menu/load';

/** The product's catalogue (menus/), as compose.ts loads it: the texts tests expect are the real ones. */
export const MENU_DIR = path.join(__dirname, '../../menus');

export function productMessages(): Messages {
  return createMessages(loadMenu(MENU_DIR));
}
