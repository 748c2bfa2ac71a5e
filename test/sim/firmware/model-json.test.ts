import { describe, expect, test } from '@jest/globals';
import { factoryConfig, parseConfig, serializeConfig } from '../../../src/sim/firmware/config.js';
import { parseFaults } from '../../../src/sim/firmware/faults.js';
import { apiChannels, apiInfo, apiPins, cFloat, cmReply, type DeviceIdentity } from '../../../src/sim/firmware/json.js';
import { ObkModel } from '../../../src/sim/firmware/model.js';
import { parseRoleName, ROLE_NAMES } from '../../../src/sim/firmware/roles.js';
import { splitBacklog, tokenize } from '../../../src/sim/firmware/command-line.js';
import { RMC021_BACKLOG } from './helpers.js';

const ID: DeviceIdentity = {
  mac: 'C8478C123456',
  build: 'Built on Nov 29 2026 08:00:00 version 1.18.0',
  version: '1.18.0',
  macStyle: 'plain',
  chipTemperatureC: 0,
};

function model(earlyResets = 0, faults: Parameters<typeof parseFaults>[0] = []): ObkModel {
  const m = new ObkModel({ cfg: factoryConfig(), faults: parseFaults(faults), earlyResets });
  m.boot();
  return m;
}

/** A new boot of the same device: what `from` saved in its config survives, nothing else. */
function reboot(from: ObkModel, earlyResets = 0): ObkModel {
  const m = new ObkModel({ cfg: from.cfg, faults: parseFaults([]), earlyResets });
  m.boot();
  return m;
}

function rmc021(): ObkModel {
  const m = model();
  m.execute(RMC021_BACKLOG);
  return reboot(m);
}

describe('role table', () => {
  test('99 roles in firmware order; names case-insensitive, numbers refused', () => {
    expect(ROLE_NAMES).toHaveLength(99);
    expect(ROLE_NAMES[0]).toBe(' ');
    expect([1, 3, 9, 17, 18, 19, 64].map((i) => ROLE_NAMES[i])).toEqual(['Rel', 'Btn', 'WifiLED_n', 'BL0937SEL', 'BL0937CF', 'BL0937CF1', 'BL0937SEL_n']);
    expect(parseRoleName('wifiled_N')).toBe(9);
    expect(parseRoleName('None')).toBe(0);
    expect(parseRoleName('3')).toBeUndefined();
  });
});

describe('command line', () => {
  test('quotes group words; backlog splits on ;', () => {
    expect(tokenize('"startDriver NTP" 1')).toEqual(['startDriver NTP', '1']);
    expect(splitBacklog(' a 1;b ;; c')).toEqual(['a 1', 'b', 'c']);
  });
});

