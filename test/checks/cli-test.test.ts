import { describe, test, expect } from '@jest/globals';
import type { VirtualClock } from '../../src/core/virtual-clock.js';
import { cli } from '../cli/run-cli.js';
import { useFakeObk } from '../device/fake-obk-fixture.js';
import type { FakeObk } from '../device/fake-obk.js';

// The command and the fake device share one virtual clock (the simulated module stays unpowered).
let clock: VirtualClock;
let fake: FakeObk;
useFakeObk(
  (c, f) => {
    [clock, fake] = [c, f];
    fake.configureRmc021();
  },
  { scope: 'all' },
);

describe('plugrig test', () => {
  test('runs the derived plan on the sim rig; a dark LED fails its phase with the reason and stops the run', async () => {
    // The HTTP side is a fake that answers well; the simulated module behind the rig's lines is
    // unpowered, so the LED never blinks: the run must fail there, say why, and skip the rest.
    const r = await cli(['test', '--rig', 'rigs/sim.json', '--url', fake.url], { clock });
    expect(r.code).toBe(1);
    expect(r.out).toContain('identity, wifi-led, relay, relay-button, bl0937');
    expect(r.out).toMatch(/identity: PASS/);
    expect(r.out).toMatch(/✗ wifi_led_period = null ms .*: FAIL — steady/);
    expect(r.out).toMatch(/wifi-led: FAIL/);
    expect(r.out).toMatch(/relay: SKIP/);
    expect(r.out).toMatch(/relay-button: SKIP/);
    expect(r.out).toMatch(/RESULT: FAIL/);
  }, 30_000);

  test('a missing rig file is one clear line', async () => {
    const r = await cli(['test', '--rig', 'rigs/none.json']);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^E_RIG_INVALID: .*none\.json: no such rig file/);
  });
});
