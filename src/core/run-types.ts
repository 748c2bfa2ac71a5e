/**
 * The run model: phases report measurements; the runner turns everything into events; records,
 * the WebSocket stream, JUnit and the console are all built from those events (DESIGN.md).
 */
import type { Clock } from './clock.js';
import type { UnitResources } from './resources.js';

export type RunOutcome = 'PASS' | 'FAIL' | 'ERROR' | 'ABORTED';
export type PhaseOutcome = 'PASS' | 'FAIL' | 'ERROR' | 'SKIP' | 'ABORTED';
export type Verdict = 'PASS' | 'FAIL' | 'UNCHECKED';

/** Limits in the OpenHTF sense: in_range(low, high) and/or an exact expected value. */
export interface Limits {
  low?: number;
  high?: number;
  equals?: string | number | boolean;
}

export type MeasuredValue = number | string | boolean | null;

export interface MeasurementInput {
  name: string;
  value: MeasuredValue;
  unit?: string;
  limits?: Limits;
  /** Why the value is what it is, shown beside a failure (e.g. "relay did not follow the button"). */
  note?: string;
  /** A verdict decided by the caller (e.g. FAIL for a declared measurement never set); otherwise judged from the limits. */
  verdict?: Verdict;
}

export interface Measurement extends MeasurementInput {
  verdict: Verdict;
}

/** What is known about the unit under test; filled in as phases learn it. */
export interface UnitIdentity {
  mac?: string;
  chipId?: string;
  flashId?: string;
  flashSize?: number;
  build?: string;
}

export interface FirmwareInfo {
  path: string;
  sha256: string;
  size: number;
}

export interface ErrorInfo {
  code: string;
  message: string;
  hint?: string;
}

export interface ProgressInfo {
  done: number;
  total: number;
  unit?: 'bytes' | 'steps';
  bytesPerSec?: number;
  etaMs?: number;
  label?: string;
}

/**
 * What a run ran on. 'sim' (a simulated rig) and 'model' (serve --sim-slots) are simulated: their
 * records never count as real units. Records written before this field existed have none.
 */
export type RunRigKind = 'pi' | 'sim' | 'model';

/** Fields every event carries. `seq` is monotonic per run, starting at 1; `t` is wall-clock ms. */
export interface EventBase {
  runId: string;
  slot: string;
  seq: number;
  t: number;
}

/** Where a run comes from, besides its rig, plan and unit: given to the runner, recorded in run.started. */
export interface RunOrigin {
  /** What ran the unit: a real rig ('pi'), a simulated one ('sim') or --sim-slots' timed model ('model'); 'sim'/'model' runs never count as real units. */
  rigKind?: RunRigKind;
  firmware?: FirmwareInfo;
  station?: string;
  /** A user's plan file applied to the default plan: its definePlan() name and path. */
  planName?: string;
  planFile?: string;
}

export type RunEventBody =
  | ({ type: 'run.started'; rig: string; plan: string[]; unit: UnitIdentity } & RunOrigin)
  | { type: 'unit.identified'; unit: UnitIdentity }
  | { type: 'phase.started'; phase: string; attempt: number }
  | { type: 'phase.progress'; phase: string; progress: ProgressInfo }
  | { type: 'measurement'; phase: string; measurement: Measurement }
  | { type: 'log'; level: 'debug' | 'info' | 'warn' | 'error'; message: string; phase?: string }
  | { type: 'artifact'; phase: string; kind: 'backup' | 'junit' | 'other'; path: string; sha256?: string }
  /** A line the firmware printed (its log UART or network log); `tMs` on the rig clock, `phase` the one running then. */
  | { type: 'firmware.log'; line: string; source: 'uart' | 'net'; tMs: number; phase?: string }
  | {
      type: 'phase.finished';
      phase: string;
      outcome: PhaseOutcome;
      durationMs: number;
      attempts: number;
      error?: ErrorInfo;
      skipReason?: string;
    }
  | { type: 'run.finished'; outcome: RunOutcome; durationMs: number; error?: ErrorInfo };

export type RunEvent = EventBase & RunEventBody;
export type RunEventType = RunEventBody['type'];

/** Anything that consumes events: the WebSocket hub, the store, JUnit, the console. */
export interface Sink {
  /**
   * True for sinks that persist events (the record store). The runner awaits every durable sink
   * before any other sink sees the event, so nothing is announced that is not yet on disk.
   * Durable sinks are called in event order without waiting for the previous call to settle
   * (so a store can batch its syncs); they must keep that order themselves.
   */
  readonly durable?: boolean;
  /** Called in order for every event of every run. May be async; the runner awaits durable sinks first. */
  handle(event: RunEvent): void | Promise<void>;
  close?(): Promise<void>;
}

/** What a phase sees while it runs. */
export interface PhaseContext {
  readonly signal: AbortSignal;
  readonly phase: string;
  readonly attempt: number;
  /** The run's time source: every wait, deadline and timestamp of the phase goes through it. */
  readonly clock: Clock;
  /** What the rig owns (device, fixture, power, firmware log); the same objects for every phase of a run. */
  readonly resources: UnitResources;
  /** Records a measurement, judges it against its limits and returns it with its verdict. */
  measure(m: MeasurementInput): Measurement;
  progress(p: ProgressInfo): void;
  log(message: string, level?: 'debug' | 'info' | 'warn' | 'error'): void;
  /** Announces what was learned about the unit (MAC, chip id...). */
  identify(unit: UnitIdentity): void;
  artifact(kind: 'backup' | 'junit' | 'other', path: string, sha256?: string): void;
  /** Ends the phase as SKIP with a reason (e.g. "P7 not wired on this rig"). Throws; do not catch. */
  skip(reason: string): never;
}

export interface Phase {
  name: string;
  /** Deadline for one attempt, in ms. */
  timeoutMs: number;
  /** Extra attempts after a FAIL or ERROR (not after ABORTED or a user-input error). */
  retries?: number;
  /**
   * A FAIL here does not stop the run: later phases still run, so one bad check does not hide the
   * others (e.g. a stuck relay and a miscalibrated meter on the same unit). ERROR still stops.
   */
  independent?: boolean;
  /** Phases that must have PASSed for this one to mean anything; otherwise it is skipped, saying which. */
  requires?: string[];
  /**
   * May overlap the phases next to it: a run of consecutive `concurrent` phases is one group, in
   * which each phase starts as soon as every earlier phase of the group it shares a `uses` key with
   * (or `requires`) has finished. Outside a group (or without the flag) phases run one at a time.
   */
  concurrent?: boolean;
  /**
   * What the phase touches, as resource keys: 'pad:8' (a fixture line), 'meter' (the BL0937 lines),
   * 'channel:1' (a relay channel's state on the device), 'power' (supply/CEN), 'device:config'…
   * Two phases of a concurrent group that share a key never overlap. A concurrent phase without
   * `uses` is taken to touch everything (it runs alone); `[]` means it touches nothing shared.
   */
  uses?: readonly string[];
  /** Runs before a retry (e.g. power cycle the unit). */
  beforeRetry?: (ctx: PhaseContext) => Promise<void>;
  run(ctx: PhaseContext): Promise<void>;
}

/** One slot of a station, as the page and the events name it. */
export interface SlotInfo {
  /** Name used on the page, in events and in messages, e.g. "slot0". */
  slot: string;
  /** Rig name (from the rig file). */
  rig: string;
  /** The rig file, when there is one. */
  rigPath?: string;
  /** Its kind, when known before the run (a run that fails to prepare is still marked simulated). */
  rigKind?: RunRigKind;
}
