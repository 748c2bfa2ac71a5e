/**
 * A check's pads, asked of the fixture at run time: a pad the rig does not wire skips the check
 * with the reason (never a silent pass). Public API only (t.fixture.has, t.skip).
 */
import type { TemplatePin } from '../device/template.js';
import type { PlanContext } from '../plan/types.js';

export interface NeededPad {
  pin: TemplatePin;
  /** What the check uses it for ("relay", "button", "BL0937 CF"). */
  what: string;
}

/** Skips the phase naming every needed pad the rig has no line on. */
export function needPads(t: PlanContext, pads: readonly NeededPad[]): void {
  const missing = pads.filter((p) => !t.fixture.has(p.pin.gpio)).map((p) => `P${p.pin.gpio} (${p.what}, ${p.pin.role.name}) is not wired on this rig`);
  if (missing.length) t.skip(missing.join('; '));
}
