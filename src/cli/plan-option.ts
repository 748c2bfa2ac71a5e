/**
 * --plan <file> (run, test) and the rig file's `plan`: which user plan, if any, is applied to the
 * default plan the command builds. --plan wins over the rig file. The loader (and tsx, for a .ts
 * plan) is imported only when there is a plan to load, so a plain run never pays for it.
 */
import type { ParsedCommandArgs as CommandArgs, CommandIo } from './command.js';
import { stringOption } from './args.js';
import type { Phase } from '../core/run-types.js';
import type { PlanDefinition } from '../plan/types.js';

export const PLAN_HELP = '--plan <file.ts|.js>: a plan file (export default definePlan(…)) applied to the default plan; see docs/plan-api.md';

export interface LoadedPlan {
  def: PlanDefinition;
  /** Applies it to the default plan (unknown phase names are errors naming the file's line). */
  apply(base: readonly Phase[]): Phase[];
  /** For runPlan(): recorded in run.started. */
  record: { planName: string; planFile: string };
}

/** Loads a plan file; paths relative to `cwd`. */
export async function loadPlan(file: string, cwd: string): Promise<LoadedPlan> {
  const { loadPlanFile, applyPlanFile } = await import('../plan/load.js');
  const def = await loadPlanFile(file, { cwd });
  return { def, apply: (base) => applyPlanFile(base, def), record: { planName: def.name, planFile: def.source ?? file } };
}

/** The plan named by --plan, else by the rig file's `plan`, else none. */
export async function planFromArgs(args: CommandArgs, io: CommandIo, rigPlanPath?: string): Promise<LoadedPlan | undefined> {
  const given = stringOption(args, 'plan');
  if (given !== undefined) return loadPlan(given, io.cwd);
  return rigPlanPath ? loadPlan(rigPlanPath, io.cwd) : undefined;
}
