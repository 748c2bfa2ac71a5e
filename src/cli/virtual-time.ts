/**
 * --virtual-time (run, test, serve): the whole job runs on one VirtualClock shared by the host and
 * the simulated module(s), so a unit plan on the simulated rig costs only its CPU time (demos, CI,
 * the package test). Only for simulated rigs: real hardware cannot wait in virtual time.
 */
import type { Clock } from '../core/clock.js';
import { PlugrigError } from '../core/errors.js';
import { VirtualClock } from '../core/virtual-clock.js';
import { flag } from './args.js';
import type { ParsedCommandArgs } from './command.js';

/** One line for the commands' usage text (shown by --help). */
export const VIRTUAL_TIME_HELP =
  '--virtual-time: simulated rigs only; run the whole job on one virtual clock shared with the simulated module, ' +
  'so waits cost no real time (fast demos and CI). Timings in the record are virtual.';

/**
 * The clock the command runs on: a new VirtualClock with --virtual-time, else undefined (the real
 * one). Refuses, naming them, when any of the rigs is not simulated.
 */
export function clockFromArgs(args: ParsedCommandArgs, rigs: readonly { name: string; kind: string }[]): VirtualClock | undefined {
  if (!flag(args, 'virtual-time')) return undefined;
  const real = rigs.filter((r) => r.kind !== 'sim');
  if (real.length) {
    throw new PlugrigError('E_USAGE',
      `--virtual-time needs simulated rigs only; ${real.map((r) => `${r.name} is a ${r.kind} rig`).join(', ')}`,
      'drop --virtual-time for real hardware, or use a simulated rig (e.g. --rig rigs/sim.json)');
  }
  return new VirtualClock();
}

/** Stops a virtual clock once the command is done (no timer of the finished job fires after it). */
export function stopClock(clock: Clock | undefined): void {
  if (clock instanceof VirtualClock) clock.stop();
}
