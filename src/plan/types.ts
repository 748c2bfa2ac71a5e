/**
 * The public plan API (`import { definePlan, phase } from 'plugrig'`): a phase is an async function
 * with its measurements declared beside it; it gets one context holding what the rig owns. The
 * built-in checks are written against exactly this.
 */
import type { Clock } from '../core/clock.js';
import type { DeviceApi, FirmwareLog, FixtureApi, FlashApi, PowerApi } from '../core/resources.js';
import type { Limits, MeasuredValue, Measurement, Phase, ProgressInfo, UnitIdentity } from '../core/run-types.js';

/** A declared measurement: its limits (in_range, equals), unit and what a failure means. */
export interface MeasurementSpec extends Limits {
  unit?: string;
  /** Shown beside a FAIL when the phase gives no note of its own. */
  note?: string;
}

export interface MeasureOptions {
  unit?: string;
  limits?: Limits;
  note?: string;
}

/** What a phase's function receives. */
export interface PlanContext {
  readonly phase: string;
  readonly attempt: number;
  /** Fires when the phase's deadline passes or the run is aborted; pass it on to every wait. */
  readonly signal: AbortSignal;
  readonly clock: Clock;
  /** OpenBeken's HTTP API (cmnd, info, pins, status, power…), with deadlines. */
  readonly device: DeviceApi;
  /** The fixture's lines by module pad: press, read, await, blink, the energy meter. */
  readonly fixture: FixtureApi;
  /** Supply and CEN: off, on, cycle, reset. */
  readonly power: PowerApi;
  /** The firmware's log (logUart or the network log). */
  readonly log: FirmwareLog;
  /** Flashing an image (an upgrade test), then booting the unit and waiting for its HTTP API. */
  readonly flash: FlashApi;
  /**
   * Records a measurement, judged against the declared limits (or `opts.limits`), and returns it with
   * its verdict. A FAIL fails the phase; the phase goes on unless it returns.
   */
  measure(name: string, value: MeasuredValue, opts?: MeasureOptions): Measurement;
  /** Waits on the rig's clock; rejects with E_ABORTED when the phase ends. */
  sleep(ms: number): Promise<void>;
  /** A line in the run's own log (the stream, the record, the console). */
  note(message: string, level?: 'debug' | 'info' | 'warn' | 'error'): void;
  progress(p: ProgressInfo): void;
  /** Announces what was learned about the unit (MAC, build…). */
  identify(unit: UnitIdentity): void;
  /** Ends the phase as SKIP with the reason. Throws; do not catch. */
  skip(reason: string): never;
}

export interface PhaseOptions {
  /** Measurements this phase promises; one it never sets is recorded as FAIL "not measured". */
  measurements?: Record<string, MeasurementSpec>;
  /** Deadline of one attempt, ms (default 60 000). */
  timeoutMs?: number;
  /** Extra attempts after a FAIL or ERROR. */
  retries?: number;
  /** A FAIL here does not stop the phases after it. */
  independent?: boolean;
  /** Phases that must have passed for this one to mean anything; otherwise it is skipped, saying which. */
  requires?: string[];
  /**
   * May run at the same time as the `concurrent` phases next to it in the plan, where their `uses`
   * do not overlap (e.g. an LED watch during the energy-meter windows). Default: one at a time.
   */
  concurrent?: boolean;
  /**
   * What the phase touches, as resource keys: 'pad:8' for a fixture line, 'meter' for the BL0937
   * lines, 'channel:1' for a relay channel's state, 'power' for supply and CEN. Two concurrent
   * phases sharing a key run one after the other, in plan order. Without it a concurrent phase
   * runs alone; `[]` says it touches nothing another phase does.
   */
  uses?: string[];
  /** Runs before a retry (e.g. power cycle the unit). */
  beforeRetry?: (t: PlanContext) => Promise<void>;
}

export type PhaseFunction = (t: PlanContext) => Promise<void>;

/** A phase built by phase(): a runner Phase that also says what it measures. */
export interface PlanPhase extends Phase {
  readonly measurements: Readonly<Record<string, MeasurementSpec>>;
}

/** Where an added phase goes in the plan it extends. */
export type Placement = { before: string } | { after: string } | { at: 'start' | 'end' };

/** What a plan file exports (made by definePlan). */
export interface PlanDefinition {
  readonly name: string;
  /**
   * 'default': start from the plan plugrig derives from the rig and the device profile (the flash
   * phases for `run`, then the checks); 'none': only this file's phases.
   */
  readonly extends: 'default' | 'none';
  /** Phases added, each at its place (appended at the end when no place is given). */
  readonly add: readonly { phase: Phase; place: Placement }[];
  /** Names of default phases dropped. */
  readonly drop: readonly string[];
  /** Default phases replaced by name. */
  readonly replace: Readonly<Record<string, Phase>>;
  /** Where the definition came from, for messages (set by the loader). */
  source?: string;
}
