/**
 * Identity: MAC, build string and flags read back from /api/info and recorded; the flags must
 * equal the template's (a unit left with other flags behaves differently, e.g. flag 6 or 41).
 * Written on the public plan API (t.device), as a user's phase would be.
 */
import { confirmApplied } from '../device/apply.js';
import { formatMac } from '../device/obk-replies.js';
import type { Template } from '../device/template.js';
import { phase } from '../plan/phase.js';
import type { PlanPhase } from '../plan/types.js';

/** `{ note }` only when there is one. */
export const noteOf = (note: string | undefined): { note?: string } => (note === undefined ? {} : { note });

export function identityPhase(cfg: { name?: string; template: Template }): PlanPhase {
  return phase(cfg.name ?? 'identity', { timeoutMs: 20_000, retries: 1 }, async (t) => {
    const info = await t.device.info({ signal: t.signal });
    const mac = formatMac(info.mac);
    t.identify({ mac, build: info.build });
    t.measure('mac', mac, { note: 'from /api/info' });
    t.measure('build', info.build);
    if (info.chipset !== undefined) t.measure('chipset', info.chipset);
    const blank = info.mac === '000000000000' || info.mac === 'FFFFFFFFFFFF';
    t.measure('mac_assigned', !blank, {
      limits: { equals: true },
      ...noteOf(blank ? `MAC ${mac} is blank: the RF/MAC area of the flash is empty` : undefined),
    });
    const tpl = cfg.template;
    t.measure('flags', String(info.flags), {
      ...(tpl.flags !== undefined ? { limits: { equals: String(tpl.flags) } } : {}),
      ...noteOf(tpl.flags !== undefined && info.flags !== tpl.flags ? `template ${tpl.source} sets ${tpl.flags}` : undefined),
    });
    if (tpl.command !== undefined && info.startCmd !== undefined) {
      t.measure('startup_command', info.startCmd, { limits: { equals: tpl.command } });
    }
    // Every later check is derived from the template: a unit configured otherwise would fail them for the wrong reason.
    const pins = confirmApplied(tpl, await t.device.pins({ signal: t.signal }));
    t.measure('pins_match_template', pins.ok, {
      limits: { equals: true },
      note: pins.ok ? `/api/pins matches ${tpl.source}` : `${pins.problems.join('; ')} — apply the template (plugrig configure, or test --configure)`,
    });
  });
}
