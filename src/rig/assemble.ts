/**
 * Turns opened lines into a Rig, the same way for every backend: reset sequences compiled over the
 * lines and wrapped with the pad-safety and boot-hazard rules, UART pads released before flashing
 * and before every reset, everything closed once.
 */
import { realClock, type Clock } from '../core/clock.js';
import { PlugrigError } from '../core/errors.js';
import type { OutputLine } from '../io/types.js';
import { BootGuard, MIN_UPTIME_BEFORE_RESET_MS } from './boot-guard.js';
import type { RigConfig } from './config-types.js';
import { clockSleeper, runSteps } from './sequence.js';
import type { SerialOpener } from '../io/types.js';
import type { FixtureLine, ResetSequence, Rig } from './types.js';

export interface OpenedLines {
  power?: OutputLine;
  cen?: OutputLine;
  /** Fixture lines by pad, with their names from the rig file. */
  fixture: Map<number, FixtureLine & { name: string }>;
  uart: SerialOpener;
  logUart?: SerialOpener;
  deviceUrl: () => string | undefined;
  /** Releases the backend (unexport, close the simulated module...). Called once, after the lines close. */
  closeBackend: () => Promise<void>;
}

/** What openRig returns: a Rig plus what tools (rig check, the runner) want to see. */
export interface OpenRig extends Rig {
  readonly config: RigConfig;
  readonly bootGuard: BootGuard;
  /** Every sequence of the rig file (resets, boot and user ones), by name, with the same safety wrapping. */
  readonly sequences: ReadonlyMap<string, ResetSequence>;
  /** A fixture line by its rig-file name. */
  line(name: string): (FixtureLine & { name: string }) | undefined;
}

/** An input's debounceMs from the rig file applies to every watch that does not give its own. */
function applyDefaultDebounce(config: RigConfig, fixture: Map<number, FixtureLine & { name: string }>): void {
  for (const f of config.fixture) {
    const entry = fixture.get(f.pad);
    if (entry?.kind !== 'input' || !f.debounceMs) continue;
    const line = entry.line;
    const ms = f.debounceMs;
    fixture.set(f.pad, {
      ...entry,
      line: { name: line.name, read: () => line.read(), watch: (cb, debounceMs) => line.watch(cb, debounceMs ?? ms), close: () => line.close() },
    });
  }
}

/** With a signal, an abort closes the rig (every line released). Sequences and the boot guard run on `clock` (default realClock). */
export function assembleRig(config: RigConfig, lines: OpenedLines, opts: { guard?: BootGuard; signal?: AbortSignal; clock?: Clock } = {}): OpenRig {
  const clock = opts.clock ?? realClock;
  const guard = opts.guard ?? new BootGuard(MIN_UPTIME_BEFORE_RESET_MS, () => clock.now());
  const sleep = clockSleeper(clock);
  applyDefaultDebounce(config, lines.fixture);
  const byName = new Map<string, OutputLine>();
  if (lines.power) byName.set('power', lines.power);
  if (lines.cen) byName.set('cen', lines.cen);
  for (const f of lines.fixture.values()) if (f.kind === 'output') byName.set(f.name, f.line);

  let closed = false;
  const live = (what: string) => {
    if (closed) throw new PlugrigError('E_RIG_CLOSED', `rig ${config.name}: ${what} after close`, 'open the rig again');
  };

  const releaseUartPads = async () => {
    for (const pad of config.uartPads) {
      const f = lines.fixture.get(pad);
      if (!f) continue;
      if (f.kind === 'output') await f.line.release();
      else if (f.kind === 'pulse') await f.line.stop();
    }
  };

  const sequence = (name: string, afterRun?: () => void, label = name): ResetSequence => {
    const s = config.sequences[name]!;
    const resets = s.steps.some((st) => st.kind === 'set' && (st.line === 'cen' || st.line === 'power'));
    const mentionsPower = s.steps.some((st) => st.kind === 'set' && st.line === 'power');
    return {
      name: label,
      text: afterRun ? `(release UART pads) ${s.text}; (no reset for ${guard.minUptimeMs / 1000} s)` : s.text,
      durationMs: s.steps.reduce((t, st) => t + (st.kind === 'wait' ? st.ms : 0), 0),
      async run(signal) {
        live(`sequence ${label}`);
        if (resets) {
          guard.beforeReset(`sequence ${label}`);
          // The button on RX1 must never be held low across a reset, and UART pads stay free for the ROM.
          await releaseUartPads();
          // A reset needs a powered module; a sequence that does not switch power itself gets it on.
          if (lines.power && !mentionsPower) await lines.power.set(1);
        }
        await runSteps(s.steps, byName, label, signal, sleep);
        afterRun?.();
      },
    };
  };

  const sequences = new Map(Object.keys(config.sequences).map((n) => [n, sequence(n)] as const));
  const resets = config.resets.map((n) => sequences.get(n)!);
  const boot = sequence(config.boot, () => guard.markBooted(), 'boot');

  const onAbort = () => void rig.close().catch(() => {});
  const rig: OpenRig = {
    name: config.name,
    source: config.source,
    clock,
    config,
    bootGuard: guard,
    // The flasher owns UART1 from here: nothing of the fixture may hold P10/P11.
    uart: {
      path: lines.uart.path,
      open: async (o) => {
        live('uart.open');
        await releaseUartPads();
        return lines.uart.open(o);
      },
    },
    logUart: lines.logUart,
    power: lines.power,
    cen: lines.cen,
    resets,
    boot,
    sequences,
    fixture: lines.fixture,
    devicePath: config.devicePath,
    deviceUrl: () => lines.deviceUrl(),
    line: (name) => [...lines.fixture.values()].find((f) => f.name === name),
    releaseUartPads: async () => {
      live('releaseUartPads');
      await releaseUartPads();
    },
    async close() {
      if (closed) return;
      closed = true;
      opts.signal?.removeEventListener('abort', onAbort);
      const all = [lines.power, lines.cen, ...[...lines.fixture.values()].map((f) => f.line)];
      const results = await Promise.allSettled(all.map((l) => l?.close()));
      await lines.closeBackend();
      const failed = results.find((r) => r.status === 'rejected') as PromiseRejectedResult | undefined;
      if (failed) throw failed.reason;
    },
  };
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  return rig;
}
