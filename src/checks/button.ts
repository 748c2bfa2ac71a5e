/**
 * Relay/button check (docs/openbeken-behaviour.md §3): a short press on the button pad toggles the relay
 * linked to the button's channel within OpenBeken's click window, in both directions, and POWER
 * agrees; a long press (> 1 s) toggles nothing. Clicks are spaced so they never merge into a
 * double-click, and none is made in the first seconds of uptime (a double-click then erases Wi-Fi).
 */
import { sleep } from '../core/clock.js';
import type { ObkClient } from '../device/obk-client.js';
import { powerOfChannel } from '../device/obk-replies.js';
import type { TemplatePin } from '../device/template.js';
import type { InputLine, Level, OutputLine } from '../io/types.js';
import type { Phase, PhaseContext } from '../core/run-types.js';
import { EdgeRecorder, nsToMs } from './edges.js';
import { waitForUptime } from './uptime.js';

export interface ButtonTiming {
  /** Hold for a single click: ≥ 75 ms debounce + margin, < 1000 ms long press. */
  shortPressMs: number;
  /** Hold for a long press (> 1000 ms). */
  longPressMs: number;
  /** Quiet time after a click has resolved before the next press (≥ 500 ms keeps clicks apart). */
  clickSpacingMs: number;
  /** How long after the release (or press, with instant flag) the relay may take at most before we call it "no toggle". */
  toggleDeadlineMs: number;
  /** Expected toggle latency after release: 75 ms debounce + 300 ms click window + ≤ 25 ms poll, with margin. */
  releaseLatencyMs: { low: number; high: number };
  /** With flag 6 (instant reaction) the toggle follows the press after the debounce. */
  pressLatencyMs: { low: number; high: number };
  /** How long to watch for a wrong toggle after a long press. */
  quietWatchMs: number;
  /** No clicking before this uptime. */
  minUptimeS: number;
}

export const DEFAULT_BUTTON_TIMING: ButtonTiming = {
  shortPressMs: 300,
  longPressMs: 1500,
  clickSpacingMs: 600,
  toggleDeadlineMs: 1200,
  releaseLatencyMs: { low: 325, high: 650 },
  pressLatencyMs: { low: 50, high: 250 },
  quietWatchMs: 1000,
  minUptimeS: 6,
};

export interface RelayButtonConfig {
  name?: string;
  button: { pin: TemplatePin; line: OutputLine };
  relay: { pin: TemplatePin; line: InputLine };
  client: ObkClient;
  /** OpenBeken flag 6: toggle on press instead of after the click window. */
  instantReaction?: boolean;
  timing?: Partial<ButtonTiming>;
}

/** Bit 6 of the template's flags. */
export function hasInstantReaction(flags: bigint | undefined): boolean {
  return flags !== undefined && ((flags >> 6n) & 1n) === 1n;
}

