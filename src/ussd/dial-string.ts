/**
 * Dial strings: what a subscriber types to open a session, and what the gateway makes of it. A
 * gateway registered for `*123#` turns `*123*83262#` into a first hop with `text` `83262`.
 */

/** The dial string that opens `*123#` with `extra` as its first input: `*123*83262#`. */
export function dialString(serviceCode: string, extra: string): string {
  return `${serviceCode.trim().replace(/#$/, '')}*${extra}#`;
}

/**
 * A dial string split as a gateway does: the service code (its first `*`-field) and the inputs
 * that follow it. `*123*83262#` → `*123#` and `['83262']`; undefined when it is no dial string.
 */
export function splitDialString(dialled: string): { serviceCode: string; inputs: string[] } | undefined {
  const m = /^\*(\d+)((?:\*[^*#]*)*)#$/.exec(dialled.trim());
  if (m === null) return undefined;
  const rest = m[2] ?? '';
  return { serviceCode: `*${m[1] ?? ''}#`, inputs: rest === '' ? [] : rest.slice(1).split('*') };
}
