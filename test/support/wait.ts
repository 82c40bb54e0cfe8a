/**
 * Tests wait for conditions, never for a time: `until` asks `check` again and again until it gives
 * a value (anything but undefined, null or false) and returns it. Without `deadlineMs` jest's
 * timeout is the bound; with it, a setup step fails naming what never happened. `retryOnError`
 * counts a check that throws (a server still down) as "not yet".
 */
export async function until<T>(
  check: () => Promise<T | undefined | null | false>,
  opts: { what?: string; deadlineMs?: number; everyMs?: number; retryOnError?: boolean } = {},
): Promise<T> {
  const end = opts.deadlineMs === undefined ? Number.POSITIVE_INFINITY : Date.now() + opts.deadlineMs;
  for (;;) {
    const v = opts.retryOnError === true ? await check().catch(() => undefined) : await check();
    if (v !== undefined && v !== null && v !== false) return v;
    if (Date.now() > end) throw new Error(`never happened: ${opts.what ?? 'the condition'}`);
    await new Promise((r) => setTimeout(r, opts.everyMs ?? 50));
  }
}
