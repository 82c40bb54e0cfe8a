/**
 * Work started after the gateway got its 200 (the reply SMS, a resend). Kept per router so tests
 * and a clean shutdown can wait for it instead of guessing how long it takes.
 */
export function createBackgroundTasks(onError: (err: unknown) => void) {
  const running = new Set<Promise<void>>();
  return {
    run(task: () => Promise<void>): void {
      const p = task()
        .catch(onError)
        .finally(() => running.delete(p));
      running.add(p);
    },
    async drain(): Promise<void> {
      while (running.size > 0) await Promise.allSettled([...running]);
    },
  };
}
