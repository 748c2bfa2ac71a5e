/**
 * Configure: apply the template over HTTP (backlog, StartupCommand, restart) and confirm it through
 * /api/pins and /api/info; each pin's read-back is a measurement. On the public plan API (t.device).
 */
import { applyTemplate } from '../device/apply.js';
import { formatMac } from '../device/obk-replies.js';
import type { Template } from '../device/template.js';
import { phase } from '../plan/phase.js';
import type { PlanPhase } from '../plan/types.js';

/**
 * `restart: false` leaves the restart to a reset that follows (the unit plan's reboot phase): one
 * boot and one safe-mode wait instead of two; the identity check after that boot confirms the pins.
 */
export function configurePhase(cfg: { name?: string; template: Template; rebootTimeoutMs?: number; restart?: boolean }): PlanPhase {
  return phase(cfg.name ?? 'configure', { timeoutMs: 20_000 + (cfg.rebootTimeoutMs ?? 30_000), retries: 1 }, async (t) => {
    const r = await applyTemplate(t.device, cfg.template, {
      signal: t.signal,
      clock: t.clock,
      log: (m) => t.note(m, 'debug'),
      ...(cfg.rebootTimeoutMs !== undefined ? { rebootTimeoutMs: cfg.rebootTimeoutMs } : {}),
      ...(cfg.restart === false ? { restart: false } : {}),
    });
    t.identify({ mac: formatMac(r.info.mac), build: r.info.build });
    for (const p of r.check.pins) {
      const note = p.ok
        ? undefined
        : p.expected
          ? `read back from /api/pins${cfg.restart === false ? '' : ' after restart'}`
          : 'left over from an earlier configuration';
      t.measure(`pin_P${p.gpio}`, p.actual, { limits: { equals: p.expected ?? 'None;0' }, ...(note ? { note } : {}) });
    }
    if (r.check.flags) t.measure('flags', r.check.flags.actual, { limits: { equals: r.check.flags.expected } });
    if (r.check.startCmd) t.measure('startup_command', r.check.startCmd.actual, { limits: { equals: r.check.startCmd.expected } });
  });
}
