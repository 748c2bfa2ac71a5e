/**
 * Wi-Fi LED check (openbeken-device.md §5): in open-AP mode OpenBeken toggles the LED when more
 * than 250 ms have accumulated on its 25 ms tick, so each half-period is ~275 ms: period ~550 ms,
 * duty 50 %. Slow blink (~1050 ms) means station mode / connecting; steady means connected or dead.
 * The LED's on level comes from the template (WifiLED: high = on, WifiLED_n: low = on).
 */
import { delay } from '../device/delay.js';
import type { ObkClient } from '../device/obk-client.js';
import type { TemplatePin } from '../device/template.js';
import type { InputLine, Level } from '../io/types.js';
import type { Limits, Phase, PhaseContext } from '../run/types.js';
import { blinkStats } from './blink.js';
import { EdgeRecorder } from './edges.js';
import { waitForUptime } from './uptime.js';

export interface LedLimits {
  periodMs: Limits;
  duty: Limits;
  /** How long to record edges. ≥ 5 fast-blink periods. */
  watchMs: number;
  /** The AP (and its fast blink) starts ~5 s after boot. */
  minUptimeS: number;
}

/**
 * Each half-period is strictly more than 250 ms and at most one 25 ms tick more (~275 ms in
 * practice): period in (500, 600] ms; ±20 ms more for tick and host-timestamp jitter. The slow
 * blink (~1050 ms) and a steady LED fall far outside.
 */
export const AP_FAST_BLINK: LedLimits = {
  periodMs: { low: 480, high: 620 },
  duty: { low: 0.4, high: 0.6 },
  watchMs: 3000,
  minUptimeS: 6,
};

export interface WifiLedConfig {
  name?: string;
  pin: TemplatePin;
  line: InputLine;
  client: ObkClient;
  limits?: Partial<LedLimits>;
}

function modeGuess(periodMs: number | null): string {
  if (periodMs === null) return 'no blinking';
  if (periodMs > 900 && periodMs < 1250) return 'slow blink: station mode / still connecting, not the open AP';
  if (periodMs >= 480 && periodMs <= 620) return 'AP fast blink';
  return 'neither the AP fast blink (~550 ms) nor the slow blink (~1050 ms)';
}

export function wifiLedPhase(cfg: WifiLedConfig): Phase {
  const lim: LedLimits = { ...AP_FAST_BLINK, ...cfg.limits };
  const onLevel: Level = cfg.pin.role.inverted ? 0 : 1;
  return {
    name: cfg.name ?? 'wifi-led',
    timeoutMs: 30_000,
    retries: 1,
    async run(ctx: PhaseContext) {
      await waitForUptime(cfg.client, lim.minUptimeS, ctx.signal);
      const rec = new EdgeRecorder(cfg.line);
      let level: Level;
      try {
        await delay(lim.watchMs, ctx.signal, 'recording the Wi-Fi LED');
        level = await cfg.line.read();
      } finally {
        rec.close();
      }
      const s = blinkStats(rec.edges, onLevel);
      const steady = s.edges < 3 ? `steady ${level === onLevel ? 'on' : 'off'} (P${cfg.pin.gpio} level ${level}, ${cfg.pin.role.name})` : '';
      ctx.measure({
        name: 'wifi_led_period',
        value: s.periodMs === null ? null : Math.round(s.periodMs),
        unit: 'ms',
        limits: lim.periodMs,
        note: steady || `${s.edges} edges in ${lim.watchMs} ms: ${modeGuess(s.periodMs)}`,
      });
      ctx.measure({
        name: 'wifi_led_duty',
        value: s.duty === null ? null : Math.round(s.duty * 1000) / 1000,
        limits: lim.duty,
        note: s.duty === null ? steady || 'no complete period' : `on ${Math.round(s.onMs ?? 0)} ms / off ${Math.round(s.offMs ?? 0)} ms, on = level ${onLevel} (${cfg.pin.role.name})`,
      });
    },
  };
}