describe('commands on the device model', () => {
  test('the RMC021 backlog sets roles, channels, flags and the startup command', () => {
    const m = model();
    expect(m.execute(RMC021_BACKLOG).ok).toBe(true);
    expect(m.cfg.roles[6]).toBe(19);
    expect(m.cfg.roles[24]).toBe(17);
    expect(m.cfg.channels[10]).toBe(1);
    expect(m.cfg.startupCommand).toBe('startDriver NTP');
    expect(m.cfg.flags).toBe(1024n);
    expect(m.configDirty).toBe(true);
    expect(m.drivers.has('BL0937')).toBe(false); // drivers start only at boot
  });

  test('BL0937 autostarts at boot with CF, CF1 and SEL; the startup command runs', () => {
    const m = rmc021();
    expect(m.drivers.has('BL0937')).toBe(true);
    expect(m.drivers.has('NTP')).toBe(true);
  });

  test('flag 36 disables driver autostart; startDriver BL0937 starts it by hand', () => {
    const m = model();
    m.execute(RMC021_BACKLOG);
    m.execute('SetFlag 36 1');
    const b = reboot(m);
    expect(b.drivers.has('BL0937')).toBe(false);
    b.execute('startDriver BL0937');
    expect(b.drivers.has('BL0937')).toBe(true);
  });

  test('POWER ON / OFF / TOGGLE / POWER1 drive the relay channel', () => {
    const m = rmc021();
    const steps: Array<[string, number]> = [
      ['POWER ON', 1],
      ['POWER TOGGLE', 0],
      ['POWER1 1', 1],
      ['power off', 0],
    ];
    for (const [command, relay] of steps) {
      m.execute(command);
      expect(m.channels[1]).toBe(relay);
    }
  });

  test('SetStartValue: 1 starts on, -1 remembers the last state across boots', () => {
    const m = rmc021();
    m.execute('SetStartValue 1 -1');
    m.execute('POWER ON');
    const b = reboot(m);
    expect(b.channels[1]).toBe(1);
    b.execute('SetStartValue 1 0');
    const c = reboot(b);
    expect(c.channels[1]).toBe(0);
  });

  test('VoltageSet/CurrentSet/PowerSet use the last raw counts and refuse without pulses', () => {
    const m = rmc021();
    expect(m.execute('VoltageSet 230').ok).toBe(false);
    m.bl0937Tick({ cf1Pulses: 1700, cfPulses: 80, elapsedMs: 1000 });
    m.bl0937Tick({ cf1Pulses: 40, cfPulses: 80, elapsedMs: 1000 });
    expect(m.execute('VoltageSet 230').ok).toBe(true);
    expect(m.execute('CurrentSet 0.5').ok).toBe(true);
    expect(m.execute('PowerSet 115').ok).toBe(true);
    expect(m.cfg.voltageCal).toBeCloseTo(230 / 1700, 6);
    expect(m.cfg.currentCal).toBeCloseTo(0.5 / 40, 6);
    expect(m.cfg.powerCal).toBeCloseTo(115 / 80, 6);
    m.bl0937Tick({ cf1Pulses: 1700, cfPulses: 80, elapsedMs: 1000 });
    expect(m.energy.voltage).toBeCloseTo(230, 3);
    expect(m.energy.power).toBeCloseTo(115, 3);
  });

  test('PowerMax outside 200..7200 is ignored, inside is stored', () => {
    const m = rmc021();
    m.execute('PowerMax 100');
    expect(m.powerMax).toBe(3680);
    m.execute('PowerMax 2500');
    expect(m.powerMax).toBe(2500);
    expect(m.cfg.powerMax).toBe(2500);
  });

  test('restart asks for a reboot in 3 s by default, also from inside a backlog', () => {
    const m = model();
    expect(m.execute('restart').restartInS).toBe(3);
    expect(m.execute('backlog POWER ON; restart 0').restartInS).toBe(0);
  });

  test('double click toggles channel 2 and, in the first 5 s, erases the Wi-Fi credentials', () => {
    const m = rmc021();
    m.execute('SSID1 home');
    m.execute('SetPinChannel 10 1 2');
    m.buttonEvents(10, [{ kind: 'click', count: 2 }]);
    expect(m.channels[2]).toBe(1);
    expect(m.channels[1]).toBe(0);
    expect(m.openApHazards).toBe(1);
    expect(m.cfg.wifiSsid).toBe('');
    for (let i = 0; i < 5; i++) m.secondTick();
    m.buttonEvents(10, [{ kind: 'click', count: 2 }]);
    expect(m.openApHazards).toBe(1);
    expect(m.channels[2]).toBe(0);
  });

  test('single click toggles the button channel; flag 41 ignores buttons', () => {
    const m = rmc021();
    m.buttonEvents(10, [{ kind: 'click', count: 1 }]);
    expect(m.channels[1]).toBe(1);
    m.execute('SetFlag 41 1');
    m.buttonEvents(10, [{ kind: 'click', count: 1 }]);
    expect(m.channels[1]).toBe(1);
  });

  test('unconfigured device opens the AP after 5 s; safe mode after more than 4 early resets', () => {
    const m = model();
    for (let i = 0; i < 4; i++) m.secondTick();
    expect(m.wifiMode()).toBe('connecting');
    m.secondTick();
    expect(m.wifiMode()).toBe('ap');
    expect(model(4).safeMode).toBe(false);
    const safe = reboot(rmc021(), 5);
    expect(safe.safeMode).toBe(true);
    expect(safe.pinsEnabled).toBe(false);
    expect(safe.drivers.size).toBe(0); // no drivers, no startup command
  });
});

