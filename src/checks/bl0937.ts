/**
 * BL0937 check (docs/openbeken-behaviour.md §6): synthesise CF/CF1 for several load points, read STATUS 8
 * within two SEL cycles of the change, once after a whole voltage window and once after a whole
 * current window, and judge each quantity within the one-pulse-per-window quantisation.
 */
import { sleep } from '../core/clock.js';
import type { ObkClient } from '../device/obk-client.js';
import type { ObkEnergy } from '../device/obk-replies.js';
import type { TemplatePin } from '../device/template.js';
import type { InputLine, PulseOutput } from '../io/types.js';
import type { Phase, PhaseContext } from '../core/run-types.js';
import {
  DEFAULT_LOAD_POINTS,
  OBK_DEFAULT_CAL,
  frequenciesFor,
  loadLabel,
  readingTolerance,
  selMeansVoltage,
  type Bl0937Cal,
  type LoadPoint,
  type Tolerance,
} from './bl0937-math.js';
import { Bl0937Synth } from './bl0937-synth.js';

export interface Bl0937Wiring {
  cf: { pin: TemplatePin; line: PulseOutput };
  cf1: { pin: TemplatePin; line: PulseOutput };
  sel: { pin: TemplatePin; line: InputLine };
}

export interface Bl0937Timing {
  /** SEL edges to let pass after a load change before the readings (the window in progress is mixed). */
  settleEdges: number;
  /** Deadline for each group of SEL edges (SEL toggles once per second). */
  settleTimeoutMs: number;
  /** Worst acceptable SEL-edge → CF1-change delay; also the leak budget in the limits. */
  maxFollowMs: number;
  /** Relative timing margin added to every limit (window length measured in ms, host clock). */
  timingMargin: number;
  /** Pause after a SEL edge before reading, so the driver has published that window. */
  readDelayMs: number;
}

export const DEFAULT_BL0937_TIMING: Bl0937Timing = {
  settleEdges: 2,
  settleTimeoutMs: 5000,
  maxFollowMs: 5,
  timingMargin: 0.003,
  readDelayMs: 50,
};

export interface PointResult {
  /** Voltage read just after a voltage window, current just after a current window, power from the last. */
  energy?: ObkEnergy;
  /** False when SEL stopped toggling or STATUS 8 had no ENERGY (measurements already say why). */
  ok: boolean;
  /** Index of the first SEL edge after the load was set. */
  firstEdge: number;
}

/**
 * Puts one load on the lines, lets the mixed window pass, then reads STATUS 8 right after a
 * voltage window and right after a current window. OpenBeken rescales the kept raw count of the
 * other quantity with the newest window's length, so a value read one window late carries the
 * difference of two window lengths; read fresh, each carries only its own window's quantisation.
 * Records why when it cannot get a reading.
 */
export async function settleAndRead(
  ctx: PhaseContext,
  synth: Bl0937Synth,
  client: ObkClient,
  w: Bl0937Wiring,
  load: LoadPoint,
  chip: Bl0937Cal,
  timing: Bl0937Timing,
): Promise<PointResult> {
  const label = loadLabel(load);
  const firstEdge = synth.edgeCount;
  await synth.setLoad(frequenciesFor(load, chip));
  const noToggle = (want: number, t0: number): PointResult => {
    ctx.measure({
      name: `sel_edges@${label}`,
      value: synth.edgeCount - firstEdge,
      limits: { low: want },
      note: `SEL P${w.sel.pin.gpio} changed ${synth.edgeCount - firstEdge} times in ${Math.round(ctx.clock.now() - t0)} ms (expected once per second): the BL0937 driver is not running (are CF, CF1 and SEL all assigned, and was the device restarted?)`,
    });
    return { ok: false, firstEdge };
  };
  const t0 = ctx.clock.now();
  if (!(await synth.waitForEdgeCount(firstEdge + timing.settleEdges, timing.settleTimeoutMs, ctx.signal))) {
    return noToggle(timing.settleEdges + 2, t0);
  }
  let voltage: number | undefined;
  let current: number | undefined;
  let last: ObkEnergy | undefined;
  for (let k = 0; k < 2; k++) {
    const n = synth.edgeCount;
    if (!(await synth.waitForEdgeCount(n + 1, timing.settleTimeoutMs, ctx.signal))) return noToggle(timing.settleEdges + 2, t0);
    const edge = synth.selEdges[n]!;
    // The window that just ended ran with the SEL level before this edge.
    const endedVoltage = selMeansVoltage(edge.level === 1 ? 0 : 1, w.sel.pin.role.inverted);
    await sleep(ctx.clock, timing.readDelayMs, ctx.signal, 'after the SEL edge');
    last = await client.energy({ signal: ctx.signal });
    if (!last) {
      ctx.measure({
        name: `energy_reported@${label}`,
        value: false,
        limits: { equals: true },
        note: 'STATUS 8 has no ENERGY block although SEL toggles: the metering driver does not publish readings',
      });
      return { ok: false, firstEdge };
    }
    if (endedVoltage) voltage = last.voltage;
    else current = last.current;
  }
  return { ok: true, firstEdge, energy: { ...last!, voltage: voltage ?? last!.voltage, current: current ?? last!.current } };
}

