/**
 * A rig file after validation: every default applied, every path resolved, every sequence parsed.
 * rigs/README.md documents the JSON form.
 */
import type { SimModuleOptions } from '../sim/index.js';
import type { SequenceStep } from './sequence-parse.js';

export type RigKind = 'pi' | 'sim';
export type PiBoard = 'pi4' | 'pi5';
export type LineDrive = 'push-pull' | 'open-drain';
export type ActiveLevel = 'high' | 'low';

export interface UartConfig {
  /** Stable device path (/dev/serial/by-path/…, /dev/ttyAMA0); on a sim rig the simulated port. */
  path: string;
  baudRate: number;
}

/** Power or CEN. Logical 1 = module powered / CEN high (running). */
export interface ControlLineConfig {
  name: 'power' | 'cen';
  /** BCM GPIO number; absent on a sim rig (the simulated module's net). */
  bcm?: number;
  /** GPIO level meaning logical 1 ('low' behind an inverting transistor). */
  activeLevel: ActiveLevel;
  drive: LineDrive;
}

export type FixtureKind = 'output' | 'open-drain' | 'input' | 'pwm';

export interface PwmChannelConfig {
  /** Part of the PWM chip's device path (fe20c000.pwm on Pi 4, 1f00098000.pwm on Pi 5). */
  chipDevice: string;
  channel: number;
  /** PWM clock (10 MHz Pi 4, 50 MHz Pi 5): sets the period quantum. */
  clockHz: number;
}

export interface FixtureLineConfig {
  /** Name used in sequences and by the checks, e.g. "button". */
  name: string;
  /** Module pad as BK7231N GPIO number (10 = P10). */
  pad: number;
  kind: FixtureKind;
  bcm?: number;
  /** Logical level = the pad's level; 'low' when the wiring inverts. */
  activeLevel: ActiveLevel;
  /** Kernel PWM channel (pi rigs with kind pwm). On a sim rig: only clockHz, to model quantisation. */
  pwm?: Partial<PwmChannelConfig> & { clockHz?: number };
  /** Default debounce for watches of an input, ms. */
  debounceMs?: number;
}

export interface SequenceConfig {
  name: string;
  text: string;
  steps: SequenceStep[];
  /** True when the rig file did not give it. */
  builtIn: boolean;
}

export interface RigConfig {
  name: string;
  /** The file it came from, or "(built-in)". */
  source: string;
  kind: RigKind;
  board?: PiBoard;
  description?: string;
  /** Absolute path of the device profile (OpenBeken template). */
  devicePath: string;
  /** Absolute path of the module pad map. */
  modulePath: string;
  deviceUrl?: string;
  /** On a sim rig path is empty until the module is created (its uartPath). */
  uart: UartConfig;
  /** TX2 (pad P0), the firmware's log at 115200; on a sim rig path is empty (the module's `<uartPath>:log`). */
  logUart?: UartConfig;
  power?: ControlLineConfig;
  cen?: ControlLineConfig;
  fixture: FixtureLineConfig[];
  sequences: Record<string, SequenceConfig>;
  /** Link-acquisition resets in order (names in sequences). */
  resets: string[];
  /** The reset run by the after-flash boot (names in sequences). */
  boot: string;
  /** Module pads of the flashing UART (UART1: P10, P11): fixture lines there are released while flashing. */
  uartPads: number[];
  /** Absolute path of a plan file applied to the default plan (`plan`, relative to the rig file). */
  planPath?: string;
  /** Absolute path of a provisioning file applied to each unit (`provision`, relative to the rig file). */
  provisionPath?: string;
  /** Validated simulator options (sim rigs). */
  sim?: SimModuleOptions;
}
