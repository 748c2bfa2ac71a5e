/**
 * BL0937 check (docs/openbeken-behaviour.md §6): synthesise CF/CF1 for several load points, read STATUS 8
 * within two SEL cycles of the change, once after a whole voltage window and once after a whole
 * current window, and judge each quantity within the one-pulse-per-window quantisation.
 */
import { PlugrigError } from '../core/errors.js';
import type { DeviceEnergy, MeterApi } from '../core/resources.js';
import type { TemplatePin } from '../device/template.js';
import { phase } from '../plan/phase.js';
import type { PlanContext, PlanPhase } from '../plan/types.js';
import { needPads } from './pads.js';
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

/** The profile's BL0937 pins (the rig drives CF and CF1 and watches SEL through t.fixture.meter). */
export interface Bl0937Wiring {
  cf: TemplatePin;
  cf1: TemplatePin;
  sel: TemplatePin;
}

/** t.fixture.meter, or a failure saying which pads the rig must wire. */
export function meterOf(t: PlanContext, w: Bl0937Wiring): MeterApi {
  needPads(t, [
    { pin: w.cf, what: 'BL0937 CF' },
    { pin: w.cf1, what: 'BL0937 CF1' },
    { pin: w.sel, what: 'BL0937 SEL' },
  ]);
  const m = t.fixture.meter;
  if (!m)
    throw new PlugrigError(
      'E_NO_RESOURCE',
      `the rig has no BL0937 meter (CF P${w.cf.gpio}, CF1 P${w.cf1.gpio} as pulse outputs, SEL P${w.sel.gpio} as an input)`,
      'wire those pads in the rig file',
    );
  return m;
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
  energy?: DeviceEnergy;
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
  t: PlanContext,
  meter: MeterApi,
  w: Bl0937Wiring,
  load: LoadPoint,
  chip: Bl0937Cal,
  timing: Bl0937Timing,
): Promise<PointResult> {
  const label = loadLabel(load);
  const firstEdge = meter.selEdges.length;
  await meter.load(load, { constants: chip });
  const noToggle = (want: number, t0: number): PointResult => {
    const seen = meter.selEdges.length - firstEdge;
    t.measure(`sel_edges@${label}`, seen, {
      limits: { low: want },
      note: `SEL P${w.sel.gpio} changed ${seen} times in ${Math.round(t.clock.now() - t0)} ms (expected once per second): the BL0937 driver is not running (are CF, CF1 and SEL all assigned, and was the device restarted?)`,
    });
    return { ok: false, firstEdge };
  };
  const t0 = t.clock.now();
  const wait = { timeoutMs: timing.settleTimeoutMs, signal: t.signal };
  if (!(await meter.waitForSelEdges(firstEdge + timing.settleEdges, wait))) return noToggle(timing.settleEdges + 2, t0);
  let voltage: number | undefined;
  let current: number | undefined;
  let last: DeviceEnergy | undefined;
  for (let k = 0; k < 2; k++) {
    const n = meter.selEdges.length;
    if (!(await meter.waitForSelEdges(n + 1, wait))) return noToggle(timing.settleEdges + 2, t0);
    const edge = meter.selEdges[n]!;
    // The window that just ended ran with the SEL level before this edge.
    const endedVoltage = selMeansVoltage(edge.level === 1 ? 0 : 1, meter.selInverted);
    await t.sleep(timing.readDelayMs);
    last = await t.device.energy({ signal: t.signal });
    if (!last) {
      t.measure(`energy_reported@${label}`, false, {
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
export function judgeReadings(t: PlanContext, load: LoadPoint, e: DeviceEnergy, tol: Tolerance, why: string): boolean {
  let ok = true;
  for (const q of ['voltage', 'current', 'power'] as const) {
    const target = load[TARGET[q]];
    const err = e[q] - target;
    const digits = ROUND[q] + 1;
    const m = t.measure(`${q}_error@${loadLabel(load)}`, Number(err.toFixed(digits)), {
      unit: UNIT[q],
      limits: { low: -Number(tol[q].toFixed(digits)), high: Number(tol[q].toFixed(digits)) },
      note: `read ${e[q]} ${UNIT[q]} for ${target} ${UNIT[q]} (±${tol[q].toFixed(digits)}: ${why})`,
    });
    if (m.verdict === 'FAIL') ok = false;
  }
  return ok;
}

export interface Bl0937PhaseConfig {
  name?: string;
  wiring: Bl0937Wiring;
  loads?: readonly LoadPoint[];
  /** The constants the firmware uses (OpenBeken defaults on an uncalibrated unit). */
  calibration?: Bl0937Cal;
  timing?: Partial<Bl0937Timing>;
}

export function bl0937Phase(cfg: Bl0937PhaseConfig): PlanPhase {
  const timing = { ...DEFAULT_BL0937_TIMING, ...cfg.timing };
  const loads = cfg.loads ?? DEFAULT_LOAD_POINTS;
  const cal = cfg.calibration ?? OBK_DEFAULT_CAL;
  const w = cfg.wiring;
  return phase(cfg.name ?? 'bl0937', { timeoutMs: 10_000 + loads.length * (3 * timing.settleTimeoutMs + 3000), retries: 1 }, async (t) => {
    const meter = meterOf(t, w);
    try {
      let worstFollow = 0;
      for (const load of loads) {
        const r = await settleAndRead(t, meter, w, load, cal, timing);
        if (!r.ok || !r.energy) return;
        const follow = meter.worstFollowMs(r.firstEdge + 1);
        worstFollow = Math.max(worstFollow, follow);
        const f = frequenciesFor(load, cal);
        const tol = readingTolerance(load, cal, f, {
          selLatencyS: Math.min(follow, timing.maxFollowMs) / 1000,
          timingMargin: timing.timingMargin,
          resolutionHz: (hz) => meter.resolutionHz(hz),
        });
        judgeReadings(t, load, r.energy, tol, `1 pulse/window, ${follow.toFixed(2)} ms SEL follow, ${(timing.timingMargin * 100).toFixed(1)} % timing`);
      }
      t.measure('sel_follow_worst', Number(worstFollow.toFixed(3)), {
        unit: 'ms',
        limits: { high: timing.maxFollowMs },
        note: 'rig: delay from a SEL edge to CF1 at the new frequency (pulses of the other quantity leak in meanwhile)',
      });
    } finally {
      await meter.off();
    }
  });
}
