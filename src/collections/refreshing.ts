/**
 * A value read from far away and kept: the first caller waits for the first read; once the value
 * is older than the time its read asked to keep it, callers get it at once while one read in the
 * background replaces it. A USSD hop never waits for pawaPay once anything has been read.
 */
export interface Refreshing<T> {
  get(): Promise<T>;
  /** Settles when the read under way (if any) is done: for tests and shutdown. */
  settled(): Promise<void>;
}

export function createRefreshing<T>(opts: { load: () => Promise<{ value: T; keepMs: number }>; now: () => number; onError: (err: unknown) => void }): Refreshing<T> {
  let held: { value: T; expiresAt: number } | undefined;
  let loading: Promise<T> | undefined;

  function refresh(): Promise<T> {
    loading ??= opts
      .load()
      .then(({ value, keepMs }) => {
        held = { value, expiresAt: opts.now() + keepMs };
        return value;
      })
      .finally(() => {
        loading = undefined;
      });
    return loading;
  }

  return {
    async get() {
      if (held === undefined) return refresh();
      if (held.expiresAt <= opts.now()) refresh().catch(opts.onError);
      return held.value;
    },
    async settled() {
      await loading?.catch(() => undefined);
    },
  };
}
