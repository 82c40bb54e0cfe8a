import { throttled } from '../../src/logging/throttle';

it('one line per source per period: a reconnect storm is one line, another source still speaks', () => {
  const lines: string[] = [];
  const log = throttled(60_000, (source: string, what: string) => lines.push(`${source}: ${what}`));
  for (let i = 0; i < 50; i++) log('payments worker', `ECONNREFUSED ${i}`);
  log('sms queue', 'ECONNREFUSED');
  expect(lines).toEqual(['payments worker: ECONNREFUSED 0', 'sms queue: ECONNREFUSED']);
});
