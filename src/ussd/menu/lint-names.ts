import { LANGUAGES } from '../../language';
import { placeholders } from '../../texts/template';
import { ACTIONS } from '../actions';
import { savedVars } from '../actions/saved';
import type { Menu } from './model';
import type { Screen } from './schema';

/**
 * What a session starts with before any screen (interpreter.ts): the phone's last reference, the
 * least a subscriber may type, and its most recent saved account.
 */
const SESSION_START = ['lastRef', 'minAmount', ...Object.keys(savedVars([], 1))];

/** The variables a screen shows, tests or copies; `shownBy` gives a text key's placeholders. */
function usedBy(screen: Screen, shownBy: (key: string) => string[]): string[] {
  const options = screen.type === 'action' || screen.type === 'end' ? [] : screen.options;
  const fromOptions = options.flatMap((o) => [
    ...shownBy(o.label),
    ...(o.when === undefined ? [] : [o.when]),
    ...Object.values(o.set ?? {}).flatMap((v) => /^\{([a-zA-Z][a-zA-Z0-9]*)\}$/.exec(v)?.[1] ?? []),
  ]);
  switch (screen.type) {
    case 'menu':
    case 'input':
      return [...shownBy(screen.text), ...fromOptions];
    // An item's line shows the item's own fields: only the header and the list itself are checked.
    case 'list':
      return [...shownBy(screen.text), screen.items, ...fromOptions];
    case 'end':
      return shownBy(screen.text);
    case 'action':
      return [];
  }
}

/** The variables a screen stores: what an input or list keeps, and what its options set. */
function storedBy(screen: Screen): string[] {
  const options = screen.type === 'action' || screen.type === 'end' ? [] : screen.options;
  const store = screen.type === 'input' || screen.type === 'list' ? (screen.store === undefined ? [] : [screen.store]) : [];
  return [...store, ...options.flatMap((o) => Object.keys(o.set ?? {}))];
}

/**
 * The menu's variable names against the actions' declarations (`reads`, `sets`): a value a screen
 * shows or tests must be set by some action, input or option (or the session's start), and a value
 * a screen stores must be read by some action or used by some screen. A misspelt `store:` would
 * otherwise leave the action that needs the value reading nothing.
 */
export function lintNames(menu: Menu, fault: (id: string, message: string) => void): void {
  const actions = Object.values(ACTIONS);
  const read = new Set(actions.flatMap((a) => Object.keys(a.reads.shape)));
  const set = new Set([...SESSION_START, ...actions.flatMap((a) => a.sets), ...Object.values(menu.screens).flatMap(storedBy)]);
  const shownBy = (key: string) => LANGUAGES.flatMap((l) => placeholders(menu.texts[l][key] ?? '').found.map((p) => p.name));
  const used = new Map(Object.entries(menu.screens).map(([id, screen]) => [id, new Set(usedBy(screen, shownBy))]));
  const usedAnywhere = new Set([...used.values()].flatMap((names) => [...names]));
  for (const [id, screen] of Object.entries(menu.screens)) {
    for (const name of used.get(id) ?? []) {
      if (!set.has(name)) fault(id, `uses "${name}", which no action, input or option sets`);
    }
    for (const name of new Set(storedBy(screen))) {
      if (!read.has(name) && !usedAnywhere.has(name)) fault(id, `stores "${name}", which no action reads and no screen shows or tests`);
    }
  }
}
