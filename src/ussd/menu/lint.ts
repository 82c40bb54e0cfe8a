import { gsm7Length, nonGsm7Chars, SCREEN_LIMIT } from '../../gsm7';
import { LANGUAGES, type Language } from '../../language';
import { ACTION_OUTCOMES, CHECK_ERRORS, isActionName, isCheckName } from '../actions/types';
import { ACTIONS } from '../actions';
import { ANSWER_PREFIX_LENGTH, BACK_KEY, ENGINE_TEXT_KEYS, HOME_KEY, longestListError, possibleKeys, worstFill, worstListBody } from '../render/screen';
import { lintMessages } from '../../texts/lint';
import { isMessageNamespace } from '../../texts/messages';
import { placeholders } from '../../texts/template';
import { lintNames } from './lint-names';
import type { MenuFault } from './load';
import type { Menu } from './model';
import { sideEffectTargets } from './side-effects';
import type { MenuOption, Screen, Validator } from './schema';

interface Where {
  dir: string;
  menuFile: string;
  langFile: (l: Language) => string;
}

/** Screens a screen can lead to. */
/** Each option's edge, labelled by the keys it can have (`1|2` when a hidden option above it moves it). */
function optionTargets(options: MenuOption[]): Array<{ via: string; to: string }> {
  const keys = possibleKeys(options);
  return options.map((o, i) => ({ via: [...(keys[i] ?? [])].sort().join('|'), to: o.next }));
}

export function targets(screen: Screen): Array<{ via: string; to: string }> {
  switch (screen.type) {
    case 'menu':
      return optionTargets(screen.options);
    case 'input':
      return [...optionTargets(screen.options), { via: 'input', to: screen.next }];
    case 'list':
      return [
        ...optionTargets(screen.options),
        ...(screen.next === undefined ? [] : [{ via: 'item', to: screen.next }]),
      ];
    case 'action':
      return Object.entries(screen.outcomes).map(([via, to]) => ({ via, to }));
    case 'end':
      return [];
  }
}

/** Text keys a screen shows. */
function textKeys(screen: Screen): string[] {
  const labels = (opts: MenuOption[]) => opts.map((o) => o.label);
  switch (screen.type) {
    case 'menu':
      return [screen.text, ...labels(screen.options)];
    case 'input':
      return [screen.text, ...labels(screen.options), ...screen.validators.flatMap(errorKeys)];
    case 'list':
      return [screen.text, screen.item, ...labels(screen.options)];
    case 'action':
      return [];
    case 'end':
      return [screen.text];
  }
}

function errorKeys(v: Validator): string[] {
  return v.kind === 'check' ? Object.values(v.errors) : [v.error];
}

/** Whether the fixed validators would take `value` (a `check` is code: assumed to accept). */
export function staticallyAccepts(validators: Validator[], value: string): boolean {
  return validators.every((v) => {
    switch (v.kind) {
      case 'pattern':
        return new RegExp(v.pattern).test(value);
      case 'length':
        return value.length >= v.min && value.length <= v.max;
      case 'range':
        return /^-?\d+$/.test(value) && Number(value) >= v.min && Number(value) <= v.max;
      case 'check':
        return true;
    }
  });
}

