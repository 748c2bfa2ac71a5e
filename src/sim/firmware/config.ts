/**
 * The simulated firmware's persistent config. OpenBeken keeps pins, flags, startup command,
 * calibration and start values in flash; the simulator keeps the same facts as JSON in one
 * 4 KiB sector (CONFIG_SECTOR) of the module's flash, so a reset keeps them, reflashing the app
 * keeps them unless that sector was erased, and an erased sector means factory defaults.
 */
import type { FlashView } from '../types.js';
import { CHANNEL_COUNT, GPIO_COUNT } from './roles.js';

/** Sector address for the config (OpenBeken GUI flash layout puts its config near the top of 2 MiB). */
export const CONFIG_SECTOR = 0x1d1000;
export const SECTOR_SIZE = 0x1000;
const MAGIC = 'PLUGRIG-OBKSIM-CFG1\n';

export interface ObkConfig {
  roles: number[]; // per GPIO 0..28
  channels: number[];
  channels2: number[];
  /** 64-bit generic flags; kept as bigint because bits above 31 exist (36, 38, 41). */
  flags: bigint;
  startupCommand: string;
  /** Start value per channel (0 = off, 1 = on, -1 = remember last state). */
  startValues: number[];
  /** Channel values remembered for channels with start value -1. */
  rememberedChannels: number[];
  /** 0 means "use the driver default" (the firmware does the same). */
  voltageCal: number;
  currentCal: number;
  powerCal: number;
  powerMax: number;
  wifiSsid: string;
  wifiPass: string;
  /** MQTT broker host ('' = none, the factory default), port, client id ('' = the short name), user, password. */
  mqttHost: string;
  mqttPort: number;
  mqttClient: string;
  mqttUser: string;
  mqttPass: string;
  /** Short device name ('' = the factory `obkXXXXXXXX` from the MAC). */
  shortName: string;
  webPassword: string;
  /** Button times in units of 100 ms (short click window, long press, hold repeat). */
  buttonShort: number;
  buttonLong: number;
  buttonRepeat: number;
}

/**
 * OpenBeken's config string fields (mainConfig_t): a longer value is cut to the field less its NUL
 * (strcpy_safe), without an error. The Wi-Fi password is copied whole (64 bytes, no NUL needed).
 */
export const FIELD_MAX = { ssid: 63, wifiPass: 64, mqttHost: 255, mqttClient: 63, mqttUser: 63, mqttPass: 127, shortName: 31 } as const;

/** A C string copy into a field of `max` bytes: cut at the byte limit, never in the middle of a UTF-8 character. */
export function fitField(v: string, max: number): string {
  const b = Buffer.from(v, 'utf8');
  if (b.length <= max) return v;
  let end = max;
  while (end > 0 && (b[end]! & 0xc0) === 0x80) end--;
  return b.subarray(0, end).toString('utf8');
}

export const FACTORY_FLAGS = 1n << 10n; // 1024: the only bit a fresh OpenBeken config sets

export function factoryConfig(): ObkConfig {
  return {
    roles: new Array<number>(GPIO_COUNT).fill(0),
    channels: new Array<number>(GPIO_COUNT).fill(0),
    channels2: new Array<number>(GPIO_COUNT).fill(0),
    flags: FACTORY_FLAGS,
    startupCommand: '',
    startValues: new Array<number>(CHANNEL_COUNT).fill(0),
    rememberedChannels: new Array<number>(CHANNEL_COUNT).fill(0),
    voltageCal: 0,
    currentCal: 0,
    powerCal: 0,
    powerMax: 0,
    wifiSsid: '',
    wifiPass: '',
    mqttHost: '',
    mqttPort: 1883,
    mqttClient: '',
    // What a fresh OpenBeken config holds (src/new_cfg.c CFG_SetDefaultConfig).
    mqttUser: 'homeassistant',
    mqttPass: 'qqqqqqqqqq',
    shortName: '',
    webPassword: '',
    buttonShort: 3,
    buttonLong: 10,
    buttonRepeat: 5,
  };
}

export function hasFlag(cfg: ObkConfig, bit: number): boolean {
  return ((cfg.flags >> BigInt(bit)) & 1n) === 1n;
}

