import { afterAll, afterEach, beforeAll, beforeEach } from '@jest/globals';
import { VirtualClock } from '../../src/core/virtual-clock.js';
import { FakeObk } from './fake-obk.js';

/**
 * Registers the usual fixture: a FakeObk started on a fresh VirtualClock (the device's uptime and the
 * host's waits share it), closed and stopped afterwards. `bind` hands both to the suite before its tests
 * run, so a suite keeps plain `clock`/`fake` variables; `scope: 'all'` shares one device across the file.
 */
export function useFakeObk(bind: (clock: VirtualClock, fake: FakeObk) => void, opts: { scope?: 'each' | 'all' } = {}): void {
  let clock: VirtualClock;
  let fake: FakeObk;
  const [before, after] = opts.scope === 'all' ? [beforeAll, afterAll] : [beforeEach, afterEach];
  before(async () => {
    clock = new VirtualClock();
    fake = await new FakeObk({ clock }).start();
    bind(clock, fake);
  });
  after(async () => {
    await fake.close();
    clock.stop();
  });
}
