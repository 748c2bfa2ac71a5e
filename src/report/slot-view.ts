/**
 * What an operator sees of one slot, folded from events (pure): the phase, progress, the unit's
 * MAC and, once the run ends, a verdict that stays until the next unit. The console and the
 * operator page both draw from this.
 */
import { describeMeasurement } from '../core/measurement.js';
import { firstFailure, type RunRecord } from '../core/record.js';
import type { RunEvent, RunOutcome } from '../core/run-types.js';

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
  outcome?: RunOutcome;
  /** The first thing that failed: its phase, the check (measurement) name and a readable line. */
  failure?: { phase: string; check?: string; detail: string };
  startedAt?: number;
  durationMs?: number;
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
        v.failure = { phase: e.phase, check: e.measurement.name, detail: describeMeasurement(e.measurement) };
      }
      break;
    case 'phase.finished':
      if (e.outcome === 'ERROR' && !v.failure) {
        v.failure = { phase: e.phase, detail: e.error ? `${e.error.code}: ${e.error.message}` : 'error' };
      }
      break;
    case 'run.finished':
      v.state = 'done';
      v.outcome = e.outcome;
      v.durationMs = e.durationMs;
      delete v.progress;
      if (e.outcome !== 'PASS' && !v.failure && e.error) v.failure = { phase: v.phase ?? '', detail: `${e.error.code}: ${e.error.message}` };
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
    v.outcome = 'ERROR';
    v.failure = { phase: '', detail: 'E_RUN_UNFINISHED: the previous run was cut off (plugrig stopped mid-run)' };
    return v;
  }
  if (rec.outcome) v.outcome = rec.outcome;
  const f = firstFailure(rec);
  if (f) {
    v.failure = f.measurement
      ? { phase: f.phase.name, check: f.measurement.name, detail: describeMeasurement(f.measurement) }
      : { phase: f.phase.name, detail: f.phase.error ? `${f.phase.error.code}: ${f.phase.error.message}` : 'error' };
  } else if (rec.error && rec.outcome !== 'PASS') {
    v.failure = { phase: '', detail: `${rec.error.code}: ${rec.error.message}` };
  }
  return v;
}
