import { ACTIONS } from '../actions';
import { isActionName } from '../actions/types';
import type { Menu } from './model';

/** Screens from which the action chain reaches a side-effecting action (following action screens only). */
export function sideEffectTargets(menu: Menu): Set<string> {
  const out = new Set<string>();
  for (const start of Object.keys(menu.screens)) {
    const seen = new Set<string>();
    const queue = [start];
    while (queue.length > 0) {
      const id = queue.pop() as string;
      if (seen.has(id)) continue;
      seen.add(id);
      const screen = menu.screens[id];
      if (screen?.type !== 'action') continue;
      if (isActionName(screen.action) && ACTIONS[screen.action].sideEffecting === true) {
        out.add(start);
        break;
      }
      queue.push(...Object.values(screen.outcomes));
    }
  }
  return out;
}

