/**
 * Configure: apply the template over HTTP (backlog, StartupCommand, restart) and confirm it through
 * /api/pins and /api/info; each pin's read-back is a measurement.
 */
import { applyTemplate } from '../device/apply.js';
import type { ObkClient } from '../device/obk-client.js';
import { formatMac } from '../device/obk-replies.js';
import type { Template } from '../device/template.js';
import type { Phase } from '../core/run-types.js';

export function configurePhase(cfg: { name?: string; client: ObkClient; template: Template; rebootTimeoutMs?: number }): Phase {
  return {
    name: cfg.name ?? 'configure',
    timeoutMs: 20_000 + (cfg.rebootTimeoutMs ?? 30_000),
    retries: 1,
    async run(ctx) {
      const r = await applyTemplate(cfg.client, cfg.template, {
        signal: ctx.signal,
        clock: ctx.clock,
        log: (m) => ctx.log(m, 'debug'),
        ...(cfg.rebootTimeoutMs !== undefined ? { rebootTimeoutMs: cfg.rebootTimeoutMs } : {}),
      });
      ctx.identify({ mac: formatMac(r.info.mac), build: r.info.build });
      for (const p of r.check.pins) {
        ctx.measure({
          name: `pin_P${p.gpio}`,
          value: p.actual,
          limits: { equals: p.expected ?? 'None;0' },
          note: p.ok ? undefined : p.expected ? 'read back from /api/pins after restart' : 'left over from an earlier configuration',
        });
      }
      if (r.check.flags) ctx.measure({ name: 'flags', value: r.check.flags.actual, limits: { equals: r.check.flags.expected } });
      if (r.check.startCmd) ctx.measure({ name: 'startup_command', value: r.check.startCmd.actual, limits: { equals: r.check.startCmd.expected } });
    },
  };
}
