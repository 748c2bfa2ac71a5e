import { afterAll, afterEach, beforeAll, beforeEach } from '@jest/globals';
import { VirtualClock } from '../../src/core/virtual-clock.js';
import { FakeObk } from './fake-obk.js';

interface FixtureOptions {
  /** 'all': one device for the whole file (or describe block); default 'each': a fresh one per test. */
  scope?: 'each' | 'all';
}

/**
 * Registers the usual fixture: a FakeObk started on a fresh VirtualClock (the device's uptime and the
 * host's waits share it), closed and stopped afterwards. `bind` hands both to the suite before its tests
 * run, so a suite keeps plain `clock`/`fake` variables.
 */
export function useFakeObk(bind: (clock: VirtualClock, fake: FakeObk) => void, opts: FixtureOptions = {}): void {
  let clock: VirtualClock | undefined;
  register(
    async () => {
      clock = new VirtualClock();
      const fake = await new FakeObk({ clock }).start();
      bind(clock, fake);
      return fake;
    },
    () => clock?.stop(),
    opts,
  );
}

/** The same on the machine's clock, for the tests of real-time HTTP deadlines and retries. */
export function useRealTimeFakeObk(bind: (fake: FakeObk) => void, opts: FixtureOptions = {}): void {
  register(
    async () => {
      const fake = await new FakeObk().start();
      bind(fake);
      return fake;
    },
    () => undefined,
    opts,
  );
}

function register(start: () => Promise<FakeObk>, stopClock: () => void, opts: FixtureOptions): void {
  let fake: FakeObk | undefined;
  const [before, after] = opts.scope === 'all' ? [beforeAll, afterAll] : [beforeEach, afterEach];
  before(async () => {
    fake = await start();
  });
  after(async () => {
    await fake?.close();
    stopClock();
  });
}
