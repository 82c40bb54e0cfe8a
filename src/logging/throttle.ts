/**
 * While Redis is down every connection, queue and worker reports every reconnect attempt: one line
 * per source per period says as much, and keeps the log readable during an outage.
 */
export function throttled<A extends unknown[]>(periodMs: number, log: (source: string, ...args: A) => void): (source: string, ...args: A) => void {
  const last = new Map<string, number>();
  return (source, ...args) => {
    const now = Date.now();
    if (now - (last.get(source) ?? 0) < periodMs) return;
    last.set(source, now);
    log(source, ...args);
  };
}
