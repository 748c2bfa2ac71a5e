/**
 * What a rig owns, as a phase sees it (the public plan API, src/plan/): the device's HTTP API, the
 * fixture's lines by module pad, the power and CEN lines, and the firmware's log. Each is a small
 * interface here, in the leaf layer, so the runner can hand them to every phase and the built-in
 * checks use exactly what a user's plan gets. Implementations live in run/resources/.
 */

/** /api/info, read tolerantly (docs/openbeken-behaviour.md §7). */
export interface DeviceInfo {
  uptimeS: number;
  build: string;
  /** 12 upper-case hex digits, no separators (as the firmware prints it). */
  mac: string;
  flags: bigint;
  ip?: string;
  chipset?: string;
  shortName?: string;
  startCmd?: string;
}

/** /api/pins. */
export interface DevicePins {
  /** Role names as the device prints them (index = role number), when it sends them. */
  roleNames?: string[];
  roles: number[];
  channels: number[];
  channels2: number[];
  states: number[];
}

/** STATUS 8 energy readings. */
export interface DeviceEnergy {
  voltage: number;
  current: number;
  power: number;
  apparentPower?: number;
  reactivePower?: number;
  factor?: number;
  frequency?: number;
  /** Wh unless flag 40. */
  consumptionTotal?: number;
  consumptionLastHour?: number;
  yesterday?: number;
}

export interface DeviceCallOptions {
  signal?: AbortSignal;
  /** Extra attempts (0 for commands that must not run twice). Non-idempotent calls are never retried. */
  retries?: number;
  /** Deadline of one attempt, ms. */
  timeoutMs?: number;
}

export interface DeviceCalibration {
  voltage?: number;
  current?: number;
  power?: number;
}

/** OpenBeken over HTTP; every call has a deadline and a bounded retry. */
export interface DeviceApi {
  /** The base URL in use, or undefined while the unit has none (not booted, no network). */
  url(): string | undefined;
  /** A console command (`/cm?cmnd=…`); resolves with the JSON the firmware answers. */
  cmnd(command: string, opts?: DeviceCallOptions): Promise<unknown>;
  info(opts?: DeviceCallOptions): Promise<DeviceInfo>;
  pins(opts?: DeviceCallOptions): Promise<DevicePins>;
  /** `STATUS` (or `STATUS <n>`): the firmware's status JSON. */
  status(n?: number, opts?: DeviceCallOptions): Promise<unknown>;
  /** POWER state by key ("POWER", "POWER1"…). */
  power(opts?: DeviceCallOptions): Promise<Map<string, boolean>>;
  setPower(state: 'ON' | 'OFF' | 'TOGGLE', channel?: number, opts?: DeviceCallOptions): Promise<Map<string, boolean>>;
  /** STATUS 8 readings; undefined when no metering driver runs. */
  energy(opts?: DeviceCallOptions): Promise<DeviceEnergy | undefined>;
  backlog(commands: string[], opts?: DeviceCallOptions): Promise<void>;
  setCalibration(cal: DeviceCalibration, opts?: DeviceCallOptions): Promise<void>;
}

export type Level = 0 | 1;

/** A module pad: its BK7231N GPIO number (26) or name ("P26"). */
export type Pad = number | `P${number}`;

/** A level change seen on a fixture input; `tNs` on the rig's clock (Clock.nowNs()). */
export interface PadEdge {
  level: Level;
  tNs: bigint;
}

/** Edges of one input pad recorded from when the watch started. */
export interface PadWatch {
  readonly edges: readonly PadEdge[];
  /** Resolves with the first edge to `level` at or after `sinceNs` (default: the watch's start), or undefined at the deadline. */
  waitFor(level: Level, opts: { timeoutMs: number; sinceNs?: bigint; signal?: AbortSignal }): Promise<PadEdge | undefined>;
  stop(): void;
}

export interface BlinkSummary {
  /** Median full period over the window, ms; null with fewer than two periods. */
  periodMs: number | null;
  /** Median fraction of the period at `onLevel`. */
  duty: number | null;
  edges: number;
}

/** A load the energy meter is made to see (BL0937 pulse trains synthesised from it). */
export interface LoadPoint {
  volts: number;
  amps: number;
  watts: number;
}

