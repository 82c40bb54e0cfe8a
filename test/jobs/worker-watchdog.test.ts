import { looksStuck, startWorkerWatchdog, type WorkerSample } from '../../src/jobs/worker-watchdog';

const s = (ready: number, started: number, running: number): WorkerSample => ({ ready, started, running });

describe('a worker looks stuck', () => {
  it('when jobs stay ready across two looks while it starts none and runs none', () => {
    expect(looksStuck(s(3, 10, 0), s(5, 10, 0))).toBe(true);
  });
  it.each([
    ['no look before', undefined, s(5, 10, 0)],
    ['nothing was ready before (the job may have just arrived)', s(0, 10, 0), s(5, 10, 0)],
    ['nothing is ready now', s(3, 10, 0), s(0, 10, 0)],
    ['it started a job between the looks', s(3, 10, 0), s(3, 11, 0)],
    ['it is running jobs (all its slots may be busy)', s(3, 10, 8), s(3, 10, 8)],
  ])('not when %s', (_what, before, now) => {
    expect(looksStuck(before, now)).toBe(false);
  });
});

test('the watchdog calls onStuck once the worker looks stuck, then starts its looks over', async () => {
  const samples: Array<WorkerSample | undefined> = [s(2, 4, 0), undefined, s(2, 4, 0), s(2, 4, 0), s(2, 4, 0)];
  const stuck: WorkerSample[] = [];
  let taken = 0;
  const dog = startWorkerWatchdog({
    intervalMs: 5,
    sample: async () => samples[taken++],
    onStuck: async (x) => {
      stuck.push(x);
    },
  });
  // An unreadable sample (Redis down) breaks the pair: stuck only at the fourth look, and the fifth
  // starts a new pair.
  while (taken < samples.length + 1) await new Promise((r) => setTimeout(r, 5));
  dog.stop();
  expect(stuck).toEqual([s(2, 4, 0)]);
});
