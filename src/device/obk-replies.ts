/**
 * Pure parsers of OpenBeken's HTTP replies (docs/openbeken-behaviour.md §7). The firmware prints JSON by
 * hand: spaces after colons, extra blocks ("ESP32", "TempUnit"), numbers as strings ("flags":"1024").
 * So we parse it as JSON, then read each field tolerantly and name the field when it is missing.
 */
import { PlugrigError } from '../core/errors.js';
import type { DeviceEnergy, DeviceInfo, DevicePins } from '../core/resources.js';
import { roleByIndex } from './roles.js';

/** The reply shapes are core's (the plan API's DeviceApi returns them); these names stay for the device layer. */
export type ObkInfo = DeviceInfo;
export type ObkPins = DevicePins;
export type ObkEnergy = DeviceEnergy;

export function badReply(url: string, what: string, cause?: unknown): PlugrigError {
  return new PlugrigError(
    'E_DEVICE_HTTP_BAD_REPLY',
    `${url}: ${what}`,
    'is this an OpenBeken device? check the URL and the firmware version',
    cause === undefined ? undefined : { cause },
  );
}

/** Parses a reply body as JSON; a cut-off or HTML body becomes E_DEVICE_HTTP_BAD_REPLY naming the URL. */
export function parseJsonText(text: string, url: string): unknown {
  const body = text.replace(/^\uFEFF/, '').trim();
  if (!body) throw badReply(url, 'empty reply (expected JSON)');
  try {
    return JSON.parse(body);
  } catch (e) {
    const head = body.length > 80 ? `${body.slice(0, 80)}…` : body;
    throw badReply(url, `reply is not valid JSON (${body.length} bytes, starts ${JSON.stringify(head)})`, e);
  }
}

/** A number the firmware may print as a number, a string, or "nan". */
export function toNumber(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) ? v : undefined;
  if (typeof v === 'string') {
    const t = v.trim();
    if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(t)) return undefined;
    return Number(t);
  }
  return undefined;
}

function asObject(v: unknown, url: string, what: string): Record<string, unknown> {
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw badReply(url, `${what}: expected a JSON object`);
  return v as Record<string, unknown>;
}

function field(o: Record<string, unknown>, name: string): unknown {
  if (name in o) return o[name];
  // Keys are case-insensitive in practice across OpenBeken versions (e.g. "Uptime_s").
  const k = Object.keys(o).find((key) => key.toLowerCase() === name.toLowerCase());
  return k === undefined ? undefined : o[k];
}

function needNumber(o: Record<string, unknown>, name: string, url: string, what: string): number {
  const n = toNumber(field(o, name));
  if (n === undefined) throw badReply(url, `${what}: "${name}" missing or not a number (${JSON.stringify(field(o, name))})`);
  return n;
}

function optNumber(o: Record<string, unknown>, name: string): number | undefined {
  return toNumber(field(o, name));
}

function optString(o: Record<string, unknown>, name: string): string | undefined {
  const v = field(o, name);
  return typeof v === 'string' ? v : typeof v === 'number' ? String(v) : undefined;
}

/** Normalises a MAC to 12 upper-case hex digits; accepts separators. */
export function normaliseMac(raw: string): string | undefined {
  const hex = raw.replace(/[:\-. ]/g, '').toUpperCase();
  return /^[0-9A-F]{12}$/.test(hex) ? hex : undefined;
}

/** "AABBCCDDEEFF" → "AA:BB:CC:DD:EE:FF". */
export function formatMac(mac12: string): string {
  return mac12.match(/../g)!.join(':');
}

/** GET /api/info */
export function parseInfo(json: unknown, url: string): ObkInfo {
  const o = asObject(json, url, '/api/info');
  const macRaw = optString(o, 'mac');
  const mac = macRaw === undefined ? undefined : normaliseMac(macRaw);
  if (!mac) throw badReply(url, `/api/info: "mac" missing or not 12 hex digits (${JSON.stringify(macRaw)})`);
  const flagsRaw = field(o, 'flags');
  const flagsText = typeof flagsRaw === 'number' && Number.isSafeInteger(flagsRaw) ? String(flagsRaw) : typeof flagsRaw === 'string' ? flagsRaw.trim() : '';
  if (!/^\d+$/.test(flagsText)) throw badReply(url, `/api/info: "flags" missing or not a decimal number (${JSON.stringify(flagsRaw)})`);
  const build = optString(o, 'build');
  if (build === undefined) throw badReply(url, '/api/info: "build" missing');
  const info: ObkInfo = { uptimeS: needNumber(o, 'uptime_s', url, '/api/info'), build, mac, flags: BigInt(flagsText) };
  const ip = optString(o, 'ip');
  const chipset = optString(o, 'chipset');
  const shortName = optString(o, 'shortName');
  const startCmd = optString(o, 'startcmd');
  if (ip !== undefined) info.ip = ip;
  if (chipset !== undefined) info.chipset = chipset;
  if (shortName !== undefined) info.shortName = shortName;
  if (startCmd !== undefined) info.startCmd = startCmd;
  const mqttHost = optString(o, 'mqtthost');
  const mqttTopic = optString(o, 'mqtttopic');
  if (mqttHost !== undefined) info.mqttHost = mqttHost;
  if (mqttTopic !== undefined) info.mqttTopic = mqttTopic;
  return info;
}

