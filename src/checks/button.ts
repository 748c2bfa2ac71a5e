/**
 * Relay/button check (docs/openbeken-behaviour.md §3): a short press on the button pad toggles the relay
 * linked to the button's channel within OpenBeken's click window, in both directions, and POWER
 * agrees; a long press (> 1 s) toggles nothing. Clicks are spaced so they never merge into a
 * double-click, and none is made in the first seconds of uptime (a double-click then erases Wi-Fi).
 */
import type { Level } from '../core/resources.js';
import { powerOfChannel } from '../device/obk-replies.js';
import type { TemplatePin } from '../device/template.js';
import { phase } from '../plan/phase.js';
import type { PlanPhase } from '../plan/types.js';
import { nsToMs } from './edges.js';
import { needPads } from './pads.js';
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
  button: TemplatePin;
  relay: TemplatePin;
  /** OpenBeken flag 6: toggle on press instead of after the click window. */
  instantReaction?: boolean;
  timing?: Partial<ButtonTiming>;
}

/** Bit 6 of the template's flags. */
export function hasInstantReaction(flags: bigint | undefined): boolean {
  return flags !== undefined && ((flags >> 6n) & 1n) === 1n;
}

export function relayButtonPhase(cfg: RelayButtonConfig): PlanPhase {
  const timing: ButtonTiming = { ...DEFAULT_BUTTON_TIMING, ...cfg.timing };
  const btn = cfg.button;
  const rel = cfg.relay;
  const relayOn = (level: Level) => (level === 1) !== rel.role.inverted;
  const onLevel: Level = rel.role.inverted ? 0 : 1;
  const lat = cfg.instantReaction ? timing.pressLatencyMs : timing.releaseLatencyMs;
  const latFrom = cfg.instantReaction ? 'press' : 'release';

  return phase(cfg.name ?? 'relay-button', { timeoutMs: 30_000, retries: 1 }, async (t) => {
    needPads(t, [
      { pin: btn, what: 'button' },
      { pin: rel, what: 'relay' },
    ]);
    const { signal } = t;
    // Btn: idle = let the pull-up hold the pad; Btn_n: idle = driven low. press() knows the role from the profile.
    const idle = () => (btn.role.inverted ? t.fixture.drive(btn.gpio, 0) : t.fixture.release(btn.gpio));
    const watch = t.fixture.watch(rel.gpio);
    try {
      await idle();
      await waitForUptime(t.device, timing.minUptimeS, t);
      await t.sleep(timing.clickSpacingMs);

      let level = await t.fixture.level(rel.gpio);
      const power0 = powerOfChannel(await t.device.power({ signal }), rel.channel);
      const agrees0 = t.measure('power_matches_relay_before', power0 === relayOn(level), {
        limits: { equals: true },
        note: `relay P${rel.gpio} is ${relayOn(level) ? 'on' : 'off'} (level ${level}), POWER says ${power0 === undefined ? 'nothing for this channel' : power0 ? 'ON' : 'OFF'}`,
      });
      if (agrees0.verdict === 'FAIL') return;

      for (const n of [1, 2]) {
        const wantOn = !relayOn(level);
        const wantLevel: Level = wantOn ? onLevel : ((1 - onLevel) as Level);
        const { pressedNs, releasedNs } = await t.fixture.press(btn.gpio, timing.shortPressMs, { signal });
        const ref = cfg.instantReaction ? pressedNs : releasedNs;
        const edge = await watch.waitFor(wantLevel, {
          sinceNs: pressedNs,
          timeoutMs: timing.toggleDeadlineMs + (cfg.instantReaction ? timing.shortPressMs : 0),
          signal,
        });
        const latency = t.measure(`short_press_${n}_latency`, edge ? Math.round(nsToMs(edge.tNs - ref)) : null, {
          unit: 'ms',
          limits: lat,
          note: edge
            ? `relay P${rel.gpio} turned ${wantOn ? 'on' : 'off'} ${Math.round(nsToMs(edge.tNs - ref))} ms after the ${latFrom} (${timing.shortPressMs} ms press)`
            : `relay P${rel.gpio} did not turn ${wantOn ? 'on' : 'off'} within ${timing.toggleDeadlineMs} ms of the release of a ${timing.shortPressMs} ms press on P${btn.gpio}`,
        });
        const power = powerOfChannel(await t.device.power({ signal }), rel.channel);
        // Without a relay edge, POWER tells which side is broken: the firmware saw the click, or not.
        const why = edge
          ? `POWER after the relay line turned ${wantOn ? 'on' : 'off'}`
          : power === wantOn
            ? `the firmware toggled channel ${rel.channel} but relay P${rel.gpio} did not follow (relay output stuck or not driven)`
            : `the firmware did not see the click (button P${btn.gpio} not reaching the module, or ignored)`;
        t.measure(`short_press_${n}_power`, power === undefined ? null : power ? 'ON' : 'OFF', { limits: { equals: wantOn ? 'ON' : 'OFF' }, note: why });
        if (!edge || latency.verdict === 'FAIL') return;
        level = wantLevel;
        await t.sleep(timing.clickSpacingMs);
      }

      // Long press: must not toggle, neither while held nor after the release.
      const { pressedNs } = await t.fixture.press(btn.gpio, timing.longPressMs, { signal });
      await t.sleep(timing.quietWatchMs);
      const wrong = watch.edges.filter((e) => e.tNs >= pressedNs && e.level !== level);
      t.measure('long_press_toggled', wrong.length > 0, {
        limits: { equals: false },
        note: wrong.length
          ? `relay P${rel.gpio} changed ${Math.round(nsToMs(wrong[0]!.tNs - pressedNs))} ms into a ${timing.longPressMs} ms press`
          : `relay unchanged through a ${timing.longPressMs} ms press and ${timing.quietWatchMs} ms after`,
      });
    } finally {
      watch.stop();
      // Never leave the button (also RX1 on a CB2S) held.
      await t.fixture.release(btn.gpio).catch(() => undefined);
    }
  });
}
