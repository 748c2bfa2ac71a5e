/**
 * The text form of power/reset sequences, e.g. `power=0; wait 300ms; cen=0; power=1; wait 50ms; cen=1`
 * (esptool's custom reset sequences, over named lines). Pure: parsing and checking only; running
 * is in sequence.ts. Every error names the sequence, the step number and its text.
 */
import { PlugrigError } from '../core/errors.js';
import type { Level } from '../io/types.js';

/** `z` releases the line (input / high impedance). */
export type StepLevel = Level | 'z';

export type SequenceStep =
  | { kind: 'set'; line: string; level: StepLevel; text: string; index: number }
  | { kind: 'wait'; ms: number; text: string; index: number };

/** Longest single wait: anything longer is a typo (300s for 300ms) that would hang a run. */
export const MAX_WAIT_MS = 10_000;

const SYNTAX = "steps are 'line=0', 'line=1', 'line=z' (release) or 'wait <n>ms', separated by ';'";

function stepError(name: string, index: number, text: string, what: string, hint = SYNTAX): PlugrigError {
  return new PlugrigError('E_SEQUENCE', `sequence ${name}: step ${index} '${text}': ${what}`, hint);
}

export function parseSequence(text: string, name = 'sequence'): SequenceStep[] {
  if (typeof text !== 'string') throw new PlugrigError('E_SEQUENCE', `sequence ${name}: expected a text like "cen=0; wait 120ms; cen=1"`, SYNTAX);
  const parts = text
    .split(/[;\n]/)
    .map((s) => s.trim())
    .filter((s) => s !== '');
  if (parts.length === 0) throw new PlugrigError('E_SEQUENCE', `sequence ${name} is empty`, SYNTAX);
  return parts.map((raw, i): SequenceStep => {
    const index = i + 1;
    const wait = /^wait\b\s*(.*)$/i.exec(raw);
    if (wait) {
      const arg = wait[1]!.trim();
      const m = /^(-?\d+(?:\.\d+)?)\s*([a-zµ]*)$/i.exec(arg);
      if (!m) throw stepError(name, index, raw, `'${arg}' is not a duration`, "write waits as 'wait 120ms' or 'wait 1.5s'");
      const value = Number(m[1]);
      const unit = m[2]!.toLowerCase();
      if (unit === '') throw stepError(name, index, raw, 'the wait has no unit', `write 'wait ${m[1]}ms' (or s)`);
      if (unit !== 'ms' && unit !== 's') throw stepError(name, index, raw, `unknown unit '${m[2]}'`, 'use ms or s');
      const ms = unit === 's' ? value * 1000 : value;
      if (ms < 0) throw stepError(name, index, raw, 'a wait cannot be negative', 'use a positive duration');
      if (ms > MAX_WAIT_MS)
        throw stepError(name, index, raw, `${ms} ms is longer than the ${MAX_WAIT_MS} ms a reset step may wait`, 'check the unit (ms, not s)');
      return { kind: 'wait', ms, text: raw, index };
    }
    const set = /^([A-Za-z][\w-]*)\s*=\s*(.*)$/.exec(raw);
    if (!set) throw stepError(name, index, raw, 'not a step');
    const v = set[2]!.trim().toLowerCase();
    const level: StepLevel | undefined = v === '0' ? 0 : v === '1' ? 1 : v === 'z' ? 'z' : undefined;
    if (level === undefined) throw stepError(name, index, raw, `bad level '${set[2]!.trim()}'`, 'use 0, 1 or z (release)');
    return { kind: 'set', line: set[1]!, level, text: raw, index };
  });
}

/** Checks every step names a known line; `why(line)` may refuse a known line with a reason. */
export function checkSequenceLines(
  steps: readonly SequenceStep[],
  known: readonly string[],
  name = 'sequence',
  why?: (line: string, level: StepLevel) => string | undefined,
): void {
  for (const s of steps) {
    if (s.kind !== 'set') continue;
    if (!known.includes(s.line)) {
      throw stepError(name, s.index, s.text, `unknown line '${s.line}'`, `known lines: ${known.join(', ') || 'none'}`);
    }
    const refusal = why?.(s.line, s.level);
    if (refusal) throw stepError(name, s.index, s.text, refusal, 'reset sequences may drive power, cen and fixture outputs away from the UART pads');
  }
}

export function sequenceDurationMs(steps: readonly SequenceStep[]): number {
  return steps.reduce((t, s) => t + (s.kind === 'wait' ? s.ms : 0), 0);
}