const ROUND = { voltage: 3, current: 4, power: 3 } as const;
const UNIT = { voltage: 'V', current: 'A', power: 'W' } as const;
const TARGET = { voltage: 'volts', current: 'amps', power: 'watts' } as const;

/** Records reading − target per quantity, limited to ±tolerance, with the reading in the note. */
export function judgeReadings(ctx: PhaseContext, load: LoadPoint, e: ObkEnergy, tol: Tolerance, why: string): boolean {
  let ok = true;
  for (const q of ['voltage', 'current', 'power'] as const) {
    const target = load[TARGET[q]];
    const err = e[q] - target;
    const digits = ROUND[q] + 1;
    const m = ctx.measure({
      name: `${q}_error@${loadLabel(load)}`,
      value: Number(err.toFixed(digits)),
      unit: UNIT[q],
      limits: { low: -Number(tol[q].toFixed(digits)), high: Number(tol[q].toFixed(digits)) },
      note: `read ${e[q]} ${UNIT[q]} for ${target} ${UNIT[q]} (±${tol[q].toFixed(digits)}: ${why})`,
    });
    if (m.verdict === 'FAIL') ok = false;
  }
  return ok;
}

/** What every phase that drives the synthetic meter is given (the accuracy and the calibration phase). */
export interface MeterPhaseConfig {
  name?: string;
  wiring: Bl0937Wiring;
  client: ObkClient;
  loads?: readonly LoadPoint[];
  timing?: Partial<Bl0937Timing>;
}

export interface Bl0937PhaseConfig extends MeterPhaseConfig {
  /** The constants the firmware uses (OpenBeken defaults on an uncalibrated unit). */
  calibration?: Bl0937Cal;
}

/** The rig's share of a reading's tolerance at `load`: SEL follow delay, timing margin, the lines' resolution. */
export function rigTolerance(load: LoadPoint, cal: Bl0937Cal, followMs: number, timing: Bl0937Timing, w: Bl0937Wiring): Tolerance {
  return readingTolerance(load, cal, frequenciesFor(load, cal), {
    selLatencyS: Math.min(followMs, timing.maxFollowMs) / 1000,
    timingMargin: timing.timingMargin,
    resolutionHz: (hz) => Math.max(w.cf.line.resolutionHz(hz), w.cf1.line.resolutionHz(hz)),
  });
}

/** A meter phase's deadline: `fixedMs`, plus three settle windows and a read for each load point. */
export function meterPhaseTimeoutMs(fixedMs: number, loads: readonly LoadPoint[], timing: Bl0937Timing): number {
  return fixedMs + loads.length * (3 * timing.settleTimeoutMs + 3000);
}

/** The synthetic meter playing on the wiring's lines, on the phase's clock. */
export function meterSynth(w: Bl0937Wiring, ctx: PhaseContext): Bl0937Synth {
  return new Bl0937Synth(w.cf.line, w.cf1.line, w.sel.line, w.sel.pin.role.inverted, ctx.clock);
}

export function bl0937Phase(cfg: Bl0937PhaseConfig): Phase {
  const timing = { ...DEFAULT_BL0937_TIMING, ...cfg.timing };
  const loads = cfg.loads ?? DEFAULT_LOAD_POINTS;
  const cal = cfg.calibration ?? OBK_DEFAULT_CAL;
  const w = cfg.wiring;
  return {
    name: cfg.name ?? 'bl0937',
    timeoutMs: meterPhaseTimeoutMs(10_000, loads, timing),
    retries: 1,
    async run(ctx) {
      const synth = meterSynth(w, ctx);
      try {
        let worstFollow = 0;
        for (const load of loads) {
          const r = await settleAndRead(ctx, synth, cfg.client, w, load, cal, timing);
          if (!r.ok || !r.energy) return;
          const follow = synth.worstFollowMs(r.firstEdge + 1);
          worstFollow = Math.max(worstFollow, follow);
          const tol = rigTolerance(load, cal, follow, timing, w);
          judgeReadings(ctx, load, r.energy, tol, `1 pulse/window, ${follow.toFixed(2)} ms SEL follow, ${(timing.timingMargin * 100).toFixed(1)} % timing`);
        }
        ctx.measure({
          name: 'sel_follow_worst',
          value: Number(worstFollow.toFixed(3)),
          unit: 'ms',
          limits: { high: timing.maxFollowMs },
          note: 'rig: delay from a SEL edge to CF1 at the new frequency (pulses of the other quantity leak in meanwhile)',
        });
      } finally {
        await synth.stop();
      }
    },
  };
}
