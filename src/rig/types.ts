/**
 * What an opened rig gives the flasher and the checks. The rig file (rigs/*.json) is parsed and
 * validated by rig/config; rig/open turns it into this, choosing the backends once.
 */
import type { Clock } from '../core/clock.js';
import type { InputLine, OutputLine, PulseOutput, SerialOpener } from '../io/types.js';

/** A power/CEN sequence compiled from its text form (e.g. "cen=0; wait 100ms; cen=1"). */
export interface ResetSequence {
  /** Name from the rig file, e.g. "cen-pulse" or "power-cycle". */
  readonly name: string;
  /** The source text, for messages. */
  readonly text: string;
  /** Total of its waits, in ms. */
  readonly durationMs: number;
  /** Runs the steps on the rig's lines; rejects with E_ABORTED when the signal fires. */
  run(signal?: AbortSignal): Promise<void>;
}


export type FixtureLine =
  | { kind: 'output'; pad: number; line: OutputLine }
  | { kind: 'input'; pad: number; line: InputLine }
  | { kind: 'pulse'; pad: number; line: PulseOutput };

export interface Rig {
  readonly name: string;
  /** The file it came from, or "(built-in)" */
  readonly source: string;
  /** The time source of everything done on this rig (a simulated module on it shares it). */
  readonly clock: Clock;
  readonly uart: SerialOpener;
  readonly logUart?: SerialOpener;
  readonly power?: OutputLine;
  readonly cen?: OutputLine;
  /** Link-acquisition resets in the order to try: CEN pulse first, power cycle as the fallback. */
  readonly resets: ResetSequence[];
  /** After-flash boot: a sequence that respects OpenBeken's early-reset counter. */
  readonly boot?: ResetSequence;
  /** Fixture lines by module pad (BK7231N GPIO number). */
  readonly fixture: ReadonlyMap<number, FixtureLine>;
  /** Where the flashed firmware's HTTP API answers (rig file's device.url; on the sim rig, the simulated module's). */
  deviceUrl(): string | undefined;
  /** Path of the device profile (OpenBeken template) this rig tests. */
  readonly devicePath?: string;
  /** Releases every fixture line on UART1 pads (P10/P11) before the flasher owns the UART. */
  releaseUartPads(): Promise<void>;
  close(): Promise<void>;
}
