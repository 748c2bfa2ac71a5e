/**
 * The record of one run, folded from its events (pure). The store, JUnit, `plugrig records` and
 * the runner's own outcome all come from this one fold, so they cannot disagree.
 */
import type { ErrorInfo, FirmwareInfo, Measurement, PhaseOutcome, ProgressInfo, RunEvent, RunOutcome, RunRigKind, UnitIdentity } from './run-types.js';

export interface PhaseRecord {
  name: string;
  /** Undefined while the phase runs (or never started: see `started`). */
  outcome?: PhaseOutcome;
  started: boolean;
  attempts: number;
  startedAt?: number;
  durationMs?: number;
  /** Measurements of the last attempt (earlier attempts are in the event log). */
  measurements: Measurement[];
  lastProgress?: ProgressInfo;
  error?: ErrorInfo;
  skipReason?: string;
  /** Firmware log lines printed while the phase ran (all attempts), the last PHASE_LOG_LINES of them. */
  firmwareLog?: FirmwareLogEntry[];
  /** Lines dropped from the front of firmwareLog to keep it bounded. */
  firmwareLogDropped?: number;
}

export interface FirmwareLogEntry {
  /** Rig clock, ms. */
  tMs: number;
  line: string;
}

/** Firmware log lines a phase record keeps (the event log has them all). */
export const PHASE_LOG_LINES = 400;

export interface ArtifactRecord {
  phase: string;
  kind: 'backup' | 'junit' | 'other';
  path: string;
  sha256?: string;
}

/** True for a run on a simulated rig or --sim-slots' timed model: never a real unit. */
export function isSimulatedRun(rec: { rigKind?: RunRigKind }): boolean {
  return rec.rigKind === 'sim' || rec.rigKind === 'model';
}

/** running: events still coming; finished: run.finished seen; unfinished: the process died mid-run. */
export type RecordStatus = 'running' | 'finished' | 'unfinished';

export interface RunRecord {
  runId: string;
  slot: string;
  rig: string;
  /** 'sim'/'model' mark a simulated run (see isSimulatedKind); absent in old records. */
  rigKind?: RunRigKind;
  station?: string;
  /** The user's plan file, when one was applied (run.started). */
  planName?: string;
  planFile?: string;
  plan: string[];
  unit: UnitIdentity;
  firmware?: FirmwareInfo;
  status: RecordStatus;
  outcome?: RunOutcome;
  error?: ErrorInfo;
  startedAt: number;
  finishedAt?: number;
  durationMs?: number;
  phases: PhaseRecord[];
  artifacts: ArtifactRecord[];
  /** Path of the backup taken in this run, if any (the first 'backup' artifact). */
  backupPath?: string;
  /** Per-run seq of the last event folded in. */
  lastSeq: number;
  /** Counted, not kept: the event log has the text. */
  warnings: number;
  /** Firmware log lines seen outside any phase (counted, not kept). */
  firmwareLogOutside?: number;
}

function newPhase(name: string): PhaseRecord {
  return { name, started: false, attempts: 0, measurements: [] };
}

function phaseOf(rec: RunRecord, name: string): PhaseRecord {
  let p = rec.phases.find((x) => x.name === name);
  if (!p) {
    p = newPhase(name);
    rec.phases.push(p);
  }
  return p;
}

/** An empty record for a run whose first event is `first` (normally run.started). */
export function emptyRecord(first: RunEvent): RunRecord {
  return {
    runId: first.runId,
    slot: first.slot,
    rig: '',
    plan: [],
    unit: {},
    status: 'running',
    startedAt: first.t,
    phases: [],
    artifacts: [],
    lastSeq: 0,
    warnings: 0,
  };
}

/**
 * Folds one event into a record, returning a new record (the input is not modified).
 * Events of another run are a programming error and throw.
 */
export function applyEvent(prev: RunRecord | undefined, e: RunEvent): RunRecord {
  return foldInto(prev ? structuredClone(prev) : emptyRecord(e), e);
}

/**
 * applyEvent without the copy: folds `e` into `rec` itself and returns it. For a bulk load that owns
 * its records (the copy was most of an import's time).
 */
