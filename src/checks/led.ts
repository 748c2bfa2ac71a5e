/**
 * Wi-Fi LED check (docs/openbeken-behaviour.md §5): in open-AP mode OpenBeken toggles the LED when more
 * than 250 ms have accumulated on its 25 ms tick, so each half-period is ~275 ms: period ~550 ms,
 * duty 50 %. Slow blink (~1050 ms) means station mode / connecting; steady means connected or dead.
 * The LED's on level comes from the template (WifiLED: high = on, WifiLED_n: low = on).
 *
 * Polarity. At 50 % duty the blink looks the same with either role, so the only outside sign of
 * the role is at boot (OpenBK7231T_App e1a8097): assigning WifiLED/WifiLED_n just makes the pad an
 * output, which on Beken drives it LOW (src/new_pins.c ~1254-1258, src/hal/bk7231/hal_pins_bk7231.c
 * HAL_PIN_Setup_Output ~100-103; at boot PIN_SetupPins runs just before the quick tick starts,
 * user_main.c ~1466-1469); the LED state starts off (src/user_main.c ~1114) and the first
 * toggle turns it on (~1196-1201, PIN_set_wifi_led in src/new_pins.c ~2173-2184). So with WifiLED
 * the pad rises at the first toggle, with WifiLED_n it stays low through the first toggle and only
 * rises at the second. Toggles are > 500 ms apart (slow blink) except the first, which comes
 * sooner because its accumulator also holds the RTOS uptime (user_main.c ~1115, ~1144). Hence:
 * WifiLED_n: first low stretch after pin setup ≥ first high pulse + one 25 ms tick;
 * WifiLED:   first low stretch ≤ first high pulse. The threshold sits half a tick between.
 * The first edge's direction says nothing (pull-up before boot → falling at pin setup for both).
 * No command or endpoint reports the LED (/api/pins "states" are channel values, rest_interface.c
 * ~899), and in AP mode the blink never stops (user_main.c ~1182 is checked before "connected").
 */
import { realClock, type Clock } from '../core/clock.js';
import type { Level, PadWatch } from '../core/resources.js';
import type { Limits } from '../core/run-types.js';
import type { TemplatePin } from '../device/template.js';
import type { Edge } from '../io/types.js';
import { phase } from '../plan/phase.js';
import type { PlanContext, PlanPhase } from '../plan/types.js';
import { alternating } from './blink.js';
import { needPads } from './pads.js';
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

/** Half of OpenBeken's 25 ms quick tick: the margin between the two roles' boot patterns. */
export const BOOT_POLARITY_THRESHOLD_MS = 12.5;
/** WifiLED_n's low stretch is at most one high pulse + one tick longer than that pulse; margin for host jitter. */
export const BOOT_POLARITY_MAX_EXCESS_MS = 600;

/** The LED line's edges from the instant the rig let the module boot (CEN released / power applied). */
export interface LedBootRecording {
  /** Host time (the rig clock's nowNs(), the base of Edge.tNs) of the boot instant; earlier edges are ignored. */
  readonly bootNs: bigint;
  edges(): readonly Edge[];
}

export interface LedBootWatch extends LedBootRecording {
  /** The unit was reset again (CEN released, power applied): analyse from this instant on. */
  markBoot(tNs?: bigint): void;
  close(): void;
}

/**
 * Start this on the LED line BEFORE the unit is reset, with `bootNs` the instant CEN is released
 * (or power applied), and hand it to the plan (CheckPlanOptions.ledBootWatch); close it after the
 * run. If the flow resets the unit again before the LED phase (e.g. after configuring it), call
 * markBoot() at that release: the pattern is only meaningful from a reset with the LED role
 * already in the saved config. The instant must be the reset itself, not an HTTP `restart`
 * request (the old boot keeps blinking until the chip actually resets).
 */
export function startLedBootWatch(watch: PadWatch, opts: { clock?: Clock; bootNs?: bigint } = {}): LedBootWatch {
  const clock = opts.clock ?? realClock;
  let boot = opts.bootNs ?? clock.nowNs();
  return {
    get bootNs() {
      return boot;
    },
    markBoot: (tNs = clock.nowNs()) => {
      boot = tNs;
    },
    edges: () => watch.edges,
    close: () => watch.stop(),
  };
}

export type BootPolarity =
  | { taken: true; excessMs: number; lowMs: number; highMs: number; fromSetupEdge: boolean; note: string }
  | { taken: false; note: string };

const msBetween = (a: bigint, b: bigint) => Number(b - a) / 1e6;
const role = (lowLonger: boolean) => (lowLonger ? 'WifiLED_n (on = low)' : 'WifiLED (on = high)');

/**
 * Pure: from the edges since boot, how much longer the pad's first low stretch (from the pin-setup
 * falling edge) lasts than the first high pulse after it. If the pad was already low at boot (no
 * setup edge), the stretch is measured from the boot instant: an upper bound, so it only decides
 * when it is short.
 */
