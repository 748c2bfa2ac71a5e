/**
 * What an operator sees of one slot, folded from events (pure): the phase, progress, the unit's
 * MAC and, once the run ends, a verdict that stays until the next unit. The console and the
 * operator page both draw from this.
 */
import { describeMeasurement } from '../core/measurement.js';
import { firstFailure, type RunRecord } from '../core/record.js';
import type { ErrorInfo, Measurement, RunEvent, RunOutcome } from '../core/run-types.js';
import { formatLimits, formatValue, plainWords } from './plain-words.js';

export interface SlotView {
  slot: string;
  rig?: string;
  state: 'idle' | 'running' | 'done';
  runId?: string;
  plan?: string[];
  phase?: string;
  /** 1-based position of `phase` in the plan. */
  phaseIndex?: number;
  progress?: { fraction: number; bytesPerSec?: number; etaMs?: number; label?: string };
  mac?: string;
  /** The word `records` uses: PASS, FAIL, ERROR, ABORTED, or UNFINISHED for a run cut off mid-way. */
  outcome?: RunOutcome | 'UNFINISHED';
  /** The first thing that failed: its phase, the check (measurement) name and a readable line. */
  failure?: Failure;
  startedAt?: number;
  durationMs?: number;
}

/**
 * What failed, for an operator: `words` is the plain-words headline (src/report/plain-words.ts);
 * `value` and `limits` the measured value against its limits, rounded; `hint` the error's own advice;
 * `detail` the full technical line (measurement text or "E_CODE: message").
 */
export interface Failure {
  phase: string;
  check?: string;
  detail: string;
  words: string;
  value?: string;
  limits?: string;
  code?: string;
  /** What to do, from the error (PlugrigError.hint) of the phase that failed. */
  hint?: string;
  /** Why the value is what it is (the measurement's note). */
  note?: string;
}

function measurementFailure(phase: string, m: Measurement): Failure {
  const limits = formatLimits(m);
  return {
    phase,
    check: m.name,
    detail: describeMeasurement(m),
    words: plainWords({ phase, check: m.name }),
    value: formatValue(m),
    ...(limits ? { limits } : {}),
    ...(m.note ? { note: m.note } : {}),
  };
}

function errorFailure(phase: string, error: ErrorInfo | undefined): Failure {
  if (!error) return { phase, detail: 'error', words: plainWords({ phase }) };
  return {
    phase,
    detail: `${error.code}: ${error.message}`,
    words: plainWords({ phase, code: error.code }),
    code: error.code,
    ...(error.hint ? { hint: error.hint } : {}),
  };
}

export function idleView(slot: string, rig?: string): SlotView {
  return { slot, ...(rig ? { rig } : {}), state: 'idle' };
}

export function reduceSlotView(view: SlotView, e: RunEvent): SlotView {
  if (e.type === 'run.started') {
    return {
      slot: view.slot,
      rig: e.rig,
      state: 'running',
      runId: e.runId,
      plan: e.plan,
      startedAt: e.t,
      ...(e.unit.mac ? { mac: e.unit.mac } : {}),
    };
  }
  if (view.runId !== undefined && e.runId !== view.runId) return view; // a stale run's stragglers
  if (e.type === 'firmware.log') return view; // the firmware's lines change nothing on the slot's line (and push no frame)
  const v: SlotView = { ...view };
  switch (e.type) {
    case 'unit.identified':
      if (e.unit.mac) v.mac = e.unit.mac;
      break;
    case 'phase.started': {
      v.phase = e.phase;
      const i = v.plan?.indexOf(e.phase) ?? -1;
      // Overlapping phases may start out of plan order: the bar does not step back for them.
      if (i >= 0) v.phaseIndex = Math.max(v.phaseIndex ?? 0, i + 1);
      delete v.progress;
      break;
    }
    case 'phase.progress': {
      const p = e.progress;
      v.progress = {
        fraction: p.total > 0 ? Math.min(1, p.done / p.total) : 0,
        ...(p.bytesPerSec !== undefined ? { bytesPerSec: p.bytesPerSec } : {}),
        ...(p.etaMs !== undefined ? { etaMs: p.etaMs } : {}),
        ...(p.label ? { label: p.label } : {}),
      };
      break;
    }
    case 'measurement':
      if (e.measurement.verdict === 'FAIL' && !v.failure) {
        v.failure = measurementFailure(e.phase, e.measurement);
      }
      break;
    case 'phase.finished':
      if (e.outcome === 'ERROR' && !v.failure) {
        v.failure = errorFailure(e.phase, e.error);
      } else if (v.failure && v.failure.phase === e.phase && !v.failure.hint && e.error?.hint) {
        v.failure = { ...v.failure, hint: e.error.hint }; // a failed check's phase may say what to do
      }
      break;
    case 'run.finished':
      v.state = 'done';
      v.outcome = e.outcome;
      v.durationMs = e.durationMs;
      delete v.progress;
      if (e.outcome !== 'PASS' && !v.failure && e.error) v.failure = errorFailure(v.phase ?? '', e.error);
      break;
    default:
      break;
  }
  return v;
}

/** The view a slot shows after a restart: the verdict of its last run stays on screen. */
export function viewFromRecord(rec: RunRecord): SlotView {
  const v: SlotView = {
    slot: rec.slot,
    rig: rec.rig,
    state: rec.status === 'running' ? 'running' : 'done',
    runId: rec.runId,
    plan: rec.plan,
    startedAt: rec.startedAt,
    ...(rec.unit.mac ? { mac: rec.unit.mac } : {}),
    ...(rec.durationMs !== undefined ? { durationMs: rec.durationMs } : {}),
  };
  if (rec.status === 'unfinished') {
    v.outcome = 'UNFINISHED'; // as `records` says it; never counted as tested
    v.failure = errorFailure('', {
      code: 'E_RUN_UNFINISHED',
      message: 'the previous run was cut off (plugrig stopped mid-run)',
      hint: 'test this unit again',
    });
    return v;
  }
  if (rec.outcome) v.outcome = rec.outcome;
  const f = firstFailure(rec);
  if (f) {
    v.failure = f.measurement ? measurementFailure(f.phase.name, f.measurement) : errorFailure(f.phase.name, f.phase.error);
    if (f.measurement && f.phase.error?.hint) v.failure.hint = f.phase.error.hint;
  } else if (rec.error && rec.outcome !== 'PASS') {
    v.failure = errorFailure('', rec.error);
  }
  return v;
}
