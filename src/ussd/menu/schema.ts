import { z } from 'zod';

/**
 * The menu as authors write it. Three kinds of file: `menu.yaml` (version, start screen, variables),
 * `screens/*.yaml` (screens by id) and `lang/<language>.yaml` (texts by key). Screens name text keys,
 * never texts, so every language is checked against the same graph.
 */
const screenId = z.string().regex(/^[a-z][a-z0-9_]*$/, 'screen ids are lower_snake_case');
const textKey = z.string().regex(/^[a-z][a-z0-9_]*(\.[a-z0-9_]+)*$/, 'text keys are dotted lower_snake_case');
const varName = z.string().regex(/^[a-zA-Z][a-zA-Z0-9]*$/, 'variable names are camelCase');

/** `set` values are literal strings, or `{var}` to copy another value as it is (a number stays a number). */
const setMap = z.record(varName, z.string());

export const optionSchema = z
  .object({
    label: textKey,
    next: screenId,
    set: setMap.optional(),
    /** Shown (and accepted) only when this variable holds a value. */
    when: varName.optional(),
    /**
     * A key kept whatever else is shown (the confirmation pays on 2 even when the option above it
     * is hidden). Options without one are numbered from 1 among those shown, skipping fixed keys.
     */
    key: z.string().regex(/^[1-9]$/, 'a fixed key is one digit, 1 to 9').optional(),
  })
  .strict();

export const validatorSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('pattern'), pattern: z.string().refine(isRegExp, 'not a valid regular expression'), error: textKey }).strict(),
  z.object({ kind: z.literal('length'), min: z.int().min(0), max: z.int().min(1), error: textKey }).strict(),
  z.object({ kind: z.literal('range'), min: z.int(), max: z.int(), error: textKey }).strict(),
  /** A named check in TypeScript (e.g. an amount against the selected balance); each error it can give maps to a text. */
  z.object({ kind: z.literal('check'), name: z.string(), errors: z.record(z.string(), textKey) }).strict(),
]);

const menuScreen = z
  .object({
    type: z.literal('menu'),
    text: textKey,
    options: z.array(optionSchema).min(1).max(9),
    /**
     * An error or retry screen (not found, unavailable): left out of the back history, so `0` from
     * wherever its retry leads goes where it would have gone had the first try worked.
     */
    transient: z.boolean().default(false),
  })
  .strict();

const inputScreen = z
  .object({
    type: z.literal('input'),
    text: textKey,
    store: varName,
    validators: z.array(validatorSchema).default([]),
    next: screenId,
    /** Shortcuts offered above the prompt (e.g. the last reference used), numbered from 1. */
    options: z.array(optionSchema).max(3).default([]),
  })
  .strict();

const listScreen = z
  .object({
    type: z.literal('list'),
    /** The header, above the items. */
    text: textKey,
    /** The session variable holding the items (an array of objects). */
    items: varName,
    /** One item's line, a template over the item's fields and the session's values. */
    item: textKey,
    /** When set, items are numbered and choosing one stores it here and goes to `next`. */
    store: varName.optional(),
    next: screenId.optional(),
    /** Fixed options, numbered before the items and shown on the first page. */
    options: z.array(optionSchema).max(3).default([]),
  })
  .strict()
  .refine((s) => (s.store === undefined) === (s.next === undefined), 'a list has both `store` and `next`, or neither');

const actionScreen = z
  .object({ type: z.literal('action'), action: z.string(), outcomes: z.record(z.string(), screenId) })
  .strict();

const endScreen = z.object({ type: z.literal('end'), text: textKey }).strict();

export const screenSchema = z.discriminatedUnion('type', [menuScreen, inputScreen, listScreen, actionScreen, endScreen]);

export const screensFileSchema = z.object({ screens: z.record(screenId, screenSchema) }).strict();

export const menuFileSchema = z
  .object({
    version: z.string().min(1),
    start: screenId,
    /** Every value a template may show, with the most characters it may take on screen. */
    variables: z.record(varName, z.object({ maxLength: z.int().min(1).max(182) }).strict()),
    /**
     * An action screen run when a session opens with nothing typed, or with a reference dialled
     * with the code (`*123*83262#`): its outcome is the first screen (a payment to resume, the
     * reference's bills). A first hop that starts with a menu key skips it and starts at `start`.
     */
    open: screenId.optional(),
    /**
     * The input screen that tells a reference dialled with the code from a menu key: a first input
     * of 3 characters or more (keys are 1 or 2) that this screen would take is a reference, stored
     * where the screen stores it before `open` runs.
     */
    dialReference: screenId.optional(),
    /** Screens past the bills from which a session the network drops keeps its payment (src/resume). */
    resumable: z.array(screenId).default([]),
  })
  .strict();

export const langFileSchema = z.record(textKey, z.string());

export type MenuOption = z.infer<typeof optionSchema>;
export type Validator = z.infer<typeof validatorSchema>;
export type Screen = z.infer<typeof screenSchema>;
export type ScreensFile = z.infer<typeof screensFileSchema>;
export type MenuFile = z.infer<typeof menuFileSchema>;

function isRegExp(p: string): boolean {
  try {
    new RegExp(p);
    return true;
  } catch {
    return false;
  }
}

/** One JSON Schema per file kind, for editors (YAML language server `# yaml-language-server: $schema=`). */
export function menuJsonSchemas(): Record<string, unknown> {
  return {
    menu: z.toJSONSchema(menuFileSchema, { io: 'input', unrepresentable: 'any' }),
    screens: z.toJSONSchema(screensFileSchema, { io: 'input', unrepresentable: 'any' }),
    lang: z.toJSONSchema(langFileSchema, { io: 'input', unrepresentable: 'any' }),
  };
}
