/** The plan API, as a plan file imports it from 'plugrig'. */
export { definePlan, isPlanDefinition, type PlanInput } from './define.js';
export { phase } from './phase.js';
export { applyPlan } from './compose.js';
export type { MeasureOptions, MeasurementSpec, PhaseFunction, PhaseOptions, PlanContext, PlanDefinition, PlanPhase, Placement } from './types.js';
