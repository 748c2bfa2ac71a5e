/**
 * Pure BL0937 maths for the fixture (docs/openbeken-behaviour.md §6). OpenBeken counts falling edges per
 * ~1 s window and multiplies by a constant in "units per pulse per second": V = N·Vcal/t, I = N·Ical/t,
 * P = N·Pcal/t. SEL flips once per second; BL0937SEL: SEL high = voltage window, BL0937SEL_n: reversed.
 */
import type { LoadPoint } from '../core/resources.js';
import type { Level } from '../io/types.js';

/** Units per Hz. */
export interface Bl0937Cal {
  voltage: number;
  current: number;
  power: number;
}

/** OpenBeken's defaults (drv_bl0937.c): 11/83 V/Hz, 3/253 A/Hz, 1.5 W/Hz. */
export const OBK_DEFAULT_CAL: Readonly<Bl0937Cal> = { voltage: 0.13253012048, current: 0.0118577075, power: 1.5 };

/** Above this the driver keeps the previous power reading (BL0937_PMAX). */
export const OBK_PMAX_W = 3680;

/** A load the meter is made to see: the fixture's type (core/resources.ts), re-exported for the math's users. */
export type { LoadPoint };

export const DEFAULT_LOAD_POINTS: readonly LoadPoint[] = [
  { volts: 230, amps: 0.5, watts: 115 },
  { volts: 230, amps: 8, watts: 1840 },
  { volts: 120, amps: 0.05, watts: 6 },
];

export function loadLabel(p: LoadPoint): string {
  return `${p.volts}V/${p.amps}A/${p.watts}W`;
}

export interface Bl0937Freqs {
  cfHz: number;
  cf1VoltageHz: number;
  cf1CurrentHz: number;
}

/** The pulse frequencies a BL0937 with constants `chip` would emit at this load. */
export function frequenciesFor(load: LoadPoint, chip: Bl0937Cal): Bl0937Freqs {
  return { cfHz: load.watts / chip.power, cf1VoltageHz: load.volts / chip.voltage, cf1CurrentHz: load.amps / chip.current };
}

/** Whether the module's SEL level selects the voltage window. */
export function selMeansVoltage(sel: Level, selInverted: boolean): boolean {
  return (sel === 1) !== selInverted;
}

/** CF1 frequency to emit while SEL is at `sel`. */
export function cf1For(sel: Level, selInverted: boolean, f: Bl0937Freqs): number {
  return selMeansVoltage(sel, selInverted) ? f.cf1VoltageHz : f.cf1CurrentHz;
}

export interface ToleranceOptions {
  /** Worst delay between the module's SEL edge and our CF1 change, s: pulses of the other quantity leak into the window. */
  selLatencyS?: number;
  /** Relative error of the window-length measurement and host clock. */
  timingMargin?: number;
  /** The pulse output's frequency step at a given frequency (Hz). */
  resolutionHz?: (hz: number) => number;
}

export interface Tolerance {
  voltage: number;
  current: number;
  power: number;
}

/**
 * ± limits per quantity for a reading at calibration `cal`: one pulse per ~1 s window (the
 * quantisation), the pulse output's frequency step, the CF1 pulses that leak across a SEL change
 * while we follow it, and a small relative timing margin.
 */
export function readingTolerance(load: LoadPoint, cal: Bl0937Cal, f: Bl0937Freqs, opts: ToleranceOptions = {}): Tolerance {
  const lat = opts.selLatencyS ?? 0.001;
  const margin = opts.timingMargin ?? 0.003;
  const res = opts.resolutionHz ?? (() => 0);
  const leak = Math.abs(f.cf1VoltageHz - f.cf1CurrentHz) * lat;
  return {
    voltage: cal.voltage * (1 + res(f.cf1VoltageHz) + leak) + Math.abs(load.volts) * margin,
    current: cal.current * (1 + res(f.cf1CurrentHz) + leak) + Math.abs(load.amps) * margin,
    power: cal.power * (1 + res(f.cfHz)) + Math.abs(load.watts) * margin,
  };
}

/**
 * Extra relative error after VoltageSet/CurrentSet/PowerSet at `ref`: the new constant is real/raw
 * count of one window, so it carries one pulse of that count and the window's length error.
 */
export function calibrationRelativeError(ref: LoadPoint, chip: Bl0937Cal, windowError = 0.008): Tolerance {
  const f = frequenciesFor(ref, chip);
  return {
    voltage: 1 / Math.max(1, f.cf1VoltageHz) + windowError,
    current: 1 / Math.max(1, f.cf1CurrentHz) + windowError,
    power: 1 / Math.max(1, f.cfHz) + windowError,
  };
}

/** A load point the meter can show: positive values, power under the driver's filter limit. */
export function validateLoadPoint(p: LoadPoint): string | undefined {
  if (!(p.volts > 0 && p.amps > 0 && p.watts > 0)) return `${loadLabel(p)}: values must be positive`;
  if (p.watts > OBK_PMAX_W) return `${loadLabel(p)}: ${p.watts} W is above OpenBeken's ${OBK_PMAX_W} W filter`;
  if (p.watts > p.volts * p.amps * 1.0001) return `${loadLabel(p)}: real power above V×I`;
  return undefined;
}
