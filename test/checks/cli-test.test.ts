import { describe, test, expect } from '@jest/globals';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
    const store = mkdtempSync(join(tmpdir(), 'plugrig-test-cli-'));
    const r = await cli(['test', '--rig', 'rigs/sim.json', '--url', fake.url, '--store', store], { clock });
    expect(r.code).toBe(1);
    // The console format of `run` (report/console.ts): the plan once, phase lines, the failure, the verdict.
    expect(r.out.match(/identity → wifi-led → relay → relay-button → bl0937/g)).toHaveLength(1);
    expect(r.out).toMatch(/^\[sim\] identity PASS/m);
    expect(r.out).toMatch(/^\[sim\] wifi-led: wifi_led_period = null ms .*: FAIL — steady/m);
    expect(r.out).toMatch(/^\[sim\] wifi-led FAIL/m);
    expect(r.out).toMatch(/^\[sim\] relay SKIP/m);
    expect(r.out).toMatch(/^\[sim\] relay-button SKIP/m);
    // The last line names the phase and the measurement that failed.
    expect(r.out.trimEnd().split('\n').at(-1)).toMatch(/^\[sim\] run FAIL in \d+s — failed in wifi-led: wifi_led_period = null ms/);
    // `test` writes a record too, so the unit's history holds its re-tests.
    const rec = await cli(['records', '--store', store, '--json']);
    const recs = JSON.parse(rec.out) as { outcome: string; phases: { name: string }[] }[];
    expect(recs).toHaveLength(1);
    expect(recs[0]!.outcome).toBe('FAIL');
    expect(recs[0]!.phases.map((p) => p.name)).toEqual(['identity', 'wifi-led', 'relay', 'relay-button', 'bl0937']);
  }, 30_000);

  test('a missing rig file is one clear line', async () => {
    const r = await cli(['test', '--rig', 'rigs/none.json']);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^E_RIG_INVALID: .*none\.json: no such rig file/);
  });
});
