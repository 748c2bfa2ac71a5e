/**
 * What a rig owns, as a phase sees it (the public plan API, src/plan/): the device's HTTP API, the
 * fixture's lines by module pad, the power and CEN lines, the firmware's log and the flasher. Each is a small
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
  /** "host:port" of the MQTT broker the unit is configured for. */
  mqttHost?: string;
  /** The unit's MQTT topic (its MQTT client id). */
  mqttTopic?: string;
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
  /** Median time at the on and the off level, ms. */
  onMs?: number | null;
  offMs?: number | null;
  /** The pad's level at the end of the window. */
  level?: Level;
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

/** Units per Hz of pulse output (a BL0937's constants: V = f·voltage, A = f·current, W = f·power). */
export interface MeterConstants {
  voltage: number;
  current: number;
  power: number;
}

/** A SEL change the module made while the meter ran; `followMs` is how long the rig took to switch CF1. */
export interface MeterSelEdge {
  level: Level;
  tNs: bigint;
  followMs?: number;
}

export interface MeterApi {
  /**
   * Drives CF and CF1 (following the SEL pad the module drives) as the meter would at this load,
   * with `constants` (default: the ones the rig was given, OpenBeken's unless calibrated).
   */
  load(point: LoadPoint, opts?: { constants?: MeterConstants }): Promise<void>;
  /** No load: pulse outputs stopped, SEL no longer followed (the next load starts a fresh edge list). */
  off(): Promise<void>;
  /** Whether SEL high selects current (BL0937SEL_n in the device profile) instead of voltage. */
  readonly selInverted: boolean;
  /** The constants load() uses by default. */
  readonly constants: Readonly<MeterConstants>;
  /** SEL changes seen since load() started the meter. */
  readonly selEdges: readonly MeterSelEdge[];
  /** Resolves true once `count` SEL changes have been seen, false at the deadline; rejects with E_ABORTED. */
  waitForSelEdges(count: number, opts: { timeoutMs: number; signal?: AbortSignal }): Promise<boolean>;
  /** Worst SEL-edge → CF1 follow delay of the SEL changes from index `from` on, ms (throws if setting CF1 failed). */
  worstFollowMs(from: number): number;
  /** The frequency step of the rig's CF/CF1 outputs near `hz` (0 = exact). */
  resolutionHz(hz: number): number;
}

export interface PowerApi {
  /** True when the rig can switch the module's supply; power.cycle falls back to a CEN reset otherwise. */
  readonly switchable: boolean;
  off(opts?: { signal?: AbortSignal }): Promise<void>;
  on(opts?: { signal?: AbortSignal }): Promise<void>;
  /**
   * Supply off, wait `offMs` (default 500), on. Respects the firmware's early-reset guard. Resolves
   * with what was done (a CEN reset instead, saying so, when the supply is not switchable).
   */
  cycle(opts?: { offMs?: number; signal?: AbortSignal }): Promise<string>;
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

export interface FlashWriteOptions {
  /** Rewrite only the sectors whose chip CRC differs from the image (`--diff`). */
  diff?: boolean;
  /** Where the image goes (default: where its kind belongs, 0x0 for a BK7231N QIO image). */
  offset?: number;
  signal?: AbortSignal;
}

export interface FlashWriteResult {
  /** The image's file name (or "(bytes)" for an image given as bytes). */
  name: string;
  sha256: string;
  bytes: number;
  offset: number;
  sectorsWritten: number;
  sectorsSkipped: number;
  /** The chip's CRC over the written range, read back after the write and equal to the image's (8 hex digits). */
  crc: string;
  /** From the start of the boot sequence to the firmware serving HTTP, ms on the rig's clock. */
  bootMs: number;
  /** The device's HTTP address after the boot. */
  url: string;
}

/** The image a run was given (release A in an upgrade test): what the flash phases wrote. */
export interface FlashImageInfo {
  name: string;
  sha256: string;
  offset: number;
  readonly data: Uint8Array;
}

/** Flashing from inside a plan, through the same flasher session the flash phases use. */
export interface FlashApi {
  /** Whether this run can flash (a rig with the module's UART and a boot sequence). */
  readonly available: boolean;
  /** The image the run was given, when it flashes one (`plugrig run`; absent in `plugrig test`). */
  readonly runImage?: FlashImageInfo;
  /**
   * Links to the chip (the rig's UART and reset sequences), writes `image` (a file path or the
   * bytes), checks the chip's CRC of the range against the image, releases the port, boots the unit
   * through the rig's boot sequence and waits for its HTTP address. Resolves only when all of that
   * happened; a CRC that differs rejects with E_VERIFY_MISMATCH.
   */
  write(image: string | Uint8Array, opts?: FlashWriteOptions): Promise<FlashWriteResult>;
}

/** Everything a rig gives the phases of one run. */
export interface UnitResources {
  device: DeviceApi;
  fixture: FixtureApi;
  power: PowerApi;
  log: FirmwareLog;
  flash: FlashApi;
}