export function bootPolarity(bootNs: bigint, raw: readonly Edge[]): BootPolarity {
  // repeats are dropped across the boot instant too, so a pre-boot high reported again is no rise
  const edges = alternating(raw).filter((e) => e.tNs >= bootNs);
  const rise = edges.findIndex((e) => e.level === 1);
  if (rise < 0) return { taken: false, note: `no rising edge in ${edges.length} edges since boot: the pad never went high` };
  const fall = edges[rise + 1];
  if (!fall) return { taken: false, note: 'the first high pulse after boot has not ended yet' };
  const setup = rise > 0 ? edges[rise - 1]! : undefined;
  const lowMs = msBetween(setup?.tNs ?? bootNs, edges[rise]!.tNs);
  const highMs = msBetween(edges[rise]!.tNs, fall.tNs);
  const excessMs = Math.round(lowMs - highMs);
  const lowLonger = excessMs >= BOOT_POLARITY_THRESHOLD_MS;
  const from = setup ? 'pin setup' : 'boot (no setup edge: pad already low)';
  const text = `pad low ${Math.round(lowMs)} ms from ${from}, then first high ${Math.round(highMs)} ms`;
  if (!setup && lowLonger) {
    return {
      taken: false,
      note: `${text}; without the setup edge the low time is only an upper bound, so the role cannot be told (give the LED line a pull-up so pin setup shows as a falling edge)`,
    };
  }
  return {
    taken: true,
    excessMs,
    lowMs,
    highMs,
    fromSetupEdge: !!setup,
    note: `${text}: the first toggle ${lowLonger ? 'left the pad low' : 'drove the pad high'} → ${role(lowLonger)}`,
  };
}

/** Limits on the excess for the template's role. */
export function bootPolarityLimits(invertedRole: boolean): Limits {
  return invertedRole ? { low: BOOT_POLARITY_THRESHOLD_MS, high: BOOT_POLARITY_MAX_EXCESS_MS } : { high: BOOT_POLARITY_THRESHOLD_MS };
}

export interface WifiLedConfig {
  name?: string;
  pin: TemplatePin;
  limits?: Partial<LedLimits>;
  /**
   * The LED line recorded from boot (see startLedBootWatch), for the polarity sub-check. Absent or
   * undefined (e.g. `plugrig test` on a unit that is already running): the polarity measurement
   * is recorded UNCHECKED with the reason.
   */
  bootWatch?: () => LedBootRecording | undefined;
}

function modeGuess(periodMs: number | null): string {
  if (periodMs === null) return 'no blinking';
  if (periodMs > 900 && periodMs < 1250) return 'slow blink: station mode / still connecting, not the open AP';
  if (periodMs >= 480 && periodMs <= 620) return 'AP fast blink';
  return 'neither the AP fast blink (~550 ms) nor the slow blink (~1050 ms)';
}

export function wifiLedPhase(cfg: WifiLedConfig): PlanPhase {
  const lim: LedLimits = { ...AP_FAST_BLINK, ...cfg.limits };
  const onLevel: Level = cfg.pin.role.inverted ? 0 : 1;
  return phase(cfg.name ?? 'wifi-led', { timeoutMs: 30_000, retries: 1 }, async (t) => {
    needPads(t, [{ pin: cfg.pin, what: 'Wi-Fi LED' }]);
    await waitForUptime(t.device, lim.minUptimeS, t);
    const s = await t.fixture.blink(cfg.pin.gpio, { windowMs: lim.watchMs, onLevel, signal: t.signal });
    const level = s.level;
    const steady = s.edges < 3 ? `steady ${level === onLevel ? 'on' : 'off'} (P${cfg.pin.gpio} level ${level}, ${cfg.pin.role.name})` : '';
    t.measure('wifi_led_period', s.periodMs === null ? null : Math.round(s.periodMs), {
      unit: 'ms',
      limits: lim.periodMs,
      note: steady || `${s.edges} edges in ${lim.watchMs} ms: ${modeGuess(s.periodMs)}`,
    });
    t.measure('wifi_led_duty', s.duty === null ? null : Math.round(s.duty * 1000) / 1000, {
      limits: lim.duty,
      note:
        s.duty === null
          ? steady || 'no complete period'
          : `on ${Math.round(s.onMs ?? 0)} ms / off ${Math.round(s.offMs ?? 0)} ms, on = level ${onLevel} (${cfg.pin.role.name})`,
    });
    measureBootPolarity(t, cfg);
  });
}

function measureBootPolarity(t: PlanContext, cfg: WifiLedConfig): void {
  const name = 'wifi_led_boot_low_excess';
  const rec = cfg.bootWatch?.();
  if (!rec) {
    t.measure(name, null, {
      unit: 'ms',
      note: `polarity not checked: no recording from the boot instant (unit already running); in AP mode the blink is 50 % duty, so ${cfg.pin.role.name} vs its inverse shows only in the first toggles after boot`,
    });
    return;
  }
  const p = bootPolarity(rec.bootNs, rec.edges());
  if (!p.taken) {
    // The rig watched this boot to judge the polarity and could not: that is not a pass.
    t.measure(name, null, {
      unit: 'ms',
      limits: bootPolarityLimits(cfg.pin.role.inverted),
      note: `polarity could not be judged from the boot recording: ${p.note}`,
    });
    return;
  }
  t.measure(name, p.excessMs, {
    unit: 'ms',
    limits: bootPolarityLimits(cfg.pin.role.inverted),
    note: `${p.note}; template says ${cfg.pin.role.name}`,
  });
}
