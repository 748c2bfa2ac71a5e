/**
 * The firmware's JSON replies, printed the way its C code prints them (not through a JSON
 * serializer): `%f` floats with six decimals of a float32, a space after some colons
 * ("Power": 0.000000), "flags" as a decimal string, the BK7231N chip temperature under the
 * borrowed key "ESP32", /api/channels repeating a key for every pin on the same channel. Clients
 * must cope with exactly these shapes, so the simulator reproduces them byte for byte.
 */
import type { ObkModel } from './model.js';
import { CHANNEL_COUNT, GPIO_COUNT, isRelayRole, ROLE_NAMES } from './roles.js';
import { atoi, splitCommand } from './command-line.js';

export interface DeviceIdentity {
  /** 12 upper-case hex digits. */
  mac: string;
  build: string;
  version: string;
  /** 'plain' = 12 hex digits (the shape docs/openbeken-behaviour.md §7.2 shows); 'colon' = aa:bb:cc:dd:ee:ff. */
  macStyle: 'plain' | 'colon';
  chipTemperatureC: number;
}

export const NO_TIME = '0000-00-00T00:00:00';
const WEBAPP = 'https://openbekeniot.github.io/webapp/';

/** C printf("%f") of a float: six decimals; NaN prints as 0 (the firmware maps NaN to 0 first). */
export function cFloat(x: number, decimals = 6): string {
  const v = Number.isFinite(x) ? Math.fround(x) : 0;
  return v.toFixed(decimals);
}

function q(s: string): string {
  return JSON.stringify(s);
}

function macTail(mac: string): string {
  return mac.slice(4, 12).toUpperCase();
}

export function shortName(mac: string): string {
  return `obk${macTail(mac)}`;
}

export function longName(mac: string): string {
  return `OpenBK7231N_${macTail(mac)}`;
}

export function formatMac(id: DeviceIdentity): string {
  if (id.macStyle === 'plain') return id.mac.toUpperCase();
  return id.mac.toLowerCase().match(/../g)!.join(':');
}

export function deviceIp(m: ObkModel): string {
  return m.apMode ? '192.168.4.1' : '0.0.0.0';
}

/** The short name in use: the configured one, or the factory `obkXXXXXXXX`. */
export function deviceShortName(m: ObkModel, id: DeviceIdentity): string {
  return m.cfg.shortName || shortName(id.mac);
}

/** The MQTT topic (OpenBeken's MQTT client id), which a fresh config sets to the short name. */
export function mqttTopic(m: ObkModel, id: DeviceIdentity): string {
  return m.cfg.mqttClient || shortName(id.mac);
}

export function apiInfo(m: ObkModel, id: DeviceIdentity): string {
  const sn = deviceShortName(m, id);
  // "mqtthost" is host:port as rest_interface.c prints it (":1883" while no host is set).
  return (
    `{"uptime_s":${m.uptimeS},"build":${q(id.build)},"ip":${q(deviceIp(m))},"mac":${q(formatMac(id))},` +
    `"flags":"${m.cfg.flags.toString()}","mqtthost":${q(`${m.cfg.mqttHost}:${m.cfg.mqttPort}`)},"mqtttopic":${q(mqttTopic(m, id))},"chipset":"BK7231N",` +
    `"webapp":${q(WEBAPP)},"shortName":${q(sn)},"startcmd":${q(m.cfg.startupCommand)},` +
    `"supportsSSDP":${m.drivers.has('SSDP') ? 1 : 0},"supportsClientDeviceDB":true}`
  );
}

export function apiPins(m: ObkModel): string {
  const per = (f: (gpio: number) => number) => Array.from({ length: GPIO_COUNT }, (_, i) => f(i)).join(',');
  let lastCh2 = -1;
  for (let i = 0; i < GPIO_COUNT; i++) if (m.cfg.channels2[i]) lastCh2 = i;
  const ch2 = lastCh2 < 0 ? '' : `],"channels2":[${Array.from({ length: lastCh2 + 1 }, (_, i) => m.cfg.channels2[i] ?? 0).join(',')}`;
  return (
    `{"rolenames":[${ROLE_NAMES.map(q).join(',')}],"roles":[${per((i) => m.cfg.roles[i] ?? 0)}],` +
    `"channels":[${per((i) => m.cfg.channels[i] ?? 0)}${ch2}],` +
    `"states":[${per((i) => m.channels[m.cfg.channels[i] ?? 0] ?? 0)}]}`
  );
}

