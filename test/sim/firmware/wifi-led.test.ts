import { describe, expect, test } from '@jest/globals';
import { INITIAL_WIFI_LED, stepWifiLed, wifiLedLevel, type WifiMode } from '../../../src/sim/firmware/wifi-led.js';

function togglesOver(mode: WifiMode, ms: number): number[] {
  let s = INITIAL_WIFI_LED;
  const at: number[] = [];
  for (let t = 25; t <= ms; t += 25) {
    const n = stepWifiLed(s, mode, 25);
    if (n.on !== s.on) at.push(t);
    s = n;
  }
  return at;
}

describe('Wi-Fi LED blinker at 25 ms ticks', () => {
  test('AP mode toggles every 275 ms (strictly more than 250), ~550 ms period', () => {
    const at = togglesOver('ap', 3000);
    const gaps = at.slice(1).map((t, i) => t - at[i]!);
    expect(new Set(gaps)).toEqual(new Set([275]));
  });

  test('connecting toggles every 525 ms (strictly more than 500), ~1.05 s period', () => {
    const at = togglesOver('connecting', 5000);
    expect(at[0]).toBe(525);
    const gaps = at.slice(1).map((t, i) => t - at[i]!);
    expect(new Set(gaps)).toEqual(new Set([525]));
  });

  test('connected: steadily on', () => {
    expect(stepWifiLed(INITIAL_WIFI_LED, 'connected', 25).on).toBe(true);
    expect(togglesOver('connected', 2000)).toEqual([25]);
  });

  test('WifiLED drives high for on, WifiLED_n low for on', () => {
    expect(wifiLedLevel(true, false)).toBe(1);
    expect(wifiLedLevel(false, false)).toBe(0);
    expect(wifiLedLevel(true, true)).toBe(0);
    expect(wifiLedLevel(false, true)).toBe(1);
  });
});
