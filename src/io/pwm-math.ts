/**
 * Pure arithmetic of a kernel PWM channel: periods and duties in ns, quantised to the PWM clock
 * (Pi 4: 10 MHz → 100 ns; Pi 5 RP1: 50 MHz → 20 ns), and the order of sysfs writes that keeps
 * duty ≤ period at every moment (the kernel refuses anything else).
 */
import { PlugrigError } from '../core/errors.js';

export const PI4_PWM_CLOCK_HZ = 10_000_000;
export const PI5_PWM_CLOCK_HZ = 50_000_000;
/** sysfs period is an unsigned 32-bit ns count on these drivers. */
const MAX_PERIOD_NS = 0xffff_ffff;

export interface PwmSetting {
  periodNs: number;
  dutyNs: number;
  /** The frequency the hardware really produces after quantisation. */
  actualHz: number;
}

export function quantumNs(clockHz: number): number {
  return 1e9 / clockHz;
}

export function pwmSetting(hz: number, duty: number, clockHz: number, name = 'pwm'): PwmSetting {
  const q = quantumNs(clockHz);
  if (!Number.isFinite(hz) || hz <= 0)
    throw new PlugrigError('E_PWM_RANGE', `${name}: frequency ${hz} Hz is not positive`, 'use stop() to turn the output off');
  if (!Number.isFinite(duty) || duty < 0 || duty > 1)
    throw new PlugrigError('E_PWM_RANGE', `${name}: duty ${duty} outside 0..1`, 'give the duty as a fraction, e.g. 0.5');
  const counts = Math.round(1e9 / hz / q);
  if (counts < 2)
    throw new PlugrigError('E_PWM_RANGE', `${name}: ${hz} Hz is above what a ${clockHz / 1e6} MHz PWM clock can make`, `stay below ${clockHz / 2} Hz`);
  const periodNs = Math.round(counts * q);
  if (periodNs > MAX_PERIOD_NS) throw new PlugrigError('E_PWM_RANGE', `${name}: ${hz} Hz needs a period longer than 4.29 s`, 'use at least 0.25 Hz');
  const dutyNs = Math.round(Math.round(counts * duty) * q);
  return { periodNs, dutyNs, actualHz: 1e9 / periodNs };
}

/** Frequency step between neighbouring achievable periods around hz. */
export function pwmResolutionHz(hz: number, clockHz: number): number {
  const q = quantumNs(clockHz);
  const p = Math.max(2, Math.round(1e9 / hz / q)) * q;
  return 1e9 / p - 1e9 / (p + q);
}

/** Which file to write first so that duty ≤ period holds before, between and after the two writes. */
export function writeOrder(currentDutyNs: number, next: PwmSetting): ('period' | 'duty_cycle')[] {
  return next.periodNs >= currentDutyNs ? ['period', 'duty_cycle'] : ['duty_cycle', 'period'];
}
