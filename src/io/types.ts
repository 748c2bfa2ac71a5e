/**
 * The only way the flasher and the checks touch hardware. A line is a Pi pin, a kernel PWM channel
 * or a simulated wire; which one is decided once, when the rig opens.
 */
import type { SerialPortStream } from '@serialport/stream';

export type Level = 0 | 1;

/** A timestamped level change seen on an input. `tNs` is the rig clock's nowNs() (realClock: process.hrtime.bigint()). */
export interface Edge {
  level: Level;
  tNs: bigint;
}

export interface OutputLine {
  readonly name: string;
  /** Drive the logical level (active level already applied by the backend). */
  set(level: Level): Promise<void>;
  get(): Promise<Level>;
  /** Stop driving: input / high impedance. Open-drain lines release by this; push-pull lines too. */
  release(): Promise<void>;
  close(): Promise<void>;
}

export interface InputLine {
  readonly name: string;
  read(): Promise<Level>;
  /** Calls back on every edge (after the optional debounce, in ms) with a host timestamp. Returns an unsubscribe. */
  watch(onEdge: (edge: Edge) => void, debounceMs?: number): () => void;
  close(): Promise<void>;
}

export interface PulseOutput {
  readonly name: string;
  /** Start or change the pulse train on the fly. duty in 0..1. */
  set(hz: number, duty?: number): Promise<void>;
  stop(): Promise<void>;
  /** The achievable frequency step at the given frequency, in Hz (quantisation of the backend). */
  resolutionHz(hz: number): number;
  close(): Promise<void>;
}

export interface SerialOpenOptions {
  baudRate: number;
  signal?: AbortSignal;
}

/** Opens the rig's flashing UART. The returned stream is the real serialport stack over the rig's binding. */
export interface SerialOpener {
  readonly path: string;
  open(opts: SerialOpenOptions): Promise<SerialPortStream>;
}