export function relayButtonPhase(cfg: RelayButtonConfig): Phase {
  const t: ButtonTiming = { ...DEFAULT_BUTTON_TIMING, ...cfg.timing };
  const btn = cfg.button.pin;
  const rel = cfg.relay.pin;
  // Btn: pressed = pad pulled low, released = let the pull-up hold it. Btn_n: pressed = high, idle = driven low.
  const press = () => (btn.role.inverted ? cfg.button.line.set(1) : cfg.button.line.set(0));
  const idle = () => (btn.role.inverted ? cfg.button.line.set(0) : cfg.button.line.release());
  const relayOn = (level: Level) => (level === 1) !== rel.role.inverted;
  const onLevel: Level = rel.role.inverted ? 0 : 1;
  const lat = cfg.instantReaction ? t.pressLatencyMs : t.releaseLatencyMs;
  const latFrom = cfg.instantReaction ? 'press' : 'release';

  return {
    name: cfg.name ?? 'relay-button',
    timeoutMs: 30_000,
    retries: 1,
    async run(ctx: PhaseContext) {
      const { signal, clock } = ctx;
      const delay = (ms: number, what: string) => sleep(clock, ms, signal, what);
      const nowNs = () => clock.nowNs(); // the base the relay line stamps its edges with
      const rec = new EdgeRecorder(cfg.relay.line, { clock });
      try {
        await idle();
        await waitForUptime(cfg.client, t.minUptimeS, ctx);
        await delay(t.clickSpacingMs, 'button idle before the first press');

        let level = await cfg.relay.line.read();
        const power0 = powerOfChannel(await cfg.client.power({ signal }), rel.channel);
        const agrees0 = ctx.measure({
          name: 'power_matches_relay_before',
          value: power0 === relayOn(level),
          limits: { equals: true },
          note: `relay P${rel.gpio} is ${relayOn(level) ? 'on' : 'off'} (level ${level}), POWER says ${power0 === undefined ? 'nothing for this channel' : power0 ? 'ON' : 'OFF'}`,
        });
        if (agrees0.verdict === 'FAIL') return;

        for (const n of [1, 2]) {
          const wantOn = !relayOn(level);
          const wantLevel: Level = wantOn ? onLevel : ((1 - onLevel) as Level);
          const pressedAt = nowNs();
          await press();
          await delay(t.shortPressMs, 'short press');
          await idle();
          const releasedAt = nowNs();
          const ref = cfg.instantReaction ? pressedAt : releasedAt;
          const edge = await rec.waitForLevel(wantLevel, pressedAt, t.toggleDeadlineMs + (cfg.instantReaction ? t.shortPressMs : 0), signal);
          const latency = ctx.measure({
            name: `short_press_${n}_latency`,
            value: edge ? Math.round(nsToMs(edge.tNs - ref)) : null,
            unit: 'ms',
            limits: lat,
            note: edge
              ? `relay P${rel.gpio} turned ${wantOn ? 'on' : 'off'} ${Math.round(nsToMs(edge.tNs - ref))} ms after the ${latFrom} (${t.shortPressMs} ms press)`
              : `relay P${rel.gpio} did not turn ${wantOn ? 'on' : 'off'} within ${t.toggleDeadlineMs} ms of the release of a ${t.shortPressMs} ms press on P${btn.gpio}`,
          });
          const power = powerOfChannel(await cfg.client.power({ signal }), rel.channel);
          // Without a relay edge, POWER tells which side is broken: the firmware saw the click, or not.
          const why = edge
            ? `POWER after the relay line turned ${wantOn ? 'on' : 'off'}`
            : power === wantOn
              ? `the firmware toggled channel ${rel.channel} but relay P${rel.gpio} did not follow (relay output stuck or not driven)`
              : `the firmware did not see the click (button P${btn.gpio} not reaching the module, or ignored)`;
          ctx.measure({
            name: `short_press_${n}_power`,
            value: power === undefined ? null : power ? 'ON' : 'OFF',
            limits: { equals: wantOn ? 'ON' : 'OFF' },
            note: why,
          });
          if (!edge || latency.verdict === 'FAIL') return;
          level = wantLevel;
          await delay(t.clickSpacingMs, 'spacing between clicks');
        }

        // Long press: must not toggle, neither while held nor after the release.
        const pressedAt = nowNs();
        await press();
        await delay(t.longPressMs, 'long press');
        await idle();
        await delay(t.quietWatchMs, 'watching for a wrong toggle');
        const wrong = rec.since(pressedAt).filter((e) => e.level !== level);
        ctx.measure({
          name: 'long_press_toggled',
          value: wrong.length > 0,
          limits: { equals: false },
          note: wrong.length
            ? `relay P${rel.gpio} changed ${Math.round(nsToMs(wrong[0]!.tNs - pressedAt))} ms into a ${t.longPressMs} ms press`
            : `relay unchanged through a ${t.longPressMs} ms press and ${t.quietWatchMs} ms after`,
        });
      } finally {
        rec.close();
        // Never leave the button (also RX1 on a CB2S) held.
        await cfg.button.line.release().catch(() => undefined);
      }
    },
  };
}
