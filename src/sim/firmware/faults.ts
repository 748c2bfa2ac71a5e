/**
 * Fault switches for regression tests of the rig: each one changes exactly one outside behaviour
 * of the simulated firmware, so a check that should catch it can be shown to catch it.
 */
import { PlugrigError } from '../../core/errors.js';

export const OBK_SIM_FAULTS = [
  'relay-stuck', // relay pads keep their boot level whatever the channel says (HTTP still reports the channel)
  'button-unwired', // the button pad is never seen pressed
  'led-inverted', // Wi-Fi LED driven with the opposite polarity of its role
  'sel-inverted', // BL0937 windows attributed the wrong way round (SEL high → current)
  'cal-off', // every BL0937 calibration constant scaled by (1 + percent/100), default +5 %
  'http-dead', // the HTTP port accepts connections and never answers
  'http-slow', // every HTTP reply delayed (default 2000 ms)
  'no-boot', // the image is recognised but the firmware hangs at boot: no pins, no HTTP
  'crash-after', // crash-after:<s>: the firmware reboots by itself (no "Rebooting..." line) after <s> s of uptime, every boot
  'boot-loop', // the firmware reboots by itself every couple of seconds (boot-loop:<s> sets the period, default 2)
] as const;

export type ObkSimFaultName = (typeof OBK_SIM_FAULTS)[number];

/** A fault as written in options or on a command line: `relay-stuck`, `cal-off:-3`, `http-slow:500`. */
export type ObkSimFaultSpec = ObkSimFaultName | `${ObkSimFaultName}:${string}` | { name: ObkSimFaultName; value?: number };

export interface ObkFaultSet {
  relayStuck: boolean;
  buttonUnwired: boolean;
  ledInverted: boolean;
  selInverted: boolean;
  /** Percent added to every calibration constant; 0 when the fault is off. */
  calOffPercent: number;
  httpDead: boolean;
  /** Delay added to every HTTP reply in ms; 0 when off. */
  httpSlowMs: number;
  noBoot: boolean;
  /** Uptime (s) at which the firmware crashes and reboots, every boot; 0 when off. */
  crashAfterS: number;
}

export const DEFAULT_CAL_OFF_PERCENT = 5;
export const DEFAULT_HTTP_SLOW_MS = 2000;

export const NO_FAULTS: Readonly<ObkFaultSet> = Object.freeze({
  relayStuck: false,
  buttonUnwired: false,
  ledInverted: false,
  selInverted: false,
  calOffPercent: 0,
  httpDead: false,
  httpSlowMs: 0,
  noBoot: false,
  crashAfterS: 0,
});

/** boot-loop without a value: the firmware gets this many seconds of uptime per boot. */
export const DEFAULT_BOOT_LOOP_S = 2;
const VALUED: readonly string[] = ['cal-off', 'http-slow', 'crash-after', 'boot-loop'];

/** The faults that are plain on/off switches, and the flag each one sets. */
type SwitchFault = Exclude<ObkSimFaultName, 'cal-off' | 'http-slow' | 'crash-after' | 'boot-loop'>;
const SWITCH_FAULTS: Record<SwitchFault, 'relayStuck' | 'buttonUnwired' | 'ledInverted' | 'selInverted' | 'httpDead' | 'noBoot'> = {
  'relay-stuck': 'relayStuck',
  'button-unwired': 'buttonUnwired',
  'led-inverted': 'ledInverted',
  'sel-inverted': 'selInverted',
  'http-dead': 'httpDead',
  'no-boot': 'noBoot',
};

function badFault(spec: string, why: string): PlugrigError {
  return new PlugrigError(
    'E_SIM_FAULT',
    `simulated firmware fault "${spec}": ${why}`,
    `use one of ${OBK_SIM_FAULTS.join(', ')}; cal-off, http-slow and boot-loop take an optional number (cal-off:-3, http-slow:500, boot-loop:3), crash-after needs one (crash-after:30)`,
  );
}

export function parseFaults(specs: readonly ObkSimFaultSpec[] = []): ObkFaultSet {
  const set: ObkFaultSet = { ...NO_FAULTS };
  for (const spec of specs) {
    let name: string;
    let value: number | undefined;
    if (typeof spec === 'string') {
      const colon = spec.indexOf(':');
      name = (colon >= 0 ? spec.slice(0, colon) : spec).trim();
      if (colon >= 0) {
        const raw = spec
          .slice(colon + 1)
          .trim()
          .replace(/%$/, '');
        value = Number(raw);
        if (raw === '' || !Number.isFinite(value)) throw badFault(spec, `"${raw}" is not a number`);
      }
    } else {
      name = spec.name;
      value = spec.value;
    }
    const label = typeof spec === 'string' ? spec : name;
    if (!(OBK_SIM_FAULTS as readonly string[]).includes(name)) throw badFault(label, 'unknown fault name');
    if (value !== undefined && !VALUED.includes(name)) throw badFault(label, 'this fault takes no value');
    if (name === 'cal-off') {
      set.calOffPercent = value ?? DEFAULT_CAL_OFF_PERCENT;
      if (set.calOffPercent <= -100) throw badFault(label, 'a calibration cannot be off by -100 % or more');
    } else if (name === 'http-slow') {
      set.httpSlowMs = value ?? DEFAULT_HTTP_SLOW_MS;
      if (set.httpSlowMs < 0) throw badFault(label, 'a delay cannot be negative');
    } else if (name === 'crash-after') {
      if (value === undefined) throw badFault(label, 'give the uptime of the crash in seconds, e.g. crash-after:30');
      if (!(value >= 1)) throw badFault(label, 'the firmware needs at least 1 s of uptime before it can crash');
      set.crashAfterS = value;
    } else if (name === 'boot-loop') {
      set.crashAfterS = value ?? DEFAULT_BOOT_LOOP_S;
      if (!(set.crashAfterS >= 1)) throw badFault(label, 'the loop period must be at least 1 s');
    } else {
      set[SWITCH_FAULTS[name as SwitchFault]] = true;
    }
  }
  return set;
}
