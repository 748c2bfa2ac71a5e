/**
 * Identity: MAC, build string and flags read back from /api/info and recorded; the flags must
 * equal the template's (a unit left with other flags behaves differently, e.g. flag 6 or 41).
 */
import { confirmApplied } from '../device/apply.js';
import type { ObkClient } from '../device/obk-client.js';
import { formatMac } from '../device/obk-replies.js';
import type { Template } from '../device/template.js';
import type { Phase } from '../core/run-types.js';

export function identityPhase(cfg: { name?: string; client: ObkClient; template: Template }): Phase {
  return {
    name: cfg.name ?? 'identity',
    timeoutMs: 20_000,
    retries: 1,
    async run(ctx) {
      const info = await cfg.client.info({ signal: ctx.signal });
      const mac = formatMac(info.mac);
      ctx.identify({ mac, build: info.build });
      ctx.measure({ name: 'mac', value: mac, note: 'from /api/info' });
      ctx.measure({ name: 'build', value: info.build });
      if (info.chipset !== undefined) ctx.measure({ name: 'chipset', value: info.chipset });
      ctx.measure({
        name: 'mac_assigned',
        value: info.mac !== '000000000000' && info.mac !== 'FFFFFFFFFFFF',
        limits: { equals: true },
        note: info.mac === '000000000000' || info.mac === 'FFFFFFFFFFFF' ? `MAC ${mac} is blank: the RF/MAC area of the flash is empty` : undefined,
      });
      const t = cfg.template;
      ctx.measure({
        name: 'flags',
        value: String(info.flags),
        ...(t.flags !== undefined ? { limits: { equals: String(t.flags) } } : {}),
        note: t.flags !== undefined && info.flags !== t.flags ? `template ${t.source} sets ${t.flags}` : undefined,
      });
      if (t.command !== undefined && info.startCmd !== undefined) {
        ctx.measure({ name: 'startup_command', value: info.startCmd, limits: { equals: t.command } });
      }
      // Every later check is derived from the template: a unit configured otherwise would fail them for the wrong reason.
      const pins = confirmApplied(t, await cfg.client.pins({ signal: ctx.signal }));
      ctx.measure({
        name: 'pins_match_template',
        value: pins.ok,
        limits: { equals: true },
        note: pins.ok ? `/api/pins matches ${t.source}` : `${pins.problems.join('; ')} — apply the template (plugrig configure, or test --configure)`,
      });
    },
  };
}
