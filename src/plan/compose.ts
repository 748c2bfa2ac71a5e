/**
 * Applies a plan definition to the default plan: drops, replaces, then places the added phases.
 * Pure. A name that matches nothing is an error with the nearest name, never a silent no-op.
 */
import { PlugrigError } from '../core/errors.js';
import type { Phase } from '../core/run-types.js';
import type { PlanDefinition } from './types.js';

function distance(a: string, b: string): number {
  const d = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = d[0]!;
    d[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = d[j]!;
      d[j] = Math.min(d[j]! + 1, d[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return d[b.length]!;
}

function unknownPhase(def: PlanDefinition, where: string, name: string, names: string[]): never {
  const near = [...names].sort((x, y) => distance(name, x) - distance(name, y))[0];
  const guess = near !== undefined && distance(name, near) <= Math.max(2, near.length / 3) ? `did you mean ${JSON.stringify(near)}? ` : '';
  throw new PlugrigError(
    'E_PLAN_INVALID',
    `${def.source ? `${def.source}: ` : ''}${where}: no phase named ${JSON.stringify(name)} in the plan`,
    `${guess}the phases are: ${names.join(', ') || '(none)'}`,
  );
}

export function applyPlan(base: readonly Phase[], def: PlanDefinition): Phase[] {
  let plan = def.extends === 'none' ? [] : [...base];
  const names = () => plan.map((p) => p.name);
  for (const d of def.drop) {
    if (!plan.some((p) => p.name === d)) unknownPhase(def, 'drop', d, names());
    plan = plan.filter((p) => p.name !== d);
  }
  for (const [name, p] of Object.entries(def.replace)) {
    const i = plan.findIndex((q) => q.name === name);
    if (i < 0) unknownPhase(def, 'replace', name, names());
    plan[i] = p;
  }
  for (const { phase, place } of def.add) {
    if ('at' in place) {
      if (place.at === 'start') plan.unshift(phase);
      else plan.push(phase);
      continue;
    }
    const target = 'before' in place ? place.before : place.after;
    const i = plan.findIndex((q) => q.name === target);
    if (i < 0) unknownPhase(def, 'before' in place ? 'before' : 'after', target, names());
    plan.splice('before' in place ? i : i + 1, 0, phase);
  }
  const seen = new Set<string>();
  for (const p of plan) {
    if (seen.has(p.name)) {
      throw new PlugrigError(
        'E_PLAN_INVALID',
        `${def.source ? `${def.source}: ` : ''}two phases are named ${JSON.stringify(p.name)}`,
        'give the added phase a name of its own, or replace the default one',
      );
    }
    seen.add(p.name);
  }
  return plan;
}
