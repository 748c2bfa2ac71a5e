import { describe, test, expect } from '@jest/globals';
import { wifiLedPhase } from '../../src/checks/led.js';
import type { VirtualClock } from '../../src/core/virtual-clock.js';
import { ObkClient } from '../../src/device/obk-client.js';
import { parseTemplate } from '../../src/device/template.js';
import type { FakeObk } from '../device/fake-obk.js';
import { useFakeObk } from '../device/fake-obk-fixture.js';
import { fakeContext, inputLine, rigResources, Wire } from './fakes.js';

// The LED, the line and the phase share one virtual clock: the 2 s watches cost no real time.
let clock: VirtualClock;
let fake: FakeObk;
useFakeObk((c, f) => ([clock, fake] = [c, f]));

const pin = parseTemplate({ pins: { '8': 'WifiLED_n;0' } }).pins[0]!;

const ledResources = (wire: Wire) =>
  rigResources({ client: new ObkClient({ url: fake.url, clock }), clock, fixture: [[8, { kind: 'input', pad: 8, line: inputLine(wire) }]] });

/** The LED as a peer drives it: toggles every `halfMs` (0 = steady at `level`). */
async function measure(halfMs: number, level: 0 | 'z' = 'z') {
  const wire = new Wire('P8', clock);
  wire.setPeer(level);
  const timer = halfMs ? clock.setInterval(() => wire.setPeer(wire.peer === 0 ? 'z' : 0), halfMs) : undefined;
  const ctx = fakeContext(undefined, 'wifi-led', clock, ledResources(wire));
  try {
    await wifiLedPhase({ pin, limits: { watchMs: 2000 } }).run(ctx);
  } finally {
    clock.clearInterval(timer);
  }
  return ctx;
}

describe('Wi-Fi LED phase', () => {
  test('AP fast blink (toggle every 275 ms) passes with period ≈ 550 ms and duty ≈ 0.5', async () => {
    const ctx = await measure(275);
    expect(ctx.failed()).toEqual([]);
    expect(ctx.get('wifi_led_period')!.value as number).toBeGreaterThan(530);
    expect(ctx.get('wifi_led_period')!.value as number).toBeLessThan(580);
    expect(ctx.get('wifi_led_duty')!.value as number).toBeCloseTo(0.5, 1);
  });

  test('slow blink (525 ms halves) fails on the period and says why', async () => {
    const ctx = await measure(525);
    const p = ctx.get('wifi_led_period')!;
    expect(p.verdict).toBe('FAIL');
    expect(p.note).toContain('slow blink');
  });

  test('a steady LED fails with its level and polarity in the note', async () => {
    const ctx = await measure(0, 0);
    const p = ctx.get('wifi_led_period')!;
    expect(p).toMatchObject({ value: null, verdict: 'FAIL' });
    expect(p.note).toContain('steady on (P8 level 0, WifiLED_n)');
  });

  test('a boot recording that cannot tell the polarity fails the phase instead of passing silently', async () => {
    const wire = new Wire('P8', clock);
    const timer = clock.setInterval(() => wire.setPeer(wire.peer === 0 ? 'z' : 0), 275);
    const ctx = fakeContext(undefined, 'wifi-led', clock, ledResources(wire));
    // the rig watched the boot but saw no edges at all (e.g. the LED line has no pull-up)
    const silent = { bootNs: clock.nowNs(), edges: () => [] };
    try {
      await wifiLedPhase({
        pin,
        limits: { watchMs: 1500 },
        bootWatch: () => silent,
      }).run(ctx);
    } finally {
      clock.clearInterval(timer);
    }
    const m = ctx.get('wifi_led_boot_low_excess')!;
    expect(m).toMatchObject({ value: null, verdict: 'FAIL' });
    expect(m.note).toMatch(/^polarity could not be judged from the boot recording: no rising edge/);
  });
});
