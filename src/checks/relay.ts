/**
 * Relay by command: POWER ON/OFF over HTTP must move the relay pad (docs/openbeken-behaviour.md §2, §7:
 * Rel follows its channel at once, Rel_n inverted). Kept apart from the button check so a stuck
 * relay and a deaf button fail different checks.
 */
import { powerOfChannel } from '../device/obk-replies.js';
import type { Level } from '../io/types.js';
import type { Limits, Phase } from '../core/run-types.js';
import { EdgeRecorder, nsToMs } from './edges.js';
import type { WatchedPadConfig } from './watched-pad.js';

export interface RelayPhaseConfig extends WatchedPadConfig {
  /** Use POWER<channel> instead of POWER (templates with several relays). */
  indexed?: boolean;
  /** From sending the command to the pad edge. */
  latencyMs?: Limits;
}

export function relayPhase(cfg: RelayPhaseConfig): Phase {
  const { pin } = cfg;
  const onLevel: Level = pin.role.inverted ? 0 : 1;
  const limits = cfg.latencyMs ?? { low: 0, high: 500 };
  const index = cfg.indexed ? pin.channel : undefined;
  return {
    name: cfg.name ?? 'relay',
    timeoutMs: 15_000,
    retries: 1,
    async run(ctx) {
      const { signal, clock } = ctx;
      const rec = new EdgeRecorder(cfg.line, { clock });
      let restore: 'ON' | 'OFF' | undefined;
      try {
        const wasOn = powerOfChannel(await cfg.client.power({ signal }), pin.channel);
        if (wasOn === undefined) {
          ctx.measure({ name: 'power_reported', value: false, limits: { equals: true }, note: `POWER has no state for channel ${pin.channel}` });
          return;
        }
        restore = wasOn ? 'ON' : 'OFF';
        for (const on of [!wasOn, wasOn]) {
          const want: Level = on ? onLevel : ((1 - onLevel) as Level);
          const sent = clock.nowNs();
          await cfg.client.setPower(on ? 'ON' : 'OFF', index, { signal });
          // The recorder keeps edges from before the reply too, so an early edge is not missed.
          const edge = await rec.waitForLevel(want, sent, (limits.high ?? 500) + 500, signal);
          const m = ctx.measure({
            name: `power_${on ? 'on' : 'off'}_latency`,
            value: edge ? Math.round(nsToMs(edge.tNs - sent)) : null,
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
        rec.close();
        // Leave the relay as we found it, whatever happened.
        if (restore) await cfg.client.setPower(restore, index, { signal }).catch(() => undefined);
      }
    },
  };
}
