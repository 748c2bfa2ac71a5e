/**
 * Production calibration (docs/openbeken-behaviour.md §6): the synthetic chip runs with constants that
 * differ from OpenBeken's defaults (as a real unit's would), VoltageSet/CurrentSet/PowerSet are
 * sent at one reference load, and the other loads must then read right. Without a working
 * calibration the readings stay off by the skew, far outside the limits.
 */
import { phase } from '../plan/phase.js';
import type { PlanPhase } from '../plan/types.js';
import {
  DEFAULT_LOAD_POINTS,
  OBK_DEFAULT_CAL,
  calibrationRelativeError,
  frequenciesFor,
  loadLabel,
  readingTolerance,
  type Bl0937Cal,
  type LoadPoint,
} from './bl0937-math.js';
import { DEFAULT_BL0937_TIMING, judgeReadings, meterOf, settleAndRead, type Bl0937Timing, type Bl0937Wiring } from './bl0937.js';

export interface CalibrationPhaseConfig {
  name?: string;
  wiring: Bl0937Wiring;
  loads?: readonly LoadPoint[];
  /** Index in loads of the reference point; default: the one with the most current (finest CurrentSet). */
  referenceIndex?: number;
  /** The synthetic chip's constants relative to OpenBeken's defaults (default +5 %). */
  chipSkew?: number;
  /** Relative error of the single raw window VoltageSet & co divide by (its length is only ~1 s). */
  windowError?: number;
  timing?: Partial<Bl0937Timing>;
}

export function calibrationPhase(cfg: CalibrationPhaseConfig): PlanPhase {
  const timing = { ...DEFAULT_BL0937_TIMING, ...cfg.timing };
  const loads = cfg.loads ?? DEFAULT_LOAD_POINTS;
  const refIndex = cfg.referenceIndex ?? loads.reduce((best, p, i) => (p.amps > loads[best]!.amps ? i : best), 0);
  const ref = loads[refIndex]!;
  const skew = 1 + (cfg.chipSkew ?? 0.05);
  const chip: Bl0937Cal = { voltage: OBK_DEFAULT_CAL.voltage * skew, current: OBK_DEFAULT_CAL.current * skew, power: OBK_DEFAULT_CAL.power * skew };
  const w = cfg.wiring;
  // retries 0: a second attempt would calibrate on top of the first
  return phase(cfg.name ?? 'calibrate', { timeoutMs: 15_000 + loads.length * (3 * timing.settleTimeoutMs + 3000), retries: 0 }, async (t) => {
    const meter = meterOf(t, w);
    try {
      const r = await settleAndRead(t, meter, w, ref, chip, timing);
      if (!r.ok) return;
      t.note(`calibrating at ${loadLabel(ref)} (synthetic chip constants ${((skew - 1) * 100).toFixed(1)} % off the defaults)`);
      await t.device.setCalibration({ voltage: ref.volts, current: ref.amps, power: ref.watts }, { signal: t.signal });
      const rel = calibrationRelativeError(ref, chip, cfg.windowError);
      for (const load of loads) {
        if (load === ref) continue;
        const p = await settleAndRead(t, meter, w, load, chip, timing);
        if (!p.ok || !p.energy) return;
        const follow = meter.worstFollowMs(p.firstEdge + 1);
        const base = readingTolerance(load, chip, frequenciesFor(load, chip), {
          selLatencyS: Math.min(follow, timing.maxFollowMs) / 1000,
          timingMargin: timing.timingMargin,
          resolutionHz: (hz) => meter.resolutionHz(hz),
        });
        const tol = {
          voltage: base.voltage + load.volts * rel.voltage,
          current: base.current + load.amps * rel.current,
          power: base.power + load.watts * rel.power,
        };
        judgeReadings(t, load, p.energy, tol, `calibrated at ${loadLabel(ref)}: 1 pulse/window + constant error`);
      }
    } finally {
      await meter.off();
    }
  });
}
