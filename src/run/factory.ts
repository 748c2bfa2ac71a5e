/**
 * How a station gets the plan for one unit on one slot. The real flash+check plan (bk7231 + checks)
 * and the simulated slots both come in through this one shape.
 */
import type { Redactor } from '../core/redact.js';
import type { Clock } from '../core/clock.js';
import type { UnitResources } from '../core/resources.js';
import type { FirmwareInfo, Phase, RunRigKind, SlotInfo, UnitIdentity } from '../core/run-types.js';

export type { SlotInfo };

export interface PreparedRun {
  plan: Phase[];
  unit?: UnitIdentity;
  firmware?: FirmwareInfo;
  rig: string;
  /** 'pi', 'sim' (a simulated rig) or 'model' (--sim-slots): recorded so simulated runs never pass as real units. */
  rigKind?: RunRigKind;
  /** What the rig gives every phase (t.device, t.fixture…); default: none, each use fails naming what is missing. */
  resources?: UnitResources;
  /** A user's plan file applied to the default plan (recorded in run.started). */
  planName?: string;
  planFile?: string;
  /** The run's clock: the opened rig's (default: the station's). */
  clock?: Clock;
  /** Scrubs the run's secrets (a provisioning file's passwords) from every event. */
  redactor?: Redactor;
  /** Releases what preparing opened (the rig's lines and port); called once the run has ended. */
  release?: () => Promise<void>;
}

/** Prepares one run (opens what it needs, builds the plan); `signal` fires when the run is aborted. */
export type RunFactory = (slot: SlotInfo, signal: AbortSignal) => Promise<PreparedRun>;
