/**
 * --virtual-time (run, test, serve): the whole job runs on one VirtualClock shared by the host and
 * the simulated module(s), so a unit plan on the simulated rig costs only its CPU time (demos, CI,
 * the package test). Only for simulated rigs: real hardware cannot wait in virtual time.
 */
import type { Clock } from '../core/clock.js';
import { PlugrigError } from '../core/errors.js';
import { VirtualClock } from '../core/virtual-clock.js';
import { flag } from './args.js';
import type { CommandIo, ParsedCommandArgs } from './command.js';

/** One line for the commands' usage text (shown by --help). */
export const VIRTUAL_TIME_HELP =
  '--virtual-time: simulated rigs only; run the whole job on one virtual clock shared with the simulated module, ' +
  'so waits cost no real time (fast demos and CI). Timings in the record are virtual.';

/**
 * The clock the command runs on: with --virtual-time the injected one (io.clock, tests) or a new
 * VirtualClock; without it io.clock, else undefined (the machine's). Refuses, naming them, when
 * --virtual-time is asked for and any of the rigs is not simulated.
 */
export function clockFromArgs(args: ParsedCommandArgs, rigs: readonly { name: string; kind: string }[], io: Pick<CommandIo, 'clock'>): Clock | undefined {
  if (!flag(args, 'virtual-time')) return io.clock;
  const real = rigs.filter((r) => r.kind !== 'sim');
  if (real.length) {
    throw new PlugrigError(
      'E_USAGE',
      `--virtual-time needs simulated rigs only; ${real.map((r) => `${r.name} is a ${r.kind} rig`).join(', ')}`,
      'drop --virtual-time for real hardware, or use a simulated rig (e.g. --rig rigs/sim.json)',
    );
  }
  return io.clock ?? new VirtualClock();
}

/** Stops a virtual clock the command made itself, once it is done (an injected one is the caller's). */
export function stopClock(clock: Clock | undefined, io: Pick<CommandIo, 'clock'>): void {
  if (clock instanceof VirtualClock && clock !== io.clock) clock.stop();
}