export interface FixtureApi {
  /** True when the rig wires a fixture line to this pad. */
  has(pad: Pad): boolean;
  /** Reads an input pad now. */
  level(pad: Pad): Promise<Level>;
  /** Starts recording an input pad's edges (debounced as the rig file says unless given). */
  watch(pad: Pad, opts?: { debounceMs?: number }): PadWatch;
  /** Waits for an input pad to reach `level` (resolves at once if it is there); undefined at the deadline. */
  waitFor(
    pad: Pad,
    level: Level,
    opts: { timeoutMs: number; signal?: AbortSignal },
  ): Promise<PadEdge | { level: Level; tNs: bigint; already: true } | undefined>;
  /** Drives an output pad to its active level for `ms`, then releases it; resolves with when it pressed and released. */
  press(pad: Pad, ms: number, opts?: { signal?: AbortSignal }): Promise<{ pressedNs: bigint; releasedNs: bigint }>;
  /** Drives an output pad (logical level). */
  drive(pad: Pad, level: Level): Promise<void>;
  /** Stops driving an output pad. */
  release(pad: Pad): Promise<void>;
  /** Watches an input pad for `windowMs` and summarises its blinking (period, duty at `onLevel`, default 1). */
  blink(pad: Pad, opts: { windowMs: number; onLevel?: Level; signal?: AbortSignal }): Promise<BlinkSummary>;
  /** The energy meter's inputs, when the device profile has a BL0937 and the rig drives its pads. */
  readonly meter?: MeterApi;
}

export interface MeterApi {
  /** Drives CF and CF1 (following the SEL pad the module drives) as the meter would at this load. */
  load(point: LoadPoint): Promise<void>;
  /** No load: pulse outputs stopped. */
  off(): Promise<void>;
}

export interface PowerApi {
  /** True when the rig can switch the module's supply; power.cycle falls back to a CEN reset otherwise. */
  readonly switchable: boolean;
  off(opts?: { signal?: AbortSignal }): Promise<void>;
  on(opts?: { signal?: AbortSignal }): Promise<void>;
  /** Supply off, wait `offMs` (default 500), on. Respects the firmware's early-reset guard. */
  cycle(opts?: { offMs?: number; signal?: AbortSignal }): Promise<void>;
  /** A CEN pulse (reset). Respects the firmware's early-reset guard. */
  reset(opts?: { signal?: AbortSignal }): Promise<void>;
}

/** One line the firmware printed, timestamped when the host received it. */
export interface LogLine {
  /** Position in the capture, from 1. */
  seq: number;
  /** Rig clock, ms (Clock.now()). */
  tMs: number;
  text: string;
  /** "uart" (TX2 on the rig's logUart) or "net" (OpenBeken's network log). */
  source: 'uart' | 'net';
}

export interface FirmwareLog {
  /** Whether the rig captures the firmware's log at all (a phase may skip when it does not). */
  readonly available: boolean;
  /** Where it comes from, for messages ("logUart /dev/ttyAMA1", "net 192.168.4.1:9000"). */
  readonly source: string;
  /** A position to ask since() and waitFor() from. */
  mark(): number;
  /** Lines after `mark` (all kept lines without it). */
  since(mark?: number): LogLine[];
  /** Resolves with the first line after `since` (default: now) matching `pattern`; rejects with E_LOG_TIMEOUT at the deadline. */
  waitFor(pattern: RegExp, opts: { timeoutMs: number; since?: number; signal?: AbortSignal }): Promise<LogLine>;
  /** Calls back on every new line; returns an unsubscribe. */
  onLine(listener: (line: LogLine) => void): () => void;
  /**
   * Announces a reboot caused on purpose, so the unexpected-reboot check does not count a boot seen
   * from now until `withinMs` (default 10 000) later. power.off/on/cycle/reset announce their own;
   * a phase that reboots the unit another way (a console `restart` prints "Rebooting..." and needs
   * none) calls this first.
   */
  expectReboot(why: string, opts?: { withinMs?: number }): void;
  /** The announced windows, on the rig clock (ms). */
  expectedReboots(): readonly ExpectedReboot[];
}

/** A time on the rig clock during which a reboot was asked for. */
export interface ExpectedReboot {
  fromMs: number;
  untilMs: number;
  why: string;
}

/** Everything a rig gives the phases of one run. */
export interface UnitResources {
  device: DeviceApi;
  fixture: FixtureApi;
  power: PowerApi;
  log: FirmwareLog;
}
