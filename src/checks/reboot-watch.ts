/**
 * After the template is applied, one reset through the rig's own boot sequence (CEN), so the host
 * knows the boot instant to the millisecond and can record the Wi-Fi LED pad from it: the LED's
 * polarity shows only in its first blink after a boot with the role saved (led.ts). Waits for 6 s
 * of firmware uptime first, so the reset never counts toward OpenBeken's safe-mode counter.
 */
import { sleep, type Clock } from '../core/clock.js';
import type { ObkClient } from '../device/obk-client.js';
import type { InputLine } from '../io/types.js';
import type { Rig } from '../rig/types.js';
import type { Phase } from '../core/run-types.js';
import { startLedBootWatch, type LedBootWatch } from './led.js';
import { waitForUptime } from './uptime.js';

export interface RebootWatch {
  phase: Phase;
  /** The LED recording of the last reboot, for the Wi-Fi LED check. */
  recording(gpio: number): LedBootWatch | undefined;
  close(): void;
}

const SAFE_UPTIME_S = 6;

/** Polls /api/info until the rebooted firmware answers (connection errors expected meanwhile). */
async function answerAgain(client: ObkClient, deadlineMs: number, signal: AbortSignal, clock: Clock): Promise<number | undefined> {
  const end = clock.now() + deadlineMs;
  // Bounded by the deadline on the clock, and by a count (each look costs at least the pause).
  for (let look = 0; look < Math.ceil(deadlineMs / 250) + 1 && clock.now() < end; look++) {
    try {
      return (await client.info({ signal })).uptimeS;
    } catch (e) {
      if (signal.aborted) throw e;
      await sleep(clock, 250, signal, 'waiting for the firmware after the reset');
    }
  }
  return undefined;
}

export function rebootWatchPhase(o: { rig: Rig; client: ObkClient; ledPads: number[]; bootTimeoutMs?: number }): RebootWatch {
  const watches = new Map<number, LedBootWatch>();
  const closeAll = () => {
    for (const w of watches.values()) w.close();
    watches.clear();
  };
  const phase: Phase = {
    name: 'reboot',
    timeoutMs: 60_000,
    async run(ctx) {
      if (!o.rig.boot) ctx.skip(`rig ${o.rig.name} has no boot sequence`);
      const before = await waitForUptime(o.client, SAFE_UPTIME_S, ctx);
      ctx.log(`uptime ${before.uptimeS} s: resetting through '${o.rig.boot!.name}' with the LED pad recorded`);
      closeAll();
      for (const pad of o.ledPads) {
        const f = o.rig.fixture.get(pad);
        if (f?.kind === 'input') watches.set(pad, startLedBootWatch(f.line as InputLine, { clock: ctx.clock }));
      }
      await o.rig.boot!.run(ctx.signal);
      // The sequence ends by releasing CEN: that is the boot instant.
      const bootNs = ctx.clock.nowNs();
      for (const w of watches.values()) w.markBoot(bootNs);
      const after = await answerAgain(o.client, o.bootTimeoutMs ?? 20_000, ctx.signal, ctx.clock);
      ctx.measure({
        name: 'uptime_after_reset',
        value: after ?? null,
        unit: 's',
        limits: { low: 0, high: before.uptimeS - 1 },
        note: after === undefined ? 'the firmware did not answer after the reset' : 'lower than before the reset: the firmware restarted',
      });
    },
  };
  return { phase, recording: (gpio) => watches.get(gpio), close: closeAll };
}
