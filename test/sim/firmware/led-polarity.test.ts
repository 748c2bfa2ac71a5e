/**
 * The Wi-Fi LED pad around boot, as OpenBeken drives it: role setup drives the pad low, the state
 * starts off, the first toggle turns it on (pad low for WifiLED_n: no edge). led-inverted drives
 * the pad as the swapped role would. Manual clock, no timers.
 */
import { describe, expect, test } from '@jest/globals';
import { stepWifiLed, wifiLedAtBoot, wifiLedWrite, type WifiLedState } from '../../../src/sim/firmware/wifi-led.js';
import { edgesOf, rmc021Bench, run } from './helpers.js';

describe('Wi-Fi LED state around boot (pure)', () => {
  test('the RTOS uptime before pin setup is already in the accumulator: the first toggle comes sooner', () => {
    let s: WifiLedState = wifiLedAtBoot(300);
    let t = 0;
    while (!s.on) {
      s = stepWifiLed(s, 'connecting', 25);
      t += 25;
    }
    expect(t).toBe(225); // 300 + 225 > 500, 300 + 200 is not
    expect(wifiLedAtBoot(-5)).toEqual({ on: false, accMs: 0 });
  });

  test('the pad is written only on a toggle, and "on" on every connected tick', () => {
    const off: WifiLedState = { on: false, accMs: 100 };
    const quiet = stepWifiLed(off, 'ap', 25);
    expect(wifiLedWrite(off, quiet, 'ap')).toBeNull();
    const ready: WifiLedState = { on: false, accMs: 250 };
    expect(wifiLedWrite(ready, stepWifiLed(ready, 'ap', 25), 'ap')).toBe(true);
    const lit: WifiLedState = { on: true, accMs: 500 };
    expect(wifiLedWrite(lit, stepWifiLed(lit, 'connecting', 25), 'connecting')).toBe(false);
    expect(wifiLedWrite(off, stepWifiLed(off, 'connected', 25), 'connected')).toBe(true);
  });
});

describe('Wi-Fi LED pad after boot on the simulated firmware', () => {
  // Toggles at 325 (200 ms SDK start-up assumed), 850, 1375 ms after boot; the pad is low at pin setup either way.
  test.each([
    [
      'WifiLED_n: low from pin setup through the first toggle; first rise at the second toggle',
      [],
      1600,
      [
        [1, 850],
        [0, 1375],
      ],
    ],
    [
      'led-inverted: also low at setup, but the first toggle already drives it high',
      ['led-inverted' as const],
      1100,
      [
        [1, 325],
        [0, 850],
      ],
    ],
  ])('%s', async (_name, faults, runMs, edges) => {
    const { bench, fw } = await rmc021Bench({ faults });
    const t0 = bench.clock.now();
    expect(bench.pads.get(8)!.moduleDrive()).toBe(0);
    const seen = edgesOf(bench, 8);
    run(bench, runMs);
    expect(seen.map(([l, t]) => [l, t - t0])).toEqual(edges);
    await fw.stop();
  });

  test('a role assigned at run time starts low (not from the LED state) and follows from the next toggle', async () => {
    const { bench, fw } = await rmc021Bench();
    run(bench, 600); // after the first toggle: LED on, P8 low
    expect(bench.pads.get(8)!.level()).toBe(0);
    fw.runtime!.runCommand('SetPinRole 23 WifiLED');
    expect(bench.pads.get(23)!.moduleDrive()).toBe(0); // WifiLED with the LED on would be high: this is the setup level
    run(bench, 475); // second toggle at 850: LED off
    expect(bench.pads.get(23)!.moduleDrive()).toBe(0);
    expect(bench.pads.get(8)!.moduleDrive()).toBe(1);
    run(bench, 525); // third toggle at 1375: LED on
    expect(bench.pads.get(23)!.moduleDrive()).toBe(1);
    expect(bench.pads.get(8)!.moduleDrive()).toBe(0);
    await fw.stop();
  });
});
