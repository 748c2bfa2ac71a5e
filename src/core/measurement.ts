import type { Limits, Measurement, MeasurementInput, Verdict } from './run-types.js';

/** Pure: judges a value against its limits. No limits → UNCHECKED (recorded, never a silent PASS). */
export function judge(value: MeasurementInput['value'], limits: Limits | undefined): Verdict {
  if (!limits || (limits.low === undefined && limits.high === undefined && limits.equals === undefined)) {
    return 'UNCHECKED';
  }
  if (limits.equals !== undefined && value !== limits.equals) return 'FAIL';
  if (limits.low !== undefined || limits.high !== undefined) {
    if (typeof value !== 'number' || !Number.isFinite(value)) return 'FAIL';
    if (limits.low !== undefined && value < limits.low) return 'FAIL';
    if (limits.high !== undefined && value > limits.high) return 'FAIL';
  }
  return 'PASS';
}

export function measurement(input: MeasurementInput): Measurement {
  return { ...input, verdict: input.verdict ?? judge(input.value, input.limits) };
}

/** "12.5 V in [11, 13]" — the text a failure shows in JUnit and on the console. */
export function describeMeasurement(m: Measurement): string {
  const unit = m.unit ? ` ${m.unit}` : '';
  const l = m.limits;
  let lim = '';
  if (l?.equals !== undefined) lim = ` (expected ${String(l.equals)})`;
  else if (l && (l.low !== undefined || l.high !== undefined)) {
    lim = ` (limits ${l.low ?? '-∞'}..${l.high ?? '+∞'}${unit})`;
  }
  const note = m.note ? ` — ${m.note}` : '';
  return `${m.name} = ${String(m.value)}${unit}${lim}: ${m.verdict}${note}`;
}
