/**
 * What `run` and `test` share around a plan on a rig: the options read against the rig file
 * (--plan, --provision, --virtual-time), the run itself as both record it, and the exit code.
 */
import type { RunRecord } from '../core/record.js';
import type { RigConfig } from '../rig/config-types.js';
import type { Rig } from '../rig/types.js';
import { runPlan, type RunPlanOptions } from '../run/runner.js';
import { stringOption } from './args.js';
import type { CommandIo, ParsedCommandArgs } from './command.js';
import { planFromArgs } from './plan-option.js';
import { provisioningFromArgs } from './provision-option.js';
import { clockFromArgs } from './virtual-time.js';

/** --plan and --provision (else the rig file's), and the --virtual-time clock. */
export async function rigRunOptions(args: ParsedCommandArgs, io: CommandIo, config: RigConfig) {
  const userPlan = await planFromArgs(args, io, config.planPath);
  const prov = await provisioningFromArgs(args, io, config.provisionPath);
  return { userPlan, prov, clock: clockFromArgs(args, [config], io) };
}

type OnRig = Omit<RunPlanOptions, 'slot' | 'rig' | 'rigKind' | 'signal' | 'clock'>;

/** Runs the plan as one recorded unit on the rig: --slot or the rig's name, timed by the rig's clock. */
export function runOnRig(args: ParsedCommandArgs, io: CommandIo, rig: Rig, config: RigConfig, opts: OnRig): Promise<RunRecord> {
  return runPlan({ slot: stringOption(args, 'slot') ?? rig.name, rig: rig.name, rigKind: config.kind, ...opts, signal: io.signal, clock: rig.clock });
}

/** 0 on PASS, 130 when stopped (as a shell reports SIGINT), 1 otherwise. */
export function exitCodeOf(record: RunRecord): number {
  return record.outcome === 'PASS' ? 0 : record.outcome === 'ABORTED' ? 130 : 1;
}
