/**
 * One VirtualClock drives a simulated module end to end, as it does when a test shares it between
 * the host and the module: power on, the ROM's download window, the app and the simulated OpenBeken
 * it boots (whose clock defaults to the module's), and the Wi-Fi LED's blink rates read through a
 * simulated input line, all in exact virtual time, with 10 s of it costing well under a second.
 */
import { describe, expect, test } from '@jest/globals';
import { sleep } from '../../src/core/clock.js';
import { VirtualClock } from '../../src/core/virtual-clock.js';
import { generateTestImage } from '../../src/bk7231/test-image.js';
import type { Edge } from '../../src/io/types.js';
import { createSimModule, openBekenFirmware } from '../../src/sim/index.js';
import { QUICK_TICK_MS } from '../../src/sim/firmware/runtime.js';
import { WIFI_LED_FAST_MS, WIFI_LED_SLOW_MS } from '../../src/sim/firmware/wifi-led.js';
import { OPEN_AP_DELAY_S } from '../../src/sim/firmware/model.js';
import { simInputLine } from '../../src/sim/lines.js';
import type { ModuleState } from '../../src/sim/types.js';
import { RMC021_BACKLOG } from './firmware/helpers.js';

const WIFI_LED_PAD = 8; // WifiLED_n in the RMC021 backlog
const SDK_START_MS = 200; // openBekenFirmware's default sdkStartMs
/** A toggle comes on the first quick tick where the accumulated time exceeds the limit. */
const halfPeriod = (limitMs: number) => (Math.floor(limitMs / QUICK_TICK_MS) + 1) * QUICK_TICK_MS;
const ms = (e: Edge) => Number(e.tNs) / 1e6;
const round = (x: number) => Math.round(x * 1000) / 1000;

async function waitFor<T>(clock: VirtualClock, probe: () => T | undefined, what: string): Promise<T> {
  for (let i = 0; i < 200; i++) {
    const v = probe();
    if (v !== undefined) return v;
    await sleep(clock, 10);
  }
  throw new Error(`no ${what} within 2 s of virtual time`);
}

describe('one VirtualClock drives a simulated module end to end', () => {
  test('download window, app boot and the Wi-Fi LED rates land at exact virtual times; 10 s cost under 1 s of wall time', async () => {
    const clock = new VirtualClock({ startMs: 1000 });
    const m = createSimModule({ clock, timing: 'realistic', downloadWindowMs: 150, factoryImage: false });
    try {
      generateTestImage({ version: '1.18.0-plugrig' }).copy(m.flash.data, 0);
      m.setFirmware(openBekenFirmware()); // no clock of its own: it runs on the module's
      // First boot: configure the pins over the firmware's HTTP API (real loopback), then power off.
      m.powerNet.setHostDrive(1);
      const url = await waitFor(clock, () => m.httpUrl(), 'firmware HTTP');
      const res = await fetch(`${url}/cm?cmnd=${encodeURIComponent(RMC021_BACKLOG)}`, { signal: AbortSignal.timeout(5000) });
      expect(await res.text()).toBe('{}');
      m.powerNet.setHostDrive(0);
      await sleep(clock, 100);

      const states: [ModuleState, number][] = [];
      m.onStateChange((s) => states.push([s, clock.now()]));
      const led = simInputLine('wifi-led', m.pads.get(WIFI_LED_PAD)!);
      const edges: Edge[] = [];
      led.watch((e) => edges.push(e));

      const t0 = clock.now();
      m.powerNet.setHostDrive(1);
      const wall0 = performance.now();
      await sleep(clock, 10_000);
      const wallMs = performance.now() - wall0;

      // The ROM listens from power-on and gives up after exactly downloadWindowMs.
      expect(states).toEqual([
        ['rom-listen', t0],
        ['app', t0 + 150],
      ]);
      const app = t0 + 150;

      // Pin setup drives the WifiLED_n pad low (it was pulled up): a falling edge at boot.
      expect(round(ms(edges[0]!))).toBe(app);
      expect(edges[0]!.level).toBe(0);
      // The first toggle (LED on, pad low) makes no edge; the second (off, high) is the first rise.
      const slow = halfPeriod(WIFI_LED_SLOW_MS); // 525 ms while connecting
      const firstToggle = Math.ceil((WIFI_LED_SLOW_MS - SDK_START_MS + 1) / QUICK_TICK_MS) * QUICK_TICK_MS; // 325 ms
      expect(round(ms(edges[1]!))).toBe(app + firstToggle + slow);
      expect(edges[1]!.level).toBe(1);

      // Every gap between toggles while connecting is the slow half-period; once the open AP is up
      // (OPEN_AP_DELAY_S after boot) the gaps are the fast one.
      const apUp = app + OPEN_AP_DELAY_S * 1000;
      const toggles = edges.slice(1).map(ms);
      const gaps = toggles.slice(1).map((t, i) => ({ at: t, gap: round(t - toggles[i]!) }));
      const before = gaps.filter((g) => g.at <= apUp).map((g) => g.gap);
      const after = gaps.filter((g) => g.at > apUp + halfPeriod(WIFI_LED_FAST_MS)).map((g) => g.gap);
      expect(before.length).toBeGreaterThanOrEqual(6);
      expect(new Set(before)).toEqual(new Set([slow]));
      expect(after.length).toBeGreaterThanOrEqual(10);
      expect(new Set(after)).toEqual(new Set([halfPeriod(WIFI_LED_FAST_MS)])); // 275 ms
      expect(edges.every((e, i) => i === 0 || e.level !== edges[i - 1]!.level)).toBe(true);

      // Ten seconds of the module's life (400 quick ticks, 10 second ticks, ~30 LED edges) in virtual time.
      expect(clock.now() - t0).toBe(10_000);
      expect(wallMs).toBeLessThan(1000);
      await led.close();
    } finally {
      await m.close();
      clock.stop();
    }
  });
});