describe('JSON replies in the firmware shapes (reference §7)', () => {
  test('%f prints six decimals of a float32', () => {
    expect(cFloat(0)).toBe('0.000000');
    expect(cFloat(230.07)).toBe('230.070007');
    expect(cFloat(Number.NaN)).toBe('0.000000');
  });

  test('/cm replies: backlog {}, POWER, flags, STATUS 8 without and with the metering driver', () => {
    const m = model();
    expect(cmReply(m, ID, RMC021_BACKLOG)).toBe('{}');
    expect(cmReply(m, ID, 'STATUS 8')).toBe('{"StatusSNS":{"Time":"0000-00-00T00:00:00","ESP32":{"Temperature": 0.0},"TempUnit":"C"}}');
    const r = rmc021();
    expect(cmReply(r, ID, 'POWER')).toBe('{"POWER":"OFF"}');
    r.execute('POWER TOGGLE');
    expect(cmReply(r, ID, 'POWER TOGGLE')).toBe('{"POWER":"ON"}');
    expect(cmReply(r, ID, 'STATUS 8')).toBe(
      '{"StatusSNS":{"Time":"0000-00-00T00:00:00","ENERGY":{"Power": 0.000000,"ApparentPower": 0.000000,"ReactivePower": 0.000000,' +
        '"Factor":0.000000,"Voltage":0.000000,"Current":0.000000,"Frequency":0.000000,"ConsumptionTotal":0.000000,' +
        '"Yesterday": 0.000000,"ConsumptionLastHour":0.000000},"ESP32":{"Temperature": 0.0},"TempUnit":"C"}}',
    );
    expect(cmReply(r, ID, 'STATUS 10')).toBe(cmReply(r, ID, 'STATUS 8'));
    expect(cmReply(r, ID, 'flags 1024')).toBe('{"Flags":"1024"}');
    expect(cmReply(r, ID, 'PowerMax 3000')).toBe('{"POWER":"ON"}'); // prefix quirk
  });

  test('Status is valid JSON with the relay bitmask and the firmware version', () => {
    const r = rmc021();
    r.execute('POWER ON');
    const s = JSON.parse(cmReply(r, ID, 'Status')) as Record<string, Record<string, unknown>>;
    expect(s.Status!.Power).toBe(1);
    expect(s.Status!.FriendlyName).toEqual(['obk8C123456_1']);
    expect(s.StatusFWR!.Version).toBe('OpenBK7231N_1.18.0');
    expect(s.StatusSTS!.POWER).toBe('ON');
  });

  test('/api/info: flags as a decimal string, mac as 12 hex digits, startcmd', () => {
    const r = rmc021();
    const text = apiInfo(r, ID);
    expect(text).toMatch(/^\{"uptime_s":0,"build":"Built on Nov 29 2026 08:00:00 version 1.18.0","ip":"0.0.0.0","mac":"C8478C123456","flags":"1024",/);
    const info = JSON.parse(text) as Record<string, unknown>;
    expect(info.chipset).toBe('BK7231N');
    expect(info.shortName).toBe('obk8C123456');
    expect(info.startcmd).toBe('startDriver NTP');
    expect(JSON.parse(apiInfo(r, { ...ID, macStyle: 'colon' })).mac).toBe('c8:47:8c:12:34:56');
  });

  test('/api/pins after the RMC021 backlog matches the reference arrays', () => {
    const r = rmc021();
    r.execute('POWER ON');
    const pins = JSON.parse(apiPins(r)) as { rolenames: string[]; roles: number[]; channels: number[]; states: number[]; channels2?: number[] };
    expect(pins.rolenames).toEqual(ROLE_NAMES);
    expect(pins.roles).toEqual([0, 0, 0, 0, 0, 0, 19, 18, 9, 0, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 17, 0, 1, 0, 0]);
    expect(pins.channels[10]).toBe(1);
    expect(pins.channels[26]).toBe(1);
    expect(pins.channels.filter((c) => c !== 0)).toHaveLength(2);
    expect(pins.states[26]).toBe(1);
    expect(pins.states[10]).toBe(1);
    expect(pins.states[0]).toBe(0);
    expect(pins.channels2).toBeUndefined();
    expect(apiPins(r)).toContain('"rolenames":[" ","Rel","Rel_n","Btn",');
  });

  test('/api/channels repeats a key per pin sharing a channel', () => {
    const r = rmc021();
    expect(apiChannels(r)).toBe('{"0":0,"0":0,"0":0,"1":0,"0":0,"1":0}');
  });
});

describe('config sector', () => {
  test('round-trips, and garbage or erased flash gives factory defaults', () => {
    const c = factoryConfig();
    c.roles[26] = 1;
    c.flags = (1n << 40n) | 1024n;
    c.startupCommand = 'startDriver NTP';
    const back = parseConfig(serializeConfig(c));
    expect(back.roles[26]).toBe(1);
    expect(back.flags).toBe((1n << 40n) | 1024n);
    expect(back.startupCommand).toBe('startDriver NTP');
    expect(parseConfig(Buffer.alloc(4096, 0xff))).toEqual(factoryConfig());
    expect(parseConfig(Buffer.from('nonsense')).flags).toBe(1024n);
  });
});

describe('fault parsing', () => {
  test('names, values and errors', () => {
    expect(parseFaults(['cal-off']).calOffPercent).toBe(5);
    expect(parseFaults(['cal-off:-3']).calOffPercent).toBe(-3);
    expect(parseFaults([{ name: 'http-slow', value: 150 }]).httpSlowMs).toBe(150);
    expect(parseFaults(['http-slow']).httpSlowMs).toBe(2000);
    expect(() => parseFaults(['relay-stuk' as never])).toThrow(/unknown fault/);
    expect(() => parseFaults(['relay-stuck:3' as never])).toThrow(/takes no value/);
    expect(() => parseFaults(['cal-off:x'])).toThrow(/not a number/);
  });
});
