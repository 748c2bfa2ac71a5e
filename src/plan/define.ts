/**
 * definePlan(): what a plan file exports. It extends the default plan (the one plugrig derives from
 * the rig and the device profile) by adding phases before or after a named one, dropping or
 * replacing phases; or, with `extends: 'none'`, stands alone. Checked here, so a mistake in a plan
 * file is one line naming what is wrong.
 */
import { PlugrigError } from '../core/errors.js';
import type { Phase } from '../core/run-types.js';
import type { Placement, PlanDefinition } from './types.js';

export interface PlanInput {
  /** Shown in the record and on the console (default "custom plan"). */
  name?: string;
  /** 'default' (the derived plan, default) or 'none'. */
  extends?: 'default' | 'none';
  /** Phases to add: at the end, or each with `{ before: 'relay' }`, `{ after: 'relay' }`, `{ at: 'start' }`. */
  phases?: readonly (Phase | ({ phase: Phase } & Partial<Placement>))[];
  /** Default phases to leave out, by name. */
  drop?: readonly string[];
  /** Default phases to swap for another, by name. */
  replace?: Readonly<Record<string, Phase>>;
}

const BRAND = Symbol.for('plugrig.plan');

function invalid(what: string, hint: string): never {
  throw new PlugrigError('E_PLAN_INVALID', what, hint);
}

function isPhase(p: unknown): p is Phase {
  return typeof p === 'object' && p !== null && typeof (p as Phase).name === 'string' && typeof (p as Phase).run === 'function';
}

function placementOf(entry: Record<string, unknown>, index: number): Placement {
  const keys = ['before', 'after', 'at'].filter((k) => entry[k] !== undefined);
  if (keys.length > 1) invalid(`phases[${index}]: give one of before, after or at, not ${keys.join(' and ')}`, "e.g. { phase: myPhase, after: 'relay' }");
  if (entry.before !== undefined) {
    if (typeof entry.before !== 'string') invalid(`phases[${index}].before must be a phase name`, "e.g. before: 'relay'");
    return { before: entry.before };
  }
  if (entry.after !== undefined) {
    if (typeof entry.after !== 'string') invalid(`phases[${index}].after must be a phase name`, "e.g. after: 'relay'");
    return { after: entry.after };
  }
  if (entry.at !== undefined && entry.at !== 'start' && entry.at !== 'end') invalid(`phases[${index}].at must be 'start' or 'end'`, "e.g. at: 'start'");
  return { at: (entry.at as 'start' | 'end' | undefined) ?? 'end' };
}

export function definePlan(input: PlanInput): PlanDefinition {
  if (typeof input !== 'object' || input === null) invalid('definePlan() takes an object', "e.g. definePlan({ phases: [phase('x', async (t) => { … })] })");
  const known = new Set(['name', 'extends', 'phases', 'drop', 'replace']);
  for (const k of Object.keys(input)) {
    if (!known.has(k)) invalid(`definePlan(): unknown key ${JSON.stringify(k)}`, `the keys are ${[...known].join(', ')}`);
  }
  const ext = input.extends ?? 'default';
  if (ext !== 'default' && ext !== 'none')
    invalid(`definePlan(): extends must be 'default' or 'none', got ${JSON.stringify(ext)}`, "'default' builds on the derived plan");
  const add = (input.phases ?? []).map((entry, i) => {
    if (isPhase(entry)) return { phase: entry, place: { at: 'end' } as Placement };
    if (typeof entry === 'object' && entry !== null && isPhase((entry as { phase?: unknown }).phase)) {
      return { phase: (entry as { phase: Phase }).phase, place: placementOf(entry as Record<string, unknown>, i) };
    }
    return invalid(`phases[${i}] is not a phase`, "build phases with phase('name', async (t) => { … })");
  });
  const drop = [...(input.drop ?? [])];
  drop.forEach((d, i) => {
    if (typeof d !== 'string') invalid(`drop[${i}] must be a phase name`, "e.g. drop: ['bl0937']");
  });
  const replace: Record<string, Phase> = {};
  for (const [name, p] of Object.entries(input.replace ?? {})) {
    if (!isPhase(p)) invalid(`replace.${name} is not a phase`, "e.g. replace: { 'wifi-led': phase('wifi-led', async (t) => { … }) }");
    replace[name] = p;
  }
  if (ext === 'none' && (drop.length || Object.keys(replace).length))
    invalid("definePlan(): drop and replace need extends: 'default'", 'a plan of its own has nothing to drop or replace');
  const def = { name: input.name ?? 'custom plan', extends: ext, add, drop, replace } as PlanDefinition;
  Object.defineProperty(def, BRAND, { value: true });
  return def;
}

/** True for what definePlan() returned (from this or another copy of plugrig). */
export function isPlanDefinition(v: unknown): v is PlanDefinition {
  return typeof v === 'object' && v !== null && (v as Record<symbol, unknown>)[BRAND] === true;
}