export function setFlag(cfg: ObkConfig, bit: number, on: boolean): void {
  const mask = 1n << BigInt(bit);
  cfg.flags = on ? cfg.flags | mask : cfg.flags & ~mask;
}

export function serializeConfig(cfg: ObkConfig): Buffer {
  const json = JSON.stringify({ ...cfg, flags: cfg.flags.toString() });
  const buf = Buffer.from(`${MAGIC}${json}\0`, 'utf8');
  if (buf.length > SECTOR_SIZE) throw new RangeError(`config is ${buf.length} bytes, more than one sector`);
  return buf;
}

function numArray(v: unknown, len: number, fallback: number[]): number[] {
  if (!Array.isArray(v)) return fallback;
  const out = fallback.slice();
  for (let i = 0; i < len && i < v.length; i++) if (typeof v[i] === 'number' && Number.isFinite(v[i])) out[i] = v[i];
  return out;
}

/** Parses a config sector; anything unreadable (erased, foreign, corrupt) gives factory defaults. */
export function parseConfig(sector: Buffer): ObkConfig {
  const def = factoryConfig();
  const text = sector.toString('utf8', 0, Math.max(0, sector.indexOf(0) >= 0 ? sector.indexOf(0) : sector.length));
  if (!text.startsWith(MAGIC)) return def;
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(text.slice(MAGIC.length)) as Record<string, unknown>;
  } catch {
    return def;
  }
  const str = (k: string, d: string) => (typeof raw[k] === 'string' ? (raw[k] as string) : d);
  const num = (k: string, d: number) => (typeof raw[k] === 'number' && Number.isFinite(raw[k]) ? (raw[k] as number) : d);
  let flags = def.flags;
  try {
    if (typeof raw.flags === 'string') flags = BigInt(raw.flags);
  } catch {
    /* keep default */
  }
  return {
    roles: numArray(raw.roles, GPIO_COUNT, def.roles),
    channels: numArray(raw.channels, GPIO_COUNT, def.channels),
    channels2: numArray(raw.channels2, GPIO_COUNT, def.channels2),
    flags,
    startupCommand: str('startupCommand', ''),
    startValues: numArray(raw.startValues, CHANNEL_COUNT, def.startValues),
    rememberedChannels: numArray(raw.rememberedChannels, CHANNEL_COUNT, def.rememberedChannels),
    voltageCal: num('voltageCal', 0),
    currentCal: num('currentCal', 0),
    powerCal: num('powerCal', 0),
    powerMax: num('powerMax', 0),
    wifiSsid: str('wifiSsid', ''),
    wifiPass: str('wifiPass', ''),
    mqttHost: str('mqttHost', def.mqttHost),
    mqttPort: num('mqttPort', def.mqttPort),
    mqttClient: str('mqttClient', def.mqttClient),
    mqttUser: str('mqttUser', def.mqttUser),
    mqttPass: str('mqttPass', def.mqttPass),
    shortName: str('shortName', def.shortName),
    webPassword: str('webPassword', ''),
    // zero button times are replaced by defaults on load, as the firmware does
    buttonShort: num('buttonShort', 0) || def.buttonShort,
    buttonLong: num('buttonLong', 0) || def.buttonLong,
    buttonRepeat: num('buttonRepeat', 0) || def.buttonRepeat,
  };
}

export function loadConfig(flash: FlashView): ObkConfig {
  if (flash.size < CONFIG_SECTOR + SECTOR_SIZE) return factoryConfig();
  return parseConfig(flash.read(CONFIG_SECTOR, SECTOR_SIZE));
}

/** True when the config sector holds no config of ours (OpenBeken then loads its defaults, saying so). */
export function configIsBlank(flash: FlashView): boolean {
  if (flash.size < CONFIG_SECTOR + SECTOR_SIZE) return true;
  return flash.read(CONFIG_SECTOR, MAGIC.length).toString('latin1') !== MAGIC;
}

export function saveConfig(flash: FlashView, cfg: ObkConfig): void {
  if (flash.size < CONFIG_SECTOR + SECTOR_SIZE) return;
  const data = serializeConfig(cfg);
  flash.eraseSector(CONFIG_SECTOR);
  flash.program(CONFIG_SECTOR, data);
}
