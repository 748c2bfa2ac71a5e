/**
 * Relay by command: POWER ON/OFF over HTTP must move the relay pad (docs/openbeken-behaviour.md §2, §7:
 * Rel follows its channel at once, Rel_n inverted). Kept apart from the button check so a stuck
 * relay and a deaf button fail different checks. Written on the public plan API (t.device, t.fixture).
 */
import type { Level } from '../core/resources.js';
import type { Limits } from '../core/run-types.js';
import { powerOfChannel } from '../device/obk-replies.js';
import type { TemplatePin } from '../device/template.js';
import { phase } from '../plan/phase.js';
import type { PlanPhase } from '../plan/types.js';
import { nsToMs } from './edges.js';
import { needPads } from './pads.js';

export interface RelayPhaseConfig {
  name?: string;
  pin: TemplatePin;
  /** Use POWER<channel> instead of POWER (templates with several relays). */
  indexed?: boolean;
  /** From sending the command to the pad edge. */
  latencyMs?: Limits;
}

export function relayPhase(cfg: RelayPhaseConfig): PlanPhase {
  const { pin } = cfg;
  const onLevel: Level = pin.role.inverted ? 0 : 1;
  const limits = cfg.latencyMs ?? { low: 0, high: 500 };
  const index = cfg.indexed ? pin.channel : undefined;
  return phase(cfg.name ?? 'relay', { timeoutMs: 15_000, retries: 1 }, async (t) => {
    needPads(t, [{ pin, what: 'relay' }]);
    const { signal, clock } = t;
    const watch = t.fixture.watch(pin.gpio);
    let restore: 'ON' | 'OFF' | undefined;
    try {
      const wasOn = powerOfChannel(await t.device.power({ signal }), pin.channel);
      if (wasOn === undefined) {
        t.measure('power_reported', false, { limits: { equals: true }, note: `POWER has no state for channel ${pin.channel}` });
        return;
      }
      restore = wasOn ? 'ON' : 'OFF';
      for (const on of [!wasOn, wasOn]) {
        const want: Level = on ? onLevel : ((1 - onLevel) as Level);
        const sent = clock.nowNs();
        await t.device.setPower(on ? 'ON' : 'OFF', index, { signal });
        // The watch keeps edges from before the reply too, so an early edge is not missed.
        const edge = await watch.waitFor(want, { sinceNs: sent, timeoutMs: (limits.high ?? 500) + 500, signal });
        const m = t.measure(`power_${on ? 'on' : 'off'}_latency`, edge ? Math.round(nsToMs(edge.tNs - sent)) : null, {
          unit: 'ms',
          limits,
          note: edge
            ? `relay P${pin.gpio} (${pin.role.name}) at level ${want} after POWER ${on ? 'ON' : 'OFF'}`
            : `relay P${pin.gpio} (${pin.role.name}) did not go to level ${want} after POWER ${on ? 'ON' : 'OFF'}: relay output stuck or not driven`,
        });
        if (m.verdict === 'FAIL') return;
      }
      restore = undefined;
    } finally {
      watch.stop();
      // Leave the relay as we found it, whatever happened.
      if (restore) await t.device.setPower(restore, index, { signal }).catch(() => undefined);
    }
  });
}