/** One "channel":value pair per pin that has a role (duplicate keys when pins share a channel). */
export function apiChannels(m: ObkModel): string {
  const parts: string[] = [];
  for (let i = 0; i < GPIO_COUNT; i++) {
    if (!m.cfg.roles[i]) continue;
    const ch = m.cfg.channels[i] ?? 0;
    parts.push(`"${ch}":${m.channels[ch] ?? 0}`);
  }
  return `{${parts.join(',')}}`;
}

/** The POWER members without braces: one relay → "POWER", several → "POWER1".., none → "POWER":"ON". */
export function powerMembers(m: ObkModel): string {
  const relays = m.relayChannels();
  const onOff = (ch: number) => (m.channels[ch] ? '"ON"' : '"OFF"');
  if (relays.length === 0) return '"POWER":"ON"';
  if (relays.length === 1) return `"POWER":${onOff(relays[0]!)}`;
  const startsAtZero = relays.includes(0);
  return relays.map((ch) => `"POWER${startsAtZero ? ch + 1 : ch}":${onOff(ch)}`).join(',');
}

export function energyBlock(m: ObkModel): string {
  const e = m.energy;
  return (
    `{"Power": ${cFloat(e.power)},"ApparentPower": ${cFloat(e.apparentPower)},"ReactivePower": ${cFloat(e.reactivePower)},` +
    `"Factor":${cFloat(e.factor)},"Voltage":${cFloat(e.voltage)},"Current":${cFloat(e.current)},` +
    `"Frequency":${cFloat(e.frequency)},"ConsumptionTotal":${cFloat(e.consumptionTotalWh)},` +
    `"Yesterday": ${cFloat(e.yesterdayWh)},"ConsumptionLastHour":${cFloat(e.consumptionLastHourWh)}}`
  );
}

/** StatusSNS object: Time, ENERGY while a metering driver runs, the chip temperature, TempUnit. */
export function statusSns(m: ObkModel, id: DeviceIdentity): string {
  const energy = m.drivers.has('BL0937') ? `,"ENERGY":${energyBlock(m)}` : '';
  return `{"Time":"${NO_TIME}"${energy},"ESP32":{"Temperature": ${cFloat(id.chipTemperatureC, 1)}},"TempUnit":"C"}`;
}

