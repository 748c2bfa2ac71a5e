/**
 * BL0937 driver maths (OpenBeken drv_bl0937 / drv_pwrCal / drv_bl_shared behaviour,
 * docs/openbeken-behaviour.md §6), pure. Once per second the driver takes the CF1 count and attributes it to voltage
 * when SEL was high during the window (current when low; BL0937SEL_n swaps that), flips SEL,
 * takes the CF count, scales counts x cal x 1000 / elapsed ms, and keeps the previous power when
 * the new one exceeds PowerMax. Voltage and current keep their last raw count between their
 * windows, so each is refreshed every 2 s but reported every second. Arithmetic is float32 like
 * the firmware's, so printed values carry the same rounding.
 */
export const DEFAULT_VOLTAGE_CAL = 0.13253012048;
export const DEFAULT_CURRENT_CAL = 0.0118577075;
export const DEFAULT_POWER_CAL = 1.5;
export const DEFAULT_POWER_MAX = 3680;

const f32 = Math.fround;

export interface Bl0937Cal {
  voltage: number;
  current: number;
  power: number;
}

export const DEFAULT_CAL: Bl0937Cal = { voltage: DEFAULT_VOLTAGE_CAL, current: DEFAULT_CURRENT_CAL, power: DEFAULT_POWER_CAL };

export interface Bl0937State {
  /** Logical SEL for the window now running; the pad shows it directly (starts high). */
  sel: boolean;
  rawVoltage: number;
  rawCurrent: number;
  rawPower: number;
  lastPower: number;
}

export const INITIAL_BL0937: Bl0937State = { sel: true, rawVoltage: 0, rawCurrent: 0, rawPower: 0, lastPower: 0 };

export interface Bl0937Window {
  cf1Pulses: number;
  cfPulses: number;
  elapsedMs: number;
}

export interface Bl0937Reading {
  voltage: number;
  current: number;
  power: number;
}

export function bl0937Window(
  prev: Bl0937State,
  w: Bl0937Window,
  cal: Bl0937Cal,
  opts: { powerMax: number; invertSel: boolean },
): { state: Bl0937State; reading: Bl0937Reading } {
  const s: Bl0937State = { ...prev };
  const countsVoltage = s.sel !== opts.invertSel;
  if (countsVoltage) s.rawVoltage = w.cf1Pulses;
  else s.rawCurrent = w.cf1Pulses;
  s.sel = !s.sel;
  s.rawPower = w.cfPulses;
  const scale = f32(1000 / Math.max(1, w.elapsedMs));
  const voltage = f32(f32(s.rawVoltage * f32(cal.voltage)) * scale);
  const current = f32(f32(s.rawCurrent * f32(cal.current)) * scale);
  let power = f32(f32(s.rawPower * f32(cal.power)) * scale);
  if (power > opts.powerMax)
    power = s.lastPower; // filter spikes: keep the previous value
  else s.lastPower = power;
  return { state: s, reading: { voltage, current, power } };
}

export interface EnergyValues {
  voltage: number;
  current: number;
  power: number;
  apparentPower: number;
  reactivePower: number;
  factor: number;
  frequency: number;
  consumptionTotalWh: number;
  yesterdayWh: number;
  consumptionLastHourWh: number;
}

export const ZERO_ENERGY: EnergyValues = {
  voltage: 0,
  current: 0,
  power: 0,
  apparentPower: 0,
  reactivePower: 0,
  factor: 0,
  frequency: 0,
  consumptionTotalWh: 0,
  yesterdayWh: 0,
  consumptionLastHourWh: 0,
};

/**
 * Shared post-processing: negatives clamp to 0 (unless flag 25), flag 38 zeroes P and I when all
 * relays are open, S = V x I, Q = sqrt(S^2 - P^2) (0 when S <= |P|), PF = P / S (1 when S = 0),
 * energy integrates P over the elapsed time.
 */
export function processEnergy(
  prev: EnergyValues,
  r: Bl0937Reading,
  elapsedMs: number,
  opts: { allowNegative: boolean; zeroWhenRelaysOpen: boolean; relaysAllOpen: boolean },
): EnergyValues {
  let { voltage, current, power } = r;
  if (!opts.allowNegative) {
    voltage = Math.max(0, voltage);
    current = Math.max(0, current);
    power = Math.max(0, power);
  }
  if (opts.zeroWhenRelaysOpen && opts.relaysAllOpen) {
    power = 0;
    current = 0;
  }
  const apparentPower = f32(voltage * current);
  const reactivePower = apparentPower <= Math.abs(power) ? 0 : f32(Math.sqrt(apparentPower ** 2 - power ** 2));
  const factor = apparentPower === 0 ? 1 : f32(power / apparentPower);
  const energyWh = Math.max(0, (power * elapsedMs) / 3_600_000);
  return {
    voltage,
    current,
    power,
    apparentPower,
    reactivePower,
    factor,
    frequency: 0,
    consumptionTotalWh: prev.consumptionTotalWh + energyWh,
    yesterdayWh: prev.yesterdayWh,
    consumptionLastHourWh: prev.consumptionLastHourWh,
  };
}

export type CalibrationResult = { ok: true; cal: number } | { ok: false; reason: string };

/**
 * VoltageSet / CurrentSet / PowerSet: new cal = real value / latest RAW pulse count (not divided
 * by the window length, as in the firmware). Refused when the count is ~0 ("connect load first").
 */
export function calibrate(real: number, rawCount: number): CalibrationResult {
  if (!Number.isFinite(real) || real === 0) return { ok: false, reason: 'bad argument' };
  if (Math.abs(rawCount) < 0.001) return { ok: false, reason: 'Calibration incorrect - connect load first.' };
  const cal = f32(real / rawCount);
  if (!Number.isFinite(cal) || Math.abs(cal) < 0.001) return { ok: false, reason: 'Calibration incorrect - value is zero' };
  return { ok: true, cal };
}

/** PowerMax is accepted only strictly between 200 and 7200 W. */
export function acceptPowerMax(w: number): boolean {
  return Number.isFinite(w) && w > 200 && w < 7200;
}
