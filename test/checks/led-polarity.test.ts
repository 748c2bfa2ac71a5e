/**
 * Pure: the Wi-Fi LED role from the pad's first low stretch after boot versus its first high
 * pulse. Edge timelines are built from OpenBeken's rules (pin setup drives low, first toggle =
 * LED on, toggles > 500 ms apart on 25 ms ticks, the first one sooner by the RTOS uptime), not
 * from the simulator.
 */
import { describe, test, expect } from '@jest/globals';
import { bootPolarity, bootPolarityLimits, BOOT_POLARITY_THRESHOLD_MS } from '../../src/checks/led.js';
import { judge } from '../../src/core/measurement.js';
import type { Edge } from '../../src/io/types.js';

const BOOT = 5_000_000_000n;
const at = (level: 0 | 1, ms: number): Edge => ({ level, tNs: BOOT + BigInt(Math.round(ms * 1e6)) });

/**
 * Pad edges for a role: setup at `setupMs` (falling if the pad was pulled up before), first toggle
 * `firstMs` later, then 525 ms halves. WifiLED_n writes low at the first toggle (no edge).
 */
function timeline(role: 'WifiLED' | 'WifiLED_n', setupMs: number, firstMs: number, pulledUp = true): Edge[] {
  const e: Edge[] = pulledUp ? [at(0, setupMs)] : [];
  let pad: 0 | 1 = 0; // after setup
  let t = setupMs + firstMs;
  let on = true; // the first toggle turns the LED on
  for (let i = 0; i < 5; i++, t += 525, on = !on) {
    const level: 0 | 1 = role === 'WifiLED_n' ? (on ? 0 : 1) : on ? 1 : 0;
    if (level !== pad) e.push(at(level, t)); // writing the level the pad already has is no edge
    pad = level;
  }
  return e;
}

const verdict = (edges: Edge[], templateInverted: boolean) => {
  const p = bootPolarity(BOOT, edges);
  if (!p.taken) throw new Error(`not taken: ${p.note}`);
  return judge(p.excessMs, bootPolarityLimits(templateInverted));
};

describe('boot polarity of the Wi-Fi LED', () => {
  // first toggle 25 ms after setup (RTOS uptime already > 500 ms) up to 525 ms (uptime 0)
  test.each([25, 200, 500, 525])('first toggle %i ms after setup: WifiLED_n passes, WifiLED (inverted) fails the WifiLED_n limits', (first) => {
    expect(verdict(timeline('WifiLED_n', 300, first), true)).toBe('PASS');
    expect(verdict(timeline('WifiLED', 300, first), true)).toBe('FAIL');
    // and the other way round for a template that says WifiLED
    expect(verdict(timeline('WifiLED', 300, first), false)).toBe('PASS');
    expect(verdict(timeline('WifiLED_n', 300, first), false)).toBe('FAIL');
  });

  test('measures from the setup edge, and names the role it saw', () => {
    const p = bootPolarity(BOOT, timeline('WifiLED_n', 300, 200));
    expect(p).toMatchObject({ taken: true, lowMs: 725, highMs: 525, excessMs: 200, fromSetupEdge: true });
    if (p.taken) expect(p.note).toContain('WifiLED_n (on = low)');
    const q = bootPolarity(BOOT, timeline('WifiLED', 300, 200));
    expect(q).toMatchObject({ taken: true, excessMs: -325 });
    if (q.taken) expect(q.note).toContain('WifiLED (on = high)');
  });

  test('the margin is half a 25 ms tick each side', () => {
    expect(BOOT_POLARITY_THRESHOLD_MS).toBe(12.5);
    const worstN = bootPolarity(BOOT, timeline('WifiLED_n', 300, 25));
    const worstP = bootPolarity(BOOT, timeline('WifiLED', 300, 525));
    expect(worstN.taken && worstN.excessMs).toBe(25);
    expect(worstP.taken && worstP.excessMs).toBe(0);
  });

  test('edges before boot and repeated levels are ignored', () => {
    const edges = [at(1, -400), at(0, -200), at(1, -100), at(1, 0), ...timeline('WifiLED_n', 300, 200)];
    expect(bootPolarity(BOOT, edges)).toMatchObject({ taken: true, excessMs: 200 });
  });

  test('no setup edge (pad low already at boot): a long low stretch is only an upper bound → not taken', () => {
    const p = bootPolarity(BOOT, timeline('WifiLED_n', 300, 200, false));
    expect(p.taken).toBe(false);
    expect(p.note).toContain('upper bound');
  });

  test('no setup edge but the pad rose sooner than a high pulse lasts: decided (inverted for WifiLED_n)', () => {
    const p = bootPolarity(BOOT, timeline('WifiLED', 100, 200, false));
    expect(p).toMatchObject({ taken: true, fromSetupEdge: false, excessMs: 300 - 525 });
    expect(verdict(timeline('WifiLED', 100, 200, false), true)).toBe('FAIL');
  });

  test('not taken, with the reason, when the pad never rose or the first high pulse has not ended', () => {
    expect(bootPolarity(BOOT, [at(0, 300)])).toMatchObject({ taken: false, note: expect.stringContaining('never went high') });
    expect(bootPolarity(BOOT, [at(0, 300), at(1, 1000)])).toMatchObject({ taken: false, note: expect.stringContaining('not ended') });
    expect(bootPolarity(BOOT, [])).toMatchObject({ taken: false });
  });
});
