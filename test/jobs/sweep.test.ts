import { createInProcessRunner } from '../../src/jobs/in-process-runner';
import { DONE } from '../../src/jobs/runner';
import { createSweeper } from '../../src/jobs/sweep';
import { silentLogger } from '../../src/logging/logger';

/** The sweep over a source whose work was due one second ago: the grace decides whether it is queued. */
function setup(firstGraceMs?: number) {
  const ran: string[] = [];
  const runner = createInProcessRunner({ name: 't', handler: async (id) => (ran.push(id), DONE), logger: silentLogger() });
  const dueAt = Date.now() - 1000;
  const sweeper = createSweeper({
    sources: [{ name: 'work', runner, due: async (before) => (dueAt < before.getTime() ? ['w1'] : []) }],
    logger: silentLogger(),
    graceMs: 60_000,
    intervalMs: 3_600_000,
    ...(firstGraceMs !== undefined ? { firstGraceMs } : {}),
  });
  return { ran, runner, sweeper };
}

it('work due a second ago is left to its job while within the grace', async () => {
  const { sweeper, runner } = setup();
  expect(await sweeper.sweep()).toEqual({ work: 0 });
  await sweeper.close();
  await runner.close();
});

it('with a first grace of 0 (jobs that lived in memory only), the first pass queues it at once, later passes keep the grace', async () => {
  const { sweeper, runner, ran } = setup(0);
  expect(await sweeper.sweep()).toEqual({ work: 1 });
  await new Promise((r) => setTimeout(r, 20));
  expect(ran).toEqual(['w1']);
  expect(await sweeper.sweep()).toEqual({ work: 0 });
  await sweeper.close();
  await runner.close();
});

it("with a first grace of 'all' (jobs that lived in memory only), the first pass queues every open piece of work, due or not; later passes keep the grace", async () => {
  const ran: string[] = [];
  const runner = createInProcessRunner({ name: 't', handler: async (id) => (ran.push(id), DONE), logger: silentLogger() });
  // w1 was due a second ago; w2 means to look again in a minute (a wallet poll) and w3 in an hour.
  const work = [
    { id: 'w1', dueAt: Date.now() - 1000 },
    { id: 'w2', dueAt: Date.now() + 60_000 },
    { id: 'w3', dueAt: Date.now() + 3_600_000 },
  ];
  const sweeper = createSweeper({
    sources: [{ name: 'work', runner, due: async (before) => work.filter((w) => w.dueAt < before.getTime()).map((w) => w.id) }],
    logger: silentLogger(),
    graceMs: 60_000,
    intervalMs: 3_600_000,
    firstGraceMs: 'all',
  });
  expect(await sweeper.sweep()).toEqual({ work: 3 });
  await new Promise((r) => setTimeout(r, 20));
  expect(ran.sort()).toEqual(['w1', 'w2', 'w3']);
  expect(await sweeper.sweep()).toEqual({ work: 0 });
  await sweeper.close();
  await runner.close();
});