function uptimeText(s: number): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${Math.floor(s / 86400)}T${p(Math.floor(s / 3600) % 24)}:${p(Math.floor(s / 60) % 60)}:${p(s % 60)}`;
}

export function statusSts(m: ObkModel): string {
  const signal = -50;
  return (
    `{"Time":"${NO_TIME}","Uptime":"${uptimeText(m.uptimeS)}","UptimeSec":${m.uptimeS},"Heap":78,` +
    `"SleepMode":"None","Sleep":0,"LoadAvg":99,"MqttCount":23,${powerMembers(m)},` +
    `"Wifi":{"AP":1,"SSId":${q(m.cfg.wifiSsid)},"BSSId":"","Channel":1,"Mode":"11n","RSSI":${(signal + 100) * 2},` +
    `"Signal":${signal},"LinkCount":21,"Downtime":"0T06:13:34"}}`
  );
}

export function statusFwr(id: DeviceIdentity): string {
  return (
    `{"Version":${q(`OpenBK7231N_${id.version}`)},"BuildDateTime":${q(id.build.replace(/^Built on (.*) version .*$/, '$1'))},` +
    `"Boot":7,"Core":"0.0","SDK":"obk","CpuFrequency":80,"Hardware":"BK7231N","CR":"465/699"}`
  );
}

/** `Status` without argument: the Tasmota-style aggregate (the sections a client reads). */
export function statusGeneric(m: ObkModel, id: DeviceIdentity): string {
  const sn = deviceShortName(m, id);
  const relays = m.relayChannels();
  const startsAtZero = relays.includes(0);
  let powerCode = 0;
  for (let i = 0; i < CHANNEL_COUNT && i < 31; i++) {
    const ch = startsAtZero ? i : i + 1;
    if (relays.includes(ch) && m.channels[ch]) powerCode |= 1 << i;
  }
  const relayPins = m.pinsWithRole(isRelayRole).length;
  const friendly = relayPins === 0 ? q(longName(id.mac)) : relays.map((ch) => q(`${sn}_${startsAtZero ? ch + 1 : ch}`)).join(',');
  return (
    `{"Status":{"Module":0,"DeviceName":${q(sn)},"FriendlyName":[${friendly}],"Topic":${q(mqttTopic(m, id))},"ButtonTopic":"0",` +
    `"Power":${powerCode},"PowerOnState":3,"LedState":1,"LedMask":"FFFF","SaveData":1,"SaveState":1,` +
    `"SwitchTopic":"0","SwitchMode":[0,0,0,0,0,0,0,0],"ButtonRetain":0,"SwitchRetain":0,"SensorRetain":0,` +
    `"PowerRetain":0,"InfoRetain":0,"StateRetain":0},` +
    `"StatusPRM":{"Baudrate":115200,"SerialConfig":"8N1","GroupTopic":"",` +
    `"OtaUrl":"https://github.com/openshwprojects/OpenBK7231T_App/releases/latest","RestartReason":"HardwareWatchdog",` +
    `"Uptime":${m.uptimeS},"StartupUTC":"${NO_TIME}","Sleep":50,"CfgHolder":4617,"BootCount":22,` +
    `"BCResetTime":"2022-01-27T16:10:56","SaveCount":1235,"SaveAddress":"F9000"},` +
    `"StatusFWR":${statusFwr(id)},"StatusSNS":${statusSns(m, id)},"StatusSTS":${statusSts(m)}}`
  );
}

function channelsObject(m: ObkModel, include: number): string {
  const used = new Set<number>();
  m.cfg.roles.forEach((r, gpio) => {
    if (r) used.add(m.cfg.channels[gpio] ?? 0);
  });
  if (include >= 0) used.add(include);
  return `{${[...used]
    .sort((a, b) => a - b)
    .map((ch) => `"Ch${ch}":${m.channels[ch] ?? 0}`)
    .join(',')}}`;
}

/**
 * The reply /cm gives after running `line`: chosen from the command word by prefix, as the
 * firmware does (so `PowerMax 3000` answers with the POWER state, and `backlog ...` with {}).
 */
export function cmReply(m: ObkModel, id: DeviceIdentity, line: string): string {
  const { name, rest } = splitCommand(line);
  const n = name.toLowerCase();
  const arg = rest.trim();
  if (n.startsWith('power')) return `{${powerMembers(m)}}`;
  if (n.startsWith('state')) return statusSts(m);
  if (n.startsWith('sensor')) return statusSns(m, id);
  if (n.startsWith('status')) {
    switch (arg) {
      case '8':
      case '10':
        return `{"StatusSNS":${statusSns(m, id)}}`;
      case '11':
        return `{"StatusSTS":${statusSts(m)}}`;
      case '2':
        return `{"StatusFWR":${statusFwr(id)}}`;
      default:
        return statusGeneric(m, id);
    }
  }
  if (n.startsWith('setchanneltype')) return '0';
  if (n.startsWith('getchannel') || n.startsWith('setchannel') || n.startsWith('addchannel')) {
    const ch = parseInt(arg, 10) || 0;
    return String(m.channels[ch] ?? 0);
  }
  if (n.startsWith('ssid1')) return `{"SSID1":${q(m.cfg.wifiSsid)}}`;
  if (n.startsWith('flags')) return `{"Flags":"${m.cfg.flags.toString()}"}`;
  if (n.startsWith('ch')) return channelsObject(m, name.length > 2 ? atoi(name.slice(2)) : -1);
  return '{}';
}
