import { describe, expect, test } from '@jest/globals';
import { VirtualClock } from '../../../src/core/virtual-clock.js';
import { PadNet } from '../../../src/sim/net.js';
import {
  acceptPowerMax,
  bl0937Window,
  calibrate,
  DEFAULT_CAL,
  DEFAULT_CURRENT_CAL,
  DEFAULT_POWER_CAL,
  DEFAULT_VOLTAGE_CAL,
  INITIAL_BL0937,
  processEnergy,
  ZERO_ENERGY,
  type Bl0937State,
} from '../../../src/sim/firmware/bl0937.js';

const OPTS = { powerMax: 3680, invertSel: false };

describe('BL0937 worked example (reference §6: 230 V, 0.5 A, 115 W with default calibration)', () => {
  test('the default constants give the reference frequencies', () => {
    expect(230 / DEFAULT_VOLTAGE_CAL).toBeCloseTo(1735.5, 0);
    expect(0.5 / DEFAULT_CURRENT_CAL).toBeCloseTo(42.17, 2);
    expect(115 / DEFAULT_POWER_CAL).toBeCloseTo(76.67, 2);
  });

  test('pulse trains counted per 1 s window read back within one pulse per window', () => {
    const clock = new VirtualClock({ startMs: 5000, autoAdvance: false });
    const cf1 = new PadNet('P6', 'up', clock);
    const cf = new PadNet('P7', 'up', clock);
    cf.setHostPulse({ hz: 76.67, duty: 0.5 });
    let s: Bl0937State = { ...INITIAL_BL0937 };
    const readings = [];
    for (let w = 0; w < 8; w++) {
      // the rig follows SEL: voltage frequency while SEL is high, current while low
      cf1.setHostPulse({ hz: s.sel ? 1735.5 : 42.17, duty: 0.5 });
      const t0 = clock.now();
      clock.advance(1000);
      const t = clock.now();
      const r = bl0937Window(s, { cf1Pulses: cf1.fallingEdgesBetween(t0, t), cfPulses: cf.fallingEdgesBetween(t0, t), elapsedMs: 1000 }, DEFAULT_CAL, OPTS);
      s = r.state;
      readings.push(r.reading);
    }
    // from the third window on both V and I have been measured
    for (const r of readings.slice(2)) {
      expect(Math.abs(r.voltage - 230)).toBeLessThanOrEqual(DEFAULT_VOLTAGE_CAL + 1e-3);
      expect(Math.abs(r.current - 0.5)).toBeLessThanOrEqual(DEFAULT_CURRENT_CAL + 1e-6);
      expect(Math.abs(r.power - 115)).toBeLessThanOrEqual(DEFAULT_POWER_CAL + 1e-3);
    }
  });

  test('SEL starts high (voltage window), flips every window; SEL_n swaps the attribution', () => {
    const w = { cf1Pulses: 1000, cfPulses: 0, elapsedMs: 1000 };
    const a = bl0937Window(INITIAL_BL0937, w, DEFAULT_CAL, OPTS);
    expect(INITIAL_BL0937.sel).toBe(true);
    expect(a.state.sel).toBe(false);
    expect(a.reading.voltage).toBeCloseTo(1000 * DEFAULT_VOLTAGE_CAL, 3);
    expect(a.reading.current).toBe(0);
    const b = bl0937Window(a.state, { ...w, cf1Pulses: 40 }, DEFAULT_CAL, OPTS);
    expect(b.state.sel).toBe(true);
    expect(b.reading.current).toBeCloseTo(40 * DEFAULT_CURRENT_CAL, 5);
    expect(b.reading.voltage).toBeCloseTo(1000 * DEFAULT_VOLTAGE_CAL, 3); // voltage keeps its last count
    const inv = bl0937Window(INITIAL_BL0937, w, DEFAULT_CAL, { ...OPTS, invertSel: true });
    expect(inv.reading.current).toBeCloseTo(1000 * DEFAULT_CURRENT_CAL, 4);
    expect(inv.reading.voltage).toBe(0);
  });

  test('counts are scaled by 1000 / elapsed ms', () => {
    const r = bl0937Window(INITIAL_BL0937, { cf1Pulses: 0, cfPulses: 100, elapsedMs: 1250 }, DEFAULT_CAL, OPTS);
    expect(r.reading.power).toBeCloseTo((100 * 1.5 * 1000) / 1250, 3);
  });

  test('power above PowerMax keeps the previous power', () => {
    const a = bl0937Window(INITIAL_BL0937, { cf1Pulses: 0, cfPulses: 100, elapsedMs: 1000 }, DEFAULT_CAL, OPTS);
    expect(a.reading.power).toBeCloseTo(150, 3);
    const b = bl0937Window(a.state, { cf1Pulses: 0, cfPulses: 3000, elapsedMs: 1000 }, DEFAULT_CAL, OPTS); // 4500 W
    expect(b.reading.power).toBeCloseTo(150, 3);
    const c = bl0937Window(b.state, { cf1Pulses: 0, cfPulses: 3000, elapsedMs: 1000 }, DEFAULT_CAL, { ...OPTS, powerMax: 5000 });
    expect(c.reading.power).toBeCloseTo(4500, 1);
  });

  test('calibration = real / raw count of the last window; refused with no pulses', () => {
    const r = calibrate(230, 1700);
    expect(r.ok && r.cal).toBeCloseTo(230 / 1700, 6);
    expect(calibrate(230, 0)).toEqual({ ok: false, reason: 'Calibration incorrect - connect load first.' });
    expect(calibrate(0, 1700).ok).toBe(false);
  });

  test('PowerMax accepts only 200 < W < 7200', () => {
    expect(acceptPowerMax(200)).toBe(false);
    expect(acceptPowerMax(201)).toBe(true);
    expect(acceptPowerMax(7199)).toBe(true);
    expect(acceptPowerMax(7200)).toBe(false);
  });

  test('post-processing: apparent, reactive, factor, energy, negative clamp', () => {
    const e = processEnergy(ZERO_ENERGY, { voltage: 230, current: 1, power: 138 }, 3_600_000, {
      allowNegative: false,
      zeroWhenRelaysOpen: false,
      relaysAllOpen: true,
    });
    expect(e.apparentPower).toBeCloseTo(230, 3);
    expect(e.reactivePower).toBeCloseTo(184, 0);
    expect(e.factor).toBeCloseTo(0.6, 4);
    expect(e.consumptionTotalWh).toBeCloseTo(138, 3);
    const z = processEnergy(ZERO_ENERGY, { voltage: 0, current: 0, power: -5 }, 1000, {
      allowNegative: false,
      zeroWhenRelaysOpen: false,
      relaysAllOpen: false,
    });
    expect(z.power).toBe(0);
    expect(z.factor).toBe(1); // S = 0 → PF 1
    const open = processEnergy(ZERO_ENERGY, { voltage: 230, current: 1, power: 200 }, 1000, {
      allowNegative: false,
      zeroWhenRelaysOpen: true,
      relaysAllOpen: true,
    });
    expect(open.power).toBe(0);
    expect(open.current).toBe(0);
  });
});
