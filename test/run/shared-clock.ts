/**
 * One clock for the host and the simulated module of a test (DESIGN.md, "One clock"): the test
 * passes the same object to openRig / createSimModule / the runner / the fakes.
 *
 * It is a VirtualClock once the simulator runs its timers on the clock it is given, which is
 * probed, not assumed: a powered module opens its ROM download window on a timer, so a simulator
 * that honours `clock` leaves a timer pending on it. Until then (the simulator still on real time)
 * the host must not run ahead of the module, and the tests get the machine's clock.
 */
import { afterAll } from '@jest/globals';
import { realClock, type Clock } from '../../src/core/clock.js';
import { VirtualClock } from '../../src/core/virtual-clock.js';
import { createSimModule } from '../../src/sim/index.js';

let probed: boolean | undefined;

/** True when a simulated module schedules its timers on the clock it is given. */
export async function simulatorTakesClock(): Promise<boolean> {
  if (probed !== undefined) return probed;
  const probe = new VirtualClock({ autoAdvance: false });
  const module = createSimModule({ clock: probe, powered: true, timing: 'fast', factoryImage: false, path: 'sim:clock-probe' });
  probed = probe.pending > 0;
  await module.close();
  probe.stop();
  return probed;
}

/** A fresh VirtualClock when the simulator takes it, else the real one. Stop it in afterAll (stopClock). */
export async function sharedSimClock(): Promise<Clock> {
  return (await simulatorTakesClock()) ? new VirtualClock() : realClock;
}

export function stopSharedClock(clock: Clock): void {
  if (clock instanceof VirtualClock) clock.stop();
}

/**
 * The usual set-up of a test file on the simulator: its shared clock, and a list to push cleanups
 * onto; after all its tests they run last-first (a failing one does not stop the others), then the
 * clock is stopped.
 */
export async function simTestFile(): Promise<{ clock: Clock; cleanups: (() => Promise<unknown>)[] }> {
  const clock = await sharedSimClock();
  const cleanups: (() => Promise<unknown>)[] = [];
  afterAll(async () => {
    for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
    stopSharedClock(clock);
  });
  return { clock, cleanups };
}