function numberArray(o: Record<string, unknown>, name: string, url: string, required: boolean): number[] {
  const v = field(o, name);
  if (v === undefined && !required) return [];
  if (!Array.isArray(v)) throw badReply(url, `/api/pins: "${name}" missing or not an array`);
  return v.map((x, i) => {
    const n = toNumber(x);
    if (n === undefined) throw badReply(url, `/api/pins: ${name}[${i}] is not a number (${JSON.stringify(x)})`);
    return n;
  });
}

/** GET /api/pins */
export function parsePins(json: unknown, url: string): ObkPins {
  const o = asObject(json, url, '/api/pins');
  const pins: ObkPins = {
    roles: numberArray(o, 'roles', url, true),
    channels: numberArray(o, 'channels', url, true),
    channels2: numberArray(o, 'channels2', url, false),
    states: numberArray(o, 'states', url, false),
  };
  const names = field(o, 'rolenames');
  if (Array.isArray(names) && names.every((n) => typeof n === 'string')) pins.roleNames = names as string[];
  return pins;
}

/** The role name the device has on a GPIO ("None" for 0), preferring its own name table. */
export function deviceRoleName(pins: ObkPins, gpio: number): string {
  const idx = pins.roles[gpio] ?? 0;
  if (idx === 0) return 'None';
  const own = pins.roleNames?.[idx]?.trim();
  return own || roleByIndex(idx)?.name || `#${idx}`;
}

/**
 * `POWER` reply: {"POWER":"ON"} for one relay, {"POWER1":"ON","POWER2":"OFF"} for several.
 * Returns key → on. Values "ON"/"OFF" (also 1/0, "1"/"0" for robustness).
 */
export function parsePower(json: unknown, url: string): Map<string, boolean> {
  const o = asObject(json, url, 'POWER');
  const out = new Map<string, boolean>();
  for (const [k, v] of Object.entries(o)) {
    if (!/^POWER\d*$/i.test(k)) continue;
    const s = String(v).trim().toUpperCase();
    if (s === 'ON' || s === '1') out.set(k.toUpperCase(), true);
    else if (s === 'OFF' || s === '0') out.set(k.toUpperCase(), false);
    else throw badReply(url, `POWER: ${k} is ${JSON.stringify(v)}, expected "ON" or "OFF"`);
  }
  if (!out.size) throw badReply(url, `POWER: no POWER field in ${JSON.stringify(json).slice(0, 80)}`);
  return out;
}

/** The state of one channel's relay in a POWER reply ("POWER<ch>", or plain "POWER" for a one-relay device). */
export function powerOfChannel(power: Map<string, boolean>, channel: number): boolean | undefined {
  return power.get(`POWER${channel}`) ?? (power.size === 1 ? power.get('POWER') : undefined);
}

/**
 * `STATUS 8` / `STATUS 10` (StatusSNS.ENERGY) or `SENSOR` (ENERGY at the top). Returns undefined when
 * no metering driver runs (the firmware then leaves ENERGY out).
 */
export function parseEnergy(json: unknown, url: string): ObkEnergy | undefined {
  const o = asObject(json, url, 'STATUS 8');
  const sns = field(o, 'StatusSNS');
  const holder = sns && typeof sns === 'object' ? (sns as Record<string, unknown>) : o;
  const e = field(holder, 'ENERGY');
  if (e === undefined) return undefined;
  const en = asObject(e, url, 'STATUS 8 ENERGY');
  const out: ObkEnergy = {
    voltage: needNumber(en, 'Voltage', url, 'STATUS 8 ENERGY'),
    current: needNumber(en, 'Current', url, 'STATUS 8 ENERGY'),
    power: needNumber(en, 'Power', url, 'STATUS 8 ENERGY'),
  };
  const opt: [keyof ObkEnergy, string][] = [
    ['apparentPower', 'ApparentPower'],
    ['reactivePower', 'ReactivePower'],
    ['factor', 'Factor'],
    ['frequency', 'Frequency'],
    ['consumptionTotal', 'ConsumptionTotal'],
    ['consumptionLastHour', 'ConsumptionLastHour'],
    ['yesterday', 'Yesterday'],
  ];
  for (const [k, name] of opt) {
    const v = optNumber(en, name);
    if (v !== undefined) out[k] = v;
  }
  return out;
}