export function lintMenu(menu: Menu, where: Where): MenuFault[] {
  const faults: MenuFault[] = [];
  const at = (id: string) => menu.files[id] ?? where.menuFile;
  const fault = (id: string, message: string) => faults.push({ file: at(id), screen: id, message });

  if (menu.screens[menu.start] === undefined) faults.push({ file: where.menuFile, message: `start screen "${menu.start}" is not defined` });
  else if (menu.screens[menu.start]?.type !== 'menu') faults.push({ file: where.menuFile, message: `start screen "${menu.start}" must be a menu` });

  faults.push(...lintEntryScreens(menu, where.menuFile));

  const declared = (name: string) => menu.variables[name] !== undefined;
  const used = new Set<string>(ENGINE_TEXT_KEYS);

  for (const [id, screen] of Object.entries(menu.screens)) {
    for (const { via, to } of targets(screen)) {
      const target = menu.screens[to];
      if (target === undefined) fault(id, `${via} leads to "${to}", which is not defined (dangling)`);
      // Money moves only from a menu the subscriber reads and answers (a confirmation), never
      // straight from a typed value, a list item or another action's outcome.
      else if (target.type === 'action' && isActionName(target.action) && ACTIONS[target.action].sideEffecting === true && screen.type !== 'menu') {
        fault(id, `${via} runs side-effecting action "${target.action}" (via "${to}") without a confirmation menu`);
      }
    }
    for (const k of textKeys(screen)) used.add(k);

    const options = screen.type === 'menu' || screen.type === 'input' || screen.type === 'list' ? screen.options : [];
    for (const o of options) {
      for (const [name, value] of Object.entries(o.set ?? {})) {
        if (!declared(name)) fault(id, `option "${o.label}" sets undeclared variable "${name}"`);
        const copy = /^\{([a-zA-Z][a-zA-Z0-9]*)\}$/.exec(value);
        if (copy?.[1] !== undefined && !declared(copy[1])) fault(id, `option "${o.label}" copies undeclared variable "${copy[1]}"`);
      }
      if (o.when !== undefined && !declared(o.when)) fault(id, `option "${o.label}" depends on undeclared variable "${o.when}"`);
    }

    const fixedKeys = options.flatMap((o) => (o.key === undefined ? [] : [o.key]));
    for (const k of new Set(fixedKeys)) if (fixedKeys.indexOf(k) !== fixedKeys.lastIndexOf(k)) fault(id, `two options have the fixed key ${k}`);

    if (screen.type === 'action') {
      if (!isActionName(screen.action)) fault(id, `unknown action "${screen.action}" (known: ${Object.keys(ACTION_OUTCOMES).join(', ')})`);
      else {
        const expected: readonly string[] = ACTION_OUTCOMES[screen.action];
        for (const o of expected) if (screen.outcomes[o] === undefined) fault(id, `action "${screen.action}" outcome "${o}" leads nowhere`);
        for (const o of Object.keys(screen.outcomes)) if (!expected.includes(o)) fault(id, `action "${screen.action}" has no outcome "${o}"`);
      }
    }
    if (screen.type === 'input') {
      if (!declared(screen.store)) fault(id, `stores into undeclared variable "${screen.store}"`);
      for (const v of screen.validators) {
        if (v.kind !== 'check') continue;
        if (!isCheckName(v.name)) {
          fault(id, `unknown check "${v.name}" (known: ${Object.keys(CHECK_ERRORS).join(', ')})`);
          continue;
        }
        const expected: readonly string[] = CHECK_ERRORS[v.name];
        for (const e of expected) if (v.errors[e] === undefined) fault(id, `check "${v.name}" error "${e}" has no text`);
        for (const e of Object.keys(v.errors)) if (!expected.includes(e)) fault(id, `check "${v.name}" has no error "${e}"`);
      }
      const reserved = [
        { key: BACK_KEY, what: 'back' },
        { key: HOME_KEY, what: 'home' },
        ...possibleKeys(screen.options).flatMap((keys, i) => [...keys].map((key) => ({ key, what: `option "${screen.options[i]?.label ?? ''}"` }))),
      ];
      for (const r of reserved) {
        if (staticallyAccepts(screen.validators, r.key)) fault(id, `the input would accept "${r.key}", which is ${r.what}: add a validator that refuses it`);
      }
    }
    if (screen.type === 'list') {
      if (!declared(screen.items)) fault(id, `lists undeclared variable "${screen.items}"`);
      if (screen.store !== undefined && !declared(screen.store)) fault(id, `stores into undeclared variable "${screen.store}"`);
    }
  }

  lintConfirmKeys(menu, fault);
  lintNames(menu, fault);

  // Reachability from the start screen.
  const seen = new Set<string>();
  const queue = [menu.start, ...(menu.open === undefined ? [] : [menu.open])];
  while (queue.length > 0) {
    const id = queue.pop() as string;
    if (seen.has(id)) continue;
    seen.add(id);
    const s = menu.screens[id];
    if (s !== undefined) for (const t of targets(s)) queue.push(t.to);
  }
  for (const id of Object.keys(menu.screens)) if (!seen.has(id)) fault(id, 'unreachable from the start screen');

  // Texts: present in every language, GSM-7, placeholders declared, nothing unused. The texts sent
  // outside screens (sms.*, http.*) have their own values, languages and room: lintMessages.
  for (const lang of LANGUAGES) {
    const file = where.langFile(lang);
    const texts = menu.texts[lang];
    for (const key of used) if (texts[key] === undefined) faults.push({ file, message: `missing translation for "${key}"` });
    for (const [key, text] of Object.entries(texts)) {
      const message = isMessageNamespace(key);
      if (!message && !used.has(key)) faults.push({ file, message: `"${key}" is used by no screen` });
      const bad = nonGsm7Chars(text);
      if (bad.length > 0) faults.push({ file, message: `"${key}" has characters outside GSM-7: ${bad.map((c) => JSON.stringify(c)).join(' ')}` });
      const { found, badFilters } = placeholders(text);
      for (const f of badFilters) faults.push({ file, message: `"${key}" uses unknown filter "${f}"` });
      if (message) continue;
      for (const p of found) if (!declared(p.name)) faults.push({ file, message: `"${key}" shows undeclared variable "${p.name}" (declare it with its maxLength in ${where.menuFile})` });
    }
  }
  faults.push(...lintMessages(menu.texts, where.langFile));

  // Lengths are measured whatever else is wrong: one run shows every fault, a dangling screen and
  // an over-long one together. Each screen is measured on its own, so a fault elsewhere cannot
  // mislead the measure (a missing text counts as empty, and is reported above).
  faults.push(...lintLengths(menu, where));
  return faults;
}