export function foldInto(rec: RunRecord, e: RunEvent): RunRecord {
  if (rec.runId !== e.runId) throw new Error(`event of run ${e.runId} folded into record of run ${rec.runId}`);
  rec.lastSeq = Math.max(rec.lastSeq, e.seq);
  switch (e.type) {
    case 'run.started':
      rec.rig = e.rig;
      if (e.rigKind) rec.rigKind = e.rigKind;
      rec.plan = [...e.plan];
      rec.unit = { ...rec.unit, ...e.unit };
      if (e.firmware) rec.firmware = e.firmware;
      if (e.station) rec.station = e.station;
      if (e.planName) rec.planName = e.planName;
      if (e.planFile) rec.planFile = e.planFile;
      rec.startedAt = e.t;
      for (const name of e.plan) phaseOf(rec, name);
      break;
    case 'unit.identified':
      rec.unit = { ...rec.unit, ...e.unit };
      break;
    case 'phase.started': {
      const p = phaseOf(rec, e.phase);
      p.started = true;
      p.attempts = e.attempt;
      if (e.attempt === 1) p.startedAt = e.t;
      p.measurements = []; // a retry starts from a clean sheet
      delete p.outcome;
      delete p.error;
      break;
    }
    case 'phase.progress':
      phaseOf(rec, e.phase).lastProgress = e.progress;
      break;
    case 'measurement':
      phaseOf(rec, e.phase).measurements.push(e.measurement);
      break;
    case 'log':
      if (e.level === 'warn' || e.level === 'error') rec.warnings += 1;
      break;
    case 'firmware.log': {
      if (!e.phase) {
        rec.firmwareLogOutside = (rec.firmwareLogOutside ?? 0) + 1;
        break;
      }
      const p = phaseOf(rec, e.phase);
      p.firmwareLog ??= [];
      const log = p.firmwareLog;
      log.push({ tMs: e.tMs, line: e.line });
      if (log.length > PHASE_LOG_LINES) {
        log.shift();
        p.firmwareLogDropped = (p.firmwareLogDropped ?? 0) + 1;
      }
      break;
    }
    case 'artifact':
      rec.artifacts.push({ phase: e.phase, kind: e.kind, path: e.path, ...(e.sha256 ? { sha256: e.sha256 } : {}) });
      if (e.kind === 'backup' && rec.backupPath === undefined) rec.backupPath = e.path;
      break;
    case 'phase.finished': {
      const p = phaseOf(rec, e.phase);
      p.outcome = e.outcome;
      p.durationMs = e.durationMs;
      p.attempts = e.attempts;
      if (e.error) p.error = e.error;
      if (e.skipReason) p.skipReason = e.skipReason;
      break;
    }
    case 'run.finished':
      rec.status = 'finished';
      rec.outcome = e.outcome;
      rec.durationMs = e.durationMs;
      rec.finishedAt = e.t;
      if (e.error) rec.error = e.error;
      break;
  }
  return rec;
}

/** Folds a whole run. Events may arrive in any order; they are applied by seq. */
export function foldEvents(events: readonly RunEvent[]): RunRecord {
  if (events.length === 0) throw new Error('foldEvents: no events');
  const sorted = [...events].sort((a, b) => a.seq - b.seq);
  // One record, folded in place: nothing else holds it until it is returned.
  const rec = applyEvent(undefined, sorted[0]!);
  for (const e of sorted.slice(1)) foldInto(rec, e);
  return rec;
}

/** The first phase that ended FAIL or ERROR, with the measurement that failed (if it was one). */
export function firstFailure(rec: RunRecord): { phase: PhaseRecord; measurement?: Measurement } | undefined {
  const phase = rec.phases.find((p) => p.outcome === 'FAIL' || p.outcome === 'ERROR');
  if (!phase) return undefined;
  const measurement = phase.measurements.find((m) => m.verdict === 'FAIL');
  return measurement ? { phase, measurement } : { phase };
}

export const NOTHING_VERIFIED: ErrorInfo = {
  code: 'E_NOTHING_VERIFIED',
  message: 'no phase verified anything (no measurement passed its limits)',
  hint: 'a plan must contain at least one checked measurement, e.g. the CRC read-back of the flash',
};

/**
 * Outcome rules: any ERROR → ERROR, any FAIL → FAIL, aborted → ABORTED, else PASS — but a run in
 * which no measurement passed its limits is never PASS (it is FAIL with E_NOTHING_VERIFIED).
 */
export function decideOutcome(phases: readonly PhaseRecord[], aborted: boolean): { outcome: RunOutcome; error?: ErrorInfo } {
  const errored = phases.find((p) => p.outcome === 'ERROR');
  if (errored) return { outcome: 'ERROR', ...(errored.error ? { error: errored.error } : {}) };
  if (phases.some((p) => p.outcome === 'FAIL')) return { outcome: 'FAIL' };
  if (aborted || phases.some((p) => p.outcome === 'ABORTED')) return { outcome: 'ABORTED' };
  const verified = phases.some((p) => p.measurements.some((m) => m.verdict === 'PASS'));
  if (!verified) return { outcome: 'FAIL', error: NOTHING_VERIFIED };
  return { outcome: 'PASS' };
}
