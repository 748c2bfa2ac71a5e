/**
 * Running a parsed sequence on a rig's lines. compileSequence binds a text to lines once; run()
 * is abortable between and during steps.
 */
import { realClock, sleep as clockSleep, type Clock } from '../core/clock.js';
import { PlugrigError, throwIfAborted } from '../core/errors.js';
import type { OutputLine } from '../io/types.js';
import type { ResetSequence } from './types.js';
import { checkSequenceLines, parseSequence, sequenceDurationMs, type SequenceStep } from './sequence-parse.js';

export type SequenceLines = ReadonlyMap<string, OutputLine> | Readonly<Record<string, OutputLine | undefined>>;

export type SequenceSleep = (ms: number, signal?: AbortSignal) => Promise<void>;

export interface CompileOptions {
  name?: string;
  /** The waits run on it (default realClock). */
  clock?: Clock;
  /** Abortable sleep; tests may pass a recorder. Overrides `clock`. */
  sleep?: SequenceSleep;
}

/** A sequence's waits on `clock`: abortable, rejecting with E_ABORTED. */
export function clockSleeper(clock: Clock): SequenceSleep {
  return (ms, signal) => clockSleep(clock, ms, signal);
}

export const abortableSleep: SequenceSleep = clockSleeper(realClock);

function lookup(lines: SequenceLines, name: string): OutputLine | undefined {
  return lines instanceof Map ? lines.get(name) : (lines as Record<string, OutputLine | undefined>)[name];
}

function names(lines: SequenceLines): string[] {
  return lines instanceof Map ? [...lines.keys()] : Object.keys(lines).filter((k) => (lines as Record<string, unknown>)[k] !== undefined);
}

export async function runSteps(
  steps: readonly SequenceStep[],
  lines: SequenceLines,
  name: string,
  signal?: AbortSignal,
  sleep: SequenceSleep = abortableSleep,
): Promise<void> {
  for (const step of steps) {
    throwIfAborted(signal, `sequence ${name}`);
    if (step.kind === 'wait') {
      await sleep(step.ms, signal);
      continue;
    }
    const line = lookup(lines, step.line);
    if (!line)
      throw new PlugrigError(
        'E_SEQUENCE',
        `sequence ${name}: step ${step.index} '${step.text}': line '${step.line}' is not open`,
        'open the rig before running its sequences',
      );
    if (step.level === 'z') await line.release();
    else await line.set(step.level);
  }
}

/** Parses `text`, checks it names only the given lines, and binds it to them. */
export function compileSequence(text: string, lines: SequenceLines, opts: CompileOptions = {}): ResetSequence {
  const name = opts.name ?? 'sequence';
  const steps = parseSequence(text, name);
  checkSequenceLines(steps, names(lines), name);
  const durationMs = sequenceDurationMs(steps);
  return {
    name,
    text,
    durationMs,
    run: (signal) => runSteps(steps, lines, name, signal, opts.sleep ?? clockSleeper(opts.clock ?? realClock)),
  };
}
