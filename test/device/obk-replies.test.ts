import { describe, test, expect } from '@jest/globals';
import {
  deviceRoleName,
  formatMac,
  normaliseMac,
  parseEnergy,
  parseInfo,
  parseJsonText,
  parsePins,
  parsePower,
  powerOfChannel,
  toNumber,
} from '../../src/device/obk-replies.js';

const URL = 'http://dev';

// Reply bodies exactly as the reference §7 quotes them (spaces after colons, extra blocks, string numbers).
export const REAL = {
  info: '{"uptime_s":2,"build":"Built on Nov 29 2026 08:33:03 version Lin_Test","ip":"127.0.0.1","mac":"000000000000","flags":"1024","mqtthost":"127.0.0.1:1883","mqtttopic":"LinuxOBK","chipset":"LIN","webapp":"https://openbekeniot.github.io/webapp/","shortName":"LSEECAFFEE","startcmd":"","supportsSSDP":0,"supportsClientDeviceDB":true}',
  empty: '{}',
  powerOff: '{"POWER":"OFF"}',
  powerOn: '{"POWER":"ON"}',
  status8:
    '{"StatusSNS":{"Time":"0000-00-00T00:00:00","ENERGY":{"Power": 0.000000,"ApparentPower": 0.000000,"ReactivePower": 0.000000,"Factor":0.000000,"Voltage":0.000000,"Current":0.000000,"Frequency":0.000000,"ConsumptionTotal":0.000000,"Yesterday": 0.000000,"ConsumptionLastHour":0.000000},"ESP32":{"Temperature": 0.0},"TempUnit":"C"}}',
  status8NoDriver: '{"StatusSNS":{"Time":"0000-00-00T00:00:00","ESP32":{"Temperature": 0.0},"TempUnit":"C"}}',
};

describe('reply parsers on the real firmware shapes', () => {
  test('/api/info: flags as a decimal string, MAC without separators', () => {
    const i = parseInfo(parseJsonText(REAL.info, URL), URL);
    expect(i).toMatchObject({ uptimeS: 2, mac: '000000000000', flags: 1024n, chipset: 'LIN', startCmd: '', shortName: 'LSEECAFFEE' });
    expect(i.build).toContain('Lin_Test');
  });

  test('/api/info with a real-looking MAC, numeric flags, string uptime', () => {
    const i = parseInfo({ uptime_s: '17', build: 'b', mac: 'c8:47:8c:01:02:03', flags: 1024 }, URL);
    expect(i).toMatchObject({ uptimeS: 17, mac: 'C8478C010203', flags: 1024n });
    expect(formatMac(i.mac)).toBe('C8:47:8C:01:02:03');
  });

  test('/api/info missing fields are named', () => {
    expect(() => parseInfo({ uptime_s: 1, build: 'x', flags: '0' }, URL)).toThrow(/"mac" missing/);
    expect(() => parseInfo({ uptime_s: 1, build: 'x', mac: '001122334455', flags: 'x' }, URL)).toThrow(/"flags"/);
    expect(() => parseInfo({ build: 'x', mac: '001122334455', flags: '0' }, URL)).toThrow(/uptime_s/);
  });

  test('POWER replies, one relay and several', () => {
    expect(powerOfChannel(parsePower(JSON.parse(REAL.powerOff), URL), 1)).toBe(false);
    expect(powerOfChannel(parsePower(JSON.parse(REAL.powerOn), URL), 1)).toBe(true);
    const two = parsePower({ POWER1: 'ON', POWER2: 'OFF' }, URL);
    expect(powerOfChannel(two, 1)).toBe(true);
    expect(powerOfChannel(two, 2)).toBe(false);
    expect(powerOfChannel(two, 3)).toBeUndefined();
    expect(() => parsePower(JSON.parse(REAL.empty), URL)).toThrow(/no POWER field/);
    expect(() => parsePower({ POWER: 'MAYBE' }, URL)).toThrow(/expected "ON" or "OFF"/);
  });

  test('STATUS 8 with spaces after colons and the ESP32/TempUnit blocks', () => {
    const e = parseEnergy(
      parseJsonText(REAL.status8.replace('"Voltage":0.000000', '"Voltage": 230.070000').replace('"Current":0.000000', '"Current":"0.498000"'), URL),
      URL,
    );
    expect(e).toMatchObject({ voltage: 230.07, current: 0.498, power: 0, consumptionTotal: 0, frequency: 0 });
  });

  test('STATUS 8 without a metering driver has no energy; SENSOR-shaped ENERGY also parses', () => {
    expect(parseEnergy(JSON.parse(REAL.status8NoDriver), URL)).toBeUndefined();
    expect(parseEnergy({ ENERGY: { Voltage: 1, Current: 2, Power: 3 } }, URL)).toMatchObject({ voltage: 1, current: 2, power: 3 });
    expect(() => parseEnergy({ StatusSNS: { ENERGY: { Voltage: 'nan', Current: 0, Power: 0 } } }, URL)).toThrow(/"Voltage"/);
  });

  test('/api/pins: role names from the device, arrays by GPIO', () => {
    const roles = Array(29).fill(0);
    Object.assign(roles, { 6: 19, 7: 18, 8: 9, 10: 3, 24: 17, 26: 1 });
    const channels = Array(29).fill(0);
    Object.assign(channels, { 10: 1, 26: 1 });
    const p = parsePins({ rolenames: [' ', 'Rel', 'Rel_n', 'Btn'], roles, channels, channels2: [], states: Array(29).fill(0) }, URL);
    expect(deviceRoleName(p, 26)).toBe('Rel');
    expect(deviceRoleName(p, 10)).toBe('Btn');
    expect(deviceRoleName(p, 6)).toBe('BL0937CF1'); // beyond the device's short name list: our table
    expect(deviceRoleName(p, 0)).toBe('None');
    expect(() => parsePins({ roles: [0, 'x'], channels: [] }, URL)).toThrow(/roles\[1\]/);
  });

  test('cut-off, empty and HTML bodies are bad replies naming the URL', () => {
    expect(() => parseJsonText('{"StatusSNS":{"Time":"0', URL)).toThrow(/http:\/\/dev: reply is not valid JSON/);
    expect(() => parseJsonText('', URL)).toThrow(/empty reply/);
    expect(() => parseJsonText('<html>Unknown command</html>', URL)).toThrow(/starts "<html>/);
  });

  test('numbers: numbers, numeric strings, and nothing else', () => {
    expect(toNumber(' 1.5 ')).toBe(1.5);
    expect(toNumber('-2e3')).toBe(-2000);
    expect(toNumber('nan')).toBeUndefined();
    expect(toNumber('')).toBeUndefined();
    expect(toNumber(null)).toBeUndefined();
    expect(normaliseMac('c8-47-8c-01-02-03')).toBe('C8478C010203');
    expect(normaliseMac('c8478c0102')).toBeUndefined();
  });
});