/** `open`, `dialReference` and `resumable` in menu.yaml name screens of the right kind. */
function lintEntryScreens(menu: Menu, file: string): MenuFault[] {
  const faults: MenuFault[] = [];
  const typeOf = (id: string) => menu.screens[id]?.type;
  if (menu.open !== undefined && typeOf(menu.open) !== 'action') faults.push({ file, message: `open screen "${menu.open}" must be an action screen` });
  if (menu.dialReference !== undefined && typeOf(menu.dialReference) !== 'input') {
    faults.push({ file, message: `dialReference screen "${menu.dialReference}" must be an input screen` });
  }
  if (menu.dialReference !== undefined && menu.open === undefined) faults.push({ file, message: 'dialReference needs an open screen to run' });
  for (const id of menu.resumable ?? []) {
    const type = typeOf(id);
    if (type === undefined) faults.push({ file, message: `resumable screen "${id}" is not defined` });
    else if (type === 'action' || type === 'end') faults.push({ file, message: `resumable screen "${id}" must be shown (not ${type === 'action' ? 'an action' : 'an end'})` });
  }
  return faults;
}

/**
 * The key that confirms a payment differs from every key that leads to the confirmation. A gateway
 * that sends only the newest input cannot tell a retried key from a typed one, and the retry lands
 * on the next screen: a repeated key must never pay. A typed value that leads there must be refused
 * when it is that key, and a list item must not be numbered as it.
 */
