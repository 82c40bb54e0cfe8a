/**
 * What the sandboxes' command lines share: `--name value` or `--name=value` options read from argv
 * (only src/config.ts reads the environment), and a clean stop on SIGINT/SIGTERM.
 */
export function option(args: string[], name: string): string | undefined {
  const i = args.findIndex((a) => a === `--${name}` || a.startsWith(`--${name}=`));
  if (i < 0) return undefined;
  const arg = args[i] ?? '';
  return arg.includes('=') ? arg.slice(arg.indexOf('=') + 1) : args[i + 1];
}

export function intOption(args: string[], name: string, fallback: number, max: number): number {
  const raw = option(args, name);
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0 || n > max) {
    console.error(`--${name} must be a whole number between 0 and ${max}, got "${raw}"`);
    process.exit(2);
  }
  return n;
}

export function stopOnSignals(close: () => Promise<void>): void {
  const stop = (signal: string): void => {
    console.log(`${signal}: stopping`);
    void close().then(() => process.exit(0));
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
}
