/**
 * The rig's supply and CEN lines as the plan API's PowerApi. Every reset goes through the rig's boot
 * guard: OpenBeken counts resets before 5 s of uptime and falls into safe mode after a few, so a
 * reset asked for too soon waits out the rest of the window first (on the rig's clock, abortable)
 * instead of counting toward it.
 */
import { sleep } from '../../core/clock.js';
import { PlugrigError } from '../../core/errors.js';
import type { PowerApi } from '../../core/resources.js';
import { BootGuard, MIN_UPTIME_BEFORE_RESET_MS } from '../../rig/boot-guard.js';
import type { Rig } from '../../rig/types.js';

export type PowerRig = Pick<Rig, 'name' | 'clock' | 'power' | 'cen' | 'boot' | 'resets' | 'releaseUartPads'> & { bootGuard?: BootGuard };

/** CEN held low this long when the rig has no boot sequence of its own. */
const CEN_PULSE_MS = 120;

export function rigPower(rig: PowerRig, opts: { note?: (message: string) => void } = {}): PowerApi {
  const guard = rig.bootGuard ?? new BootGuard(MIN_UPTIME_BEFORE_RESET_MS, () => rig.clock.now());
  const note = opts.note ?? (() => undefined);

  /** Waits out the early-reset window, then lets the guard count this reset. */
  const guarded = async (what: string, signal?: AbortSignal) => {
    const left = guard.remainingMs();
    if (left > 0) {
      note(`${what}: waiting ${Math.ceil(left)} ms so the reset does not count toward OpenBeken's safe mode`);
      await sleep(rig.clock, left, signal, `${what}: early-reset guard`);
    }
    guard.beforeReset(what);
  };

  const noLine = (what: string, line: string): never => {
    throw new PlugrigError('E_NO_RESOURCE', `${what}: rig ${rig.name} has no ${line} line`, `wire "${line}" in the rig file to let a plan ${what}`);
  };

  const off = async (o: { signal?: AbortSignal } = {}) => {
    if (!rig.power) return noLine('power off', 'power');
    await guarded('power off', o.signal);
    // Nothing of the fixture may back-power the module through RX1/TX1 while it is off.
    await rig.releaseUartPads();
    await rig.power.set(0);
  };

  const on = async (_o: { signal?: AbortSignal } = {}) => {
    if (!rig.power) return noLine('power on', 'power');
    await rig.power.set(1);
    if (rig.cen) await rig.cen.release();
    guard.markBooted();
  };

  const reset = async (o: { signal?: AbortSignal } = {}) => {
    if (rig.boot) {
      // The rig's boot sequence checks the guard itself and marks the boot instant; wait out the window first.
      const left = guard.remainingMs();
      if (left > 0) {
        note(`reset: waiting ${Math.ceil(left)} ms so the reset does not count toward OpenBeken's safe mode`);
        await sleep(rig.clock, left, o.signal, 'reset: early-reset guard');
      }
      await rig.boot.run(o.signal);
      return;
    }
    if (!rig.cen) return noLine('reset', 'cen');
    await guarded('reset', o.signal);
    await rig.releaseUartPads();
    if (rig.power) await rig.power.set(1);
    await rig.cen.set(0);
    try {
      await sleep(rig.clock, CEN_PULSE_MS, o.signal, 'reset: CEN held low');
    } finally {
      await rig.cen.release();
    }
    guard.markBooted();
  };

  return {
    switchable: !!rig.power,
    off,
    on,
    reset,
    async cycle(o = {}) {
      if (!rig.power) {
        const text = `rig ${rig.name} cannot switch the supply (no power line): reset through CEN instead`;
        note(text);
        await reset(o);
        return text;
      }
      const offMs = o.offMs ?? 500;
      await off(o);
      await sleep(rig.clock, offMs, o.signal, 'power cycle: supply off');
      await on(o);
      return `supply off ${offMs} ms, then on`;
    },
  };
}