function lintConfirmKeys(menu: Menu, fault: (id: string, message: string) => void): void {
  const paying = sideEffectTargets(menu);
  /** The shown screens `target` lands on, through action screens and their outcomes. */
  const landsOn = (target: string): Set<string> => {
    const out = new Set<string>();
    const seen = new Set<string>();
    const queue = [target];
    while (queue.length > 0) {
      const id = queue.pop() as string;
      if (seen.has(id)) continue;
      seen.add(id);
      const screen = menu.screens[id];
      if (screen?.type === 'action') queue.push(...Object.values(screen.outcomes));
      else if (screen !== undefined) out.add(id);
    }
    return out;
  };
  for (const [id, confirm] of Object.entries(menu.screens)) {
    if (confirm.type !== 'menu') continue;
    const confirmKeys = possibleKeys(confirm.options);
    const payKeys = confirm.options.flatMap((o, i) => (paying.has(o.next) ? [...(confirmKeys[i] ?? [])] : []));
    if (payKeys.length === 0) continue;
    for (const [fromId, from] of Object.entries(menu.screens)) {
      if (from.type === 'action' || from.type === 'end') continue;
      const into = (next: string) => landsOn(next).has(id);
      const fromKeys = possibleKeys(from.options);
      from.options.forEach((o, i) => {
        for (const key of fromKeys[i] ?? []) {
          if (into(o.next) && payKeys.includes(key)) fault(id, `key ${key} pays here, and ${key} on "${fromId}" leads here: a repeated ${key} would pay (confirm with another key)`);
        }
      });
      if (from.type === 'input' && into(from.next)) {
        for (const k of payKeys) if (staticallyAccepts(from.validators, k)) fault(id, `key ${k} pays here, and "${fromId}" would take "${k}" typed there and lead here: refuse it there (a validator)`);
      }
      if (from.type === 'list' && from.next !== undefined && into(from.next)) {
        // Items are numbered after the options shown: as low as after those always shown.
        const alwaysShown = from.options.filter((o) => o.when === undefined).length;
        for (const k of payKeys) if (Number(k) > alwaysShown) fault(id, `key ${k} pays here, and item ${k} of "${fromId}" leads here: a repeated ${k} would pay`);
      }
    }
  }
}

/**
 * Every screen in every language, with every value at its longest and the longest error line it can
 * show, against the screen limit. What is measured is the whole answer, `CON `/`END ` included.
 */
function lintLengths(menu: Menu, where: Where): MenuFault[] {
  const faults: MenuFault[] = [];
  for (const lang of LANGUAGES) {
    const fill = worstFill(menu, lang);
    const check = (id: string | undefined, what: string, body: string) => {
      const n = ANSWER_PREFIX_LENGTH + gsm7Length(body);
      if (n > SCREEN_LIMIT) {
        faults.push({
          file: id === undefined ? where.langFile(lang) : (menu.files[id] ?? where.menuFile),
          ...(id === undefined ? {} : { screen: id }),
          message: `[${lang}] ${what} can reach ${n} characters (limit ${SCREEN_LIMIT}, "CON "/"END " included) with every value at its longest`,
        });
      }
    };
    for (const key of ENGINE_TEXT_KEYS) check(undefined, `engine text "${key}"`, fill(key, {}));
    for (const [id, screen] of Object.entries(menu.screens)) {
      const isStart = id === menu.start;
      const nav = isStart ? [] : [fill('nav.back_home', {})];
      const lines = (error: string, extra: string[]) => [error, ...extra, ...nav].filter((l) => l !== '').join('\n');
      switch (screen.type) {
        case 'end':
          check(id, 'the screen', fill(screen.text, {}));
          break;
        case 'action':
          break;
        case 'menu': {
          const body = [fill(screen.text, {}), ...screen.options.map((o, i) => `${i + 1}. ${fill(o.label, {})}`)];
          check(id, 'the screen with its invalid-choice line', lines(fill('nav.invalid_choice', {}), body));
          break;
        }
        case 'input': {
          const body = [fill(screen.text, {}), ...screen.options.map((o, i) => `${i + 1}. ${fill(o.label, {})}`)];
          check(id, 'the screen', lines('', body));
          for (const k of screen.validators.flatMap(errorKeys)) check(id, `the screen under error "${k}"`, lines(fill(k, {}), body));
          break;
        }
        case 'list':
          check(id, 'a page holding one item, with its error line,', worstListBody(screen, fill, isStart, longestListError(fill, {})));
          break;
      }
    }
  }
  return faults;
}
