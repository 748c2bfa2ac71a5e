/**
 * After the template is applied, one reset through the rig (t.power.reset: its boot sequence, or a
 * CEN pulse), so the host knows the boot instant to the millisecond and can record the Wi-Fi LED
 * pad from it: the LED's polarity shows only in its first blink after a boot with the role saved
 * (led.ts). Waits for 6 s of firmware uptime first, so the reset never counts toward OpenBeken's
 * safe-mode counter. On the public plan API; the recording is shared with the LED phase through
 * the returned object, as a user's two phases would share it.
 */
import { sleep, type Clock } from '../core/clock.js';
import { isPlugrigError } from '../core/errors.js';
import type { DeviceApi } from '../core/resources.js';
import { phase } from '../plan/phase.js';
import type { PlanPhase } from '../plan/types.js';
import { startLedBootWatch, type LedBootWatch } from './led.js';
import { waitForUptime } from './uptime.js';

export interface RebootWatch {
  phase: PlanPhase;
  /** The LED recording of the last reboot, for the Wi-Fi LED check. */
  recording(gpio: number): LedBootWatch | undefined;
  close(): void;
}

const SAFE_UPTIME_S = 6;

/** Polls /api/info until the rebooted firmware answers (connection errors expected meanwhile). */
async function answerAgain(device: DeviceApi, deadlineMs: number, signal: AbortSignal, clock: Clock): Promise<number | undefined> {
  const end = clock.now() + deadlineMs;
  // Bounded by the deadline on the clock, and by a count (each look costs at least the pause).
  for (let look = 0; look < Math.ceil(deadlineMs / 250) + 1 && clock.now() < end; look++) {
    try {
      return (await device.info({ signal })).uptimeS;
    } catch (e) {
      if (signal.aborted) throw e;
      await sleep(clock, 250, signal, 'waiting for the firmware after the reset');
    }
  }
  return undefined;
}

export function rebootWatchPhase(o: { ledPads: number[]; bootTimeoutMs?: number }): RebootWatch {
  const watches = new Map<number, LedBootWatch>();
  const closeAll = () => {
    for (const w of watches.values()) w.close();
    watches.clear();
  };
  const built = phase('reboot', { timeoutMs: 60_000 }, async (t) => {
    const before = await waitForUptime(t.device, SAFE_UPTIME_S, t);
    t.note(`uptime ${before.uptimeS} s: resetting with the LED pad recorded`);
    closeAll();
    for (const pad of o.ledPads) {
      if (t.fixture.has(pad)) watches.set(pad, startLedBootWatch(t.fixture.watch(pad), { clock: t.clock }));
    }
    try {
      await t.power.reset({ signal: t.signal });
    } catch (e) {
      if (isPlugrigError(e) && e.code === 'E_NO_RESOURCE') t.skip(e.message);
      throw e;
    }
    // The reset ends by releasing CEN: that is the boot instant.
    const bootNs = t.clock.nowNs();
    for (const w of watches.values()) w.markBoot(bootNs);
    const after = await answerAgain(t.device, o.bootTimeoutMs ?? 20_000, t.signal, t.clock);
    t.measure('uptime_after_reset', after ?? null, {
      unit: 's',
      limits: { low: 0, high: before.uptimeS - 1 },
      note: after === undefined ? 'the firmware did not answer after the reset' : 'lower than before the reset: the firmware restarted',
    });
  });
  return { phase: built, recording: (gpio) => watches.get(gpio), close: closeAll };
}
