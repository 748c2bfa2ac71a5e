/**
 * Plain words for a failure, for a line operator who does not read measurement names (pure).
 * One small table from error code, measurement name and phase to a sentence that says what is
 * wrong and, where there is one, what to do. The operator page and `records`' "why" use it.
 * Lookup order: the error code (most specific), then the measurement, then the phase.
 */
import type { Limits, Measurement } from '../core/run-types.js';

/** Error codes whose meaning does not depend on the phase. */
const BY_CODE: Record<string, string> = {
  E_NO_LINK: 'No answer from the module: check it is seated',
  E_LINK_NO_REPLY: 'No answer from the module: check it is seated',
  E_LINK_GARBAGE: 'Garbled answer from the module: check the UART wiring',
  E_LINK_CYCLE: 'The module would not enter download mode: check it is seated',
  E_REPLY_TIMEOUT: 'The module stopped answering: check it is seated',
  E_REPLY_LOST: 'The module stopped answering: check it is seated',
  E_CHIP_LOST: 'The module stopped answering: check it is seated',
  E_CHIP_ID: 'Not a BK7231N module',
  E_PORT_GONE: 'The rig’s USB cable was unplugged',
  E_PORT_MISSING: 'The rig is not connected to this computer',
  E_PORT_BUSY: 'Another program is using the rig',
  E_CRC_MISMATCH: 'The flash did not read back as written',
  E_VERIFY_MISMATCH: 'The flash did not read back as written',
  E_BACKUP_VERIFY: 'The backup did not read back the same twice',
  E_BACKUP_WRITE: 'The backup could not be saved on this computer',
  E_DEVICE_HTTP_UNREACHABLE: 'The module did not come up on the network',
  E_DEVICE_HTTP_TIMEOUT: 'The module’s web page did not answer',
  E_DEVICE_NO_URL: 'The module did not come up on the network',
  E_DEVICE_NO_RESTART: 'The module did not restart when asked',
  E_PHASE_TIMEOUT: 'The step took too long',
  E_RUN_UNFINISHED: 'The run was cut off (plugrig stopped mid-run)',
  E_NOTHING_VERIFIED: 'Nothing was checked',
  E_FIXTURE_PAD: 'A test pin does not touch its pad: reseat the module',
};

/** Measurement names (before any "@load" suffix), matched as regular expressions in order. */
const BY_MEASUREMENT: [RegExp, string][] = [
  [/^relay_follows_button$|^power_(on|off)_latency$|^power_reported$/, 'Relay does not switch'],
  [/^short_press_\d+_(latency|power)$|^long_press_toggled$|^power_matches_relay_before$/, 'Button does not switch the relay'],
  [/^wifi_led_/, 'Wi-Fi LED does not blink right'],
  [/^(power|voltage|current)_error$|^power_w$/, 'Power meter reads wrong: calibrate it'],
  [/^sel_|^energy_reported$/, 'Power meter chip does not answer'],
  [/^chip_id$/, 'Not a BK7231N module'],
  [/^flash_size$/, 'Flash chip too small for the image'],
  [/^mac_present$|^mac_assigned$/, 'The module has no MAC address'],
  [/crc_match$|^bytes_written$/, 'The flash did not read back as written'],
  [/^boot_ms$|^boot_to_http$|^uptime_after_reset$/, 'The module does not start'],
  [/^unexpected_reboots$/, 'The module restarts by itself'],
  [/^pin_P\d+$|^pins_match_template$|^flags$|^startup_command$/, 'Configuration did not stick'],
  [/^wifi_|^mqtt_|^device_name$|^commands_sent$/, 'Provisioning did not stick'],
  [/^supply_v$/, 'Supply voltage out of range: check the rig’s power'],
];

/** What a failed or broken phase means when neither its code nor its measurement say more. */
const BY_PHASE: Record<string, string> = {
  power: 'The rig could not power the module',
  link: 'No answer from the module: check it is seated',
  identify: 'Could not read the module’s identity',
  backup: 'Reading the old firmware failed',
  flash: 'Writing the firmware failed',
  verify: 'The flash did not read back as written',
  boot: 'The module does not start',
  configure: 'Configuration did not stick',
  provision: 'Provisioning did not stick',
  relay: 'Relay does not switch',
  'relay-button': 'Button does not switch the relay',
  button: 'Button does not switch the relay',
  led: 'Wi-Fi LED does not blink right',
  bl0937: 'Power meter reads wrong: calibrate it',
};

/** The plain-words headline of a failure. */
export function plainWords(f: { phase?: string; check?: string; code?: string }): string {
  if (f.code && BY_CODE[f.code]) return BY_CODE[f.code]!;
  if (f.check) {
    const base = f.check.split('@')[0]!;
    for (const [re, words] of BY_MEASUREMENT) if (re.test(base)) return words;
  }
  if (f.phase && BY_PHASE[f.phase]) return BY_PHASE[f.phase]!;
  if (f.phase) return `${f.phase} failed`;
  return f.code ? `Stopped with ${f.code}` : 'Failed';
}

/** A number to sensible digits: at most 3 significant, never scientific, integers stay whole. */
export function roundSensibly(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  if (Number.isInteger(n)) return String(n);
  const abs = Math.abs(n);
  const decimals = abs >= 100 ? 0 : abs >= 10 ? 1 : abs >= 1 ? 2 : Math.min(6, 2 - Math.floor(Math.log10(abs)));
  return String(Number(n.toFixed(decimals)));
}

function show(v: Measurement['value'] | Limits['equals']): string {
  if (typeof v === 'number') return roundSensibly(v);
  if (v === null || v === undefined) return 'nothing';
  if (typeof v === 'boolean') return v ? 'yes' : 'no';
  return v;
}

/** "87.5 W", "nothing", "no". */
export function formatValue(m: Pick<Measurement, 'value' | 'unit'>): string {
  const unit = m.unit && typeof m.value === 'number' ? ` ${m.unit}` : '';
  return `${show(m.value)}${unit}`;
}

/** "limits 95–105 W", "limits ±0.8 V", "limit ≥ 1 B", "expected yes"; empty without limits. */
export function formatLimits(m: Pick<Measurement, 'limits' | 'unit'>): string {
  const l = m.limits;
  if (!l) return '';
  const unit = m.unit ? ` ${m.unit}` : '';
  if (l.equals !== undefined) return `expected ${show(l.equals)}`;
  if (l.low !== undefined && l.high !== undefined) {
    if (l.low === -l.high && l.high > 0) return `limits ±${roundSensibly(l.high)}${unit}`; // an error band: "±0.823 V"
    return `limits ${roundSensibly(l.low)}${l.low < 0 ? ' to ' : '–'}${roundSensibly(l.high)}${unit}`;
  }
  if (l.low !== undefined) return `limit ≥ ${roundSensibly(l.low)}${unit}`;
  if (l.high !== undefined) return `limit ≤ ${roundSensibly(l.high)}${unit}`;
  return '';
}

/** "power_w = 87.5 W (limits 95–105 W)": the measurement, its value and its limits, for tables. */
export function measuredAgainstLimits(m: Pick<Measurement, 'name' | 'value' | 'unit' | 'limits'>): string {
  const lim = formatLimits(m);
  return `${m.name} = ${formatValue(m)}${lim ? ` (${lim})` : ''}`;
}
