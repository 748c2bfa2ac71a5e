/**
 * The shape of one `plugrig <command>`: its options (node:util parseArgs spec), a usage text and
 * a run function returning the exit code. main.ts parses, catches PlugrigError and prints one line.
 */
import type { ParseArgsConfig } from 'node:util';
import type { Clock } from '../core/clock.js';

export type OptionSpec = NonNullable<ParseArgsConfig['options']>;

export interface CommandIo {
  out: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  err: NodeJS.WritableStream & { isTTY?: boolean };
  /** Aborted on the first Ctrl-C / SIGTERM; a second one exits at once. */
  signal: AbortSignal;
  env: NodeJS.ProcessEnv;
  cwd: string;
  /**
   * The command's time source. Absent: the machine's (or, with --virtual-time, a new VirtualClock).
   * Tests that run a command in process inject one VirtualClock shared with their fakes.
   */
  clock?: Clock;
}

export interface ParsedCommandArgs {
  values: Record<string, string | boolean | string[] | boolean[] | undefined>;
  positionals: string[];
}

export interface Command {
  name: string;
  summary: string;
  usage: string;
  options: OptionSpec;
  /** Allowed count of positionals [min, max]. */
  positionals?: [number, number];
  run(args: ParsedCommandArgs, io: CommandIo): Promise<number>;
}
