/**
 * The one "boot, then wait for the device's HTTP address": after the rig's boot sequence, the
 * flashed firmware's URL appears once it serves HTTP (a simulated module's port is known only
 * then; a real rig's deviceUrl is fixed, so it is there at once). Used by the unit plan's boot
 * phase and by `plugrig test` on a unit that is not running yet.
 */
import { realClock, sleep, type Clock } from '../core/clock.js';
import { PlugrigError } from '../core/errors.js';
import type { Rig } from '../rig/types.js';

/** What is waited on: a rig (which can also be booted), or just a function giving the URL. */
export type DeviceSource = Pick<Rig, 'name' | 'deviceUrl' | 'boot' | 'clock'> | (() => string | undefined);

export interface WaitForDeviceOptions {
  /** Default: the rig's clock, else the machine's. */
  clock?: Clock;
  /** Deadline for the URL to appear (after the boot sequence, when one runs). */
  timeoutMs: number;
  signal?: AbortSignal;
  /**
   * 'always': run the rig's boot sequence first (after flashing). 'if-absent': only when the rig has
   * no URL yet (a unit that may already be running). Default 'never'.
   */
  boot?: 'always' | 'if-absent' | 'never';
  /** Called before the boot sequence runs, with what is about to happen. */
  log?: (message: string) => void;
  /** Pause between two looks; the URL is a local value, so looking is cheap. Default 100 ms. */
  intervalMs?: number;
}

export interface DeviceFound {
  url: string;
  /** From the call (so the boot sequence included) to the URL appearing, on the clock. */
  waitedMs: number;
}

/**
 * Resolves with the URL once there is one; rejects with E_DEVICE_NO_URL at the deadline and with
 * E_ABORTED when the signal fires. Bounded by timeoutMs (plus the boot sequence's own length).
 */
export async function waitForDevice(source: DeviceSource, o: WaitForDeviceOptions): Promise<DeviceFound> {
  const rig = typeof source === 'function' ? undefined : source;
  const url = typeof source === 'function' ? source : () => source.deviceUrl();
  const clock = o.clock ?? rig?.clock ?? realClock;
  const mode = o.boot ?? 'never';
  const called = clock.now();
  if (rig && mode === 'always' && !rig.boot) {
    throw new PlugrigError('E_NO_BOOT_SEQUENCE', `rig ${rig.name} has no boot sequence`, 'add "boot" to the rig file');
  }
  // 'if-absent' without a boot sequence just waits: the unit may be powered by hand.
  if (rig?.boot && (mode === 'always' || (mode === 'if-absent' && !url()))) {
    o.log?.(`running the rig's boot sequence (${rig.boot.text})`);
    await rig.boot.run(o.signal);
  }
  const start = clock.now();
  const end = start + o.timeoutMs;
  const interval = Math.max(1, o.intervalMs ?? 100);
  // Bounded twice: by the deadline on the clock, and by a count in case the clock does not move.
  const maxLooks = Math.ceil(o.timeoutMs / interval) + 2;
  for (let look = 0; look < maxLooks; look++) {
    const found = url();
    if (found !== undefined) return { url: found, waitedMs: clock.now() - called };
    const left = end - clock.now();
    if (left <= 0) break;
    await sleep(clock, Math.min(interval, left), o.signal, 'waiting for the device HTTP API');
  }
  throw new PlugrigError(
    'E_DEVICE_NO_URL',
    `${rig ? `rig ${rig.name}: ` : ''}the unit's HTTP API did not appear within ${o.timeoutMs} ms`,
    'flash OpenBeken first (plugrig run / plugrig flash), set deviceUrl in the rig file, or pass --url',
  );
}
