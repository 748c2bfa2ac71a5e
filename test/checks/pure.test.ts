import { describe, test, expect } from '@jest/globals';
import { alternating, blinkStats, median } from '../../src/checks/blink.js';
import {
  OBK_DEFAULT_CAL,
  calibrationRelativeError,
  cf1For,
  frequenciesFor,
  readingTolerance,
  selMeansVoltage,
  validateLoadPoint,
} from '../../src/checks/bl0937-math.js';
import { hasInstantReaction } from '../../src/checks/button.js';
import type { Edge, Level } from '../../src/io/types.js';

/** Edges of a square wave: `half` ms per level, starting at `level`, with optional jitter per edge. */
function square(start: Level, halfMs: number[], t0 = 1_000_000n): Edge[] {
  const out: Edge[] = [];
  let t = t0;
  let level = start;
  for (const h of halfMs) {
    out.push({ level, tNs: t });
    t += BigInt(Math.round(h * 1e6));
    level = (1 - level) as Level;
  }
  return out;
}

describe('blink statistics', () => {
  test('AP fast blink: 275 ms halves → 550 ms, 50 %', () => {
    const s = blinkStats(square(0, Array(10).fill(275)), 0);
    expect(s.periodMs).toBeCloseTo(550, 6);
    expect(s.duty).toBeCloseTo(0.5, 6);
  });

  test('duty follows the on level: 200 ms low / 400 ms high', () => {
    const halves = Array.from({ length: 10 }, (_, i) => (i % 2 === 0 ? 200 : 400));
    expect(blinkStats(square(0, halves), 0).duty).toBeCloseTo(1 / 3, 6);
    expect(blinkStats(square(0, halves), 1).duty).toBeCloseTo(2 / 3, 6);
  });

  test('the median ignores one late edge; repeated levels are dropped', () => {
    const halves = [275, 275, 275, 400, 150, 275, 275, 275, 275];
    const edges = square(1, halves);
    const withRepeat = [...edges.slice(0, 3), { level: edges[2]!.level, tNs: edges[2]!.tNs + 5_000_000n }, ...edges.slice(3)];
    expect(alternating(withRepeat)).toHaveLength(edges.length);
    expect(blinkStats(withRepeat, 0).periodMs).toBeCloseTo(550, 6);
  });

  test('fewer than three edges: no period; two edges: no duty', () => {
    expect(blinkStats([], 0)).toMatchObject({ edges: 0, periodMs: null, duty: null });
    expect(blinkStats(square(0, [275, 275]), 0)).toMatchObject({ periodMs: null, duty: null });
    expect(median([3, 1, 2, 10])).toBe(2.5);
  });
});

describe('BL0937 maths', () => {
  test('reference worked example: 230 V / 0.5 A / 115 W at default constants', () => {
    const f = frequenciesFor({ volts: 230, amps: 0.5, watts: 115 }, OBK_DEFAULT_CAL);
    expect(f.cf1VoltageHz).toBeCloseTo(1735.5, 1);
    expect(f.cf1CurrentHz).toBeCloseTo(42.17, 2);
    expect(f.cfHz).toBeCloseTo(76.67, 2);
  });

  test('SEL polarity: BL0937SEL high = voltage; BL0937SEL_n high = current', () => {
    const f = { cfHz: 1, cf1VoltageHz: 100, cf1CurrentHz: 5 };
    expect(selMeansVoltage(1, false)).toBe(true);
    expect(cf1For(1, false, f)).toBe(100);
    expect(cf1For(0, false, f)).toBe(5);
    expect(cf1For(1, true, f)).toBe(5);
    expect(cf1For(0, true, f)).toBe(100);
  });

  test('tolerance: one pulse per window without latency or margin', () => {
    const load = { volts: 230, amps: 0.5, watts: 115 };
    const tol = readingTolerance(load, OBK_DEFAULT_CAL, frequenciesFor(load, OBK_DEFAULT_CAL), { selLatencyS: 0, timingMargin: 0 });
    expect(tol.voltage).toBeCloseTo(0.1325, 4);
    expect(tol.current).toBeCloseTo(0.01186, 5);
    expect(tol.power).toBeCloseTo(1.5, 9);
  });

  test('tolerance grows with SEL-follow latency (leak of the other quantity) and the output step', () => {
    const load = { volts: 230, amps: 0.05, watts: 6 };
    const f = frequenciesFor(load, OBK_DEFAULT_CAL);
    const base = readingTolerance(load, OBK_DEFAULT_CAL, f, { selLatencyS: 0, timingMargin: 0 });
    const late = readingTolerance(load, OBK_DEFAULT_CAL, f, { selLatencyS: 0.001, timingMargin: 0 });
    const leakPulses = (f.cf1VoltageHz - f.cf1CurrentHz) * 0.001;
    expect(late.current - base.current).toBeCloseTo(leakPulses * OBK_DEFAULT_CAL.current, 9);
    expect(late.power).toBe(base.power);
    const stepped = readingTolerance(load, OBK_DEFAULT_CAL, f, { selLatencyS: 0, timingMargin: 0, resolutionHz: () => 2 });
    expect(stepped.power).toBeCloseTo(3 * OBK_DEFAULT_CAL.power, 9);
  });

  test('calibration error is one pulse of the reference window plus the window error', () => {
    const e = calibrationRelativeError({ volts: 230, amps: 8, watts: 1840 }, OBK_DEFAULT_CAL, 0.01);
    expect(e.current).toBeCloseTo(1 / (8 / OBK_DEFAULT_CAL.current) + 0.01, 9);
    expect(e.power).toBeCloseTo(1.5 / 1840 + 0.01, 9);
  });

  test('load points above the 3680 W filter or with P > V×I are refused', () => {
    expect(validateLoadPoint({ volts: 230, amps: 8, watts: 1840 })).toBeUndefined();
    expect(validateLoadPoint({ volts: 230, amps: 16, watts: 3680.5 })).toMatch(/3680 W filter/);
    expect(validateLoadPoint({ volts: 230, amps: 0.5, watts: 200 })).toMatch(/above V×I/);
  });

  test('flag 6 (instant button reaction)', () => {
    expect(hasInstantReaction(1024n)).toBe(false);
    expect(hasInstantReaction(1024n + 64n)).toBe(true);
    expect(hasInstantReaction(undefined)).toBe(false);
  });
});
