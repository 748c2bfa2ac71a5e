/**
 * The Wi-Fi LED check against the real simulated module through the sim rig's fixture line, on one
 * clock shared by the host and the module (virtual once the simulator takes it): a unit reset (power-cycled, watch.markBoot) after being configured passes; with `led-inverted` the polarity
 * measurement fails the wifi-led phase while period and duty still pass (50 % duty hides it);
 * without a boot watch (`plugrig test`) the polarity is recorded UNCHECKED with the reason.
 */
import { describe, test, expect } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { buildCheckPhases } from '../../src/checks/plan.js';
import { startLedBootWatch, type LedBootWatch } from '../../src/checks/led.js';
import { ObkClient } from '../../src/device/obk-client.js';
import { parseTemplate } from '../../src/device/template.js';
import { PACKAGE_ROOT } from '../../src/rig/config.js';
import type { ObkSimFaultSpec, SimModule } from '../../src/sim/index.js';
import { buildResources } from '../../src/run/resources/index.js';
import { RMC021_BACKLOG } from '../sim/firmware/helpers.js';
import { fakeContext } from './fakes.js';
import { sleep as sleepOn } from '../../src/core/clock.js';
import { waitForDevice } from '../../src/checks/wait-for-device.js';
import { simTestFile } from '../run/shared-clock.js';
import { openSimUnit } from '../run/sim-unit.js';

const { clock, cleanups } = await simTestFile();
const sleep = (ms: number) => sleepOn(clock, ms);

const template = parseTemplate(JSON.parse(readFileSync(resolve(PACKAGE_ROOT, 'hardware/devices/rmc021.json'), 'utf8')));

async function httpUrl(m: SimModule, timeoutMs = 3000): Promise<string> {
  return (await waitForDevice(() => m.httpUrl(), { clock, timeoutMs, intervalMs: 10 })).url;
}

/** A simulated RMC021 on the sim rig, configured, then power-cycled under a boot watch on P8. */
async function bootedUnit(faults: ObkSimFaultSpec[]) {
  const { module, rig } = await openSimUnit(clock, cleanups, { rigSim: { downloadWindowMs: 20 }, module: { factoryImage: false }, faults, testImage: true });
  // watching from the first power-up: the configuring boot (role assigned at run time) must be ignored
  const resources0 = buildResources({ rig, template, client: new ObkClient({ url: () => module.httpUrl(), clock }) });
  const watch: LedBootWatch = startLedBootWatch(resources0.fixture.watch(8), { clock });
  cleanups.push(async () => watch.close());
  module.powerNet.setHostDrive(1);
  await fetch(`${await httpUrl(module)}/cm?cmnd=${encodeURIComponent(RMC021_BACKLOG)}`);
  await sleep(1200); // the runtime-assigned WifiLED_n blinks a while: a pattern that says nothing
  module.powerNet.setHostDrive(0);
  await sleep(30);
  watch.markBoot(); // power returns now
  module.powerNet.setHostDrive(1);
  const client = new ObkClient({ url: await httpUrl(module), clock });
  return { rig, client, watch, resources: buildResources({ rig, template, client }) };
}

async function ledPhase(unit: Awaited<ReturnType<typeof bootedUnit>>, withWatch: boolean) {
  const phases = buildCheckPhases({
    rig: unit.rig,
    template,
    options: { ledLimits: { watchMs: 1500 }, ...(withWatch ? { ledBootWatch: (gpio: number) => (gpio === 8 ? unit.watch : undefined) } : {}) },
  });
  const phase = phases.find((p) => p.name === 'wifi-led')!;
  const ctx = fakeContext(undefined, 'wifi-led', clock, unit.resources);
  await phase.run(ctx);
  return ctx;
}

describe('Wi-Fi LED polarity on the simulated module', () => {
  test('fault-free passes, led-inverted fails on the boot polarity only; no boot watch → UNCHECKED', async () => {
    const [good, bad] = await Promise.all([bootedUnit([]), bootedUnit(['led-inverted'])]);
    const [g, b] = await Promise.all([ledPhase(good, true), ledPhase(bad, true)]);

    expect(g.failed()).toEqual([]);
    expect(g.get('wifi_led_boot_low_excess')).toMatchObject({ verdict: 'PASS', unit: 'ms' });
    expect(g.get('wifi_led_boot_low_excess')!.value as number).toBeGreaterThan(200); // ~325: the first toggle left the pad low
    expect(g.get('wifi_led_boot_low_excess')!.note).toContain('WifiLED_n (on = low)');

    expect(b.failed().map((m) => m.name)).toEqual(['wifi_led_boot_low_excess']);
    expect(b.get('wifi_led_period')!.verdict).toBe('PASS');
    expect(b.get('wifi_led_duty')!.verdict).toBe('PASS');
    expect(b.get('wifi_led_boot_low_excess')!.value as number).toBeLessThan(-100); // ~-200: the first toggle drove it high
    expect(b.get('wifi_led_boot_low_excess')!.note).toContain('WifiLED (on = high)');

    // `plugrig test`: the unit is already running, nobody watched the boot
    const late = await ledPhase(good, false);
    expect(late.failed()).toEqual([]);
    expect(late.get('wifi_led_boot_low_excess')).toMatchObject({ value: null, verdict: 'UNCHECKED' });
    expect(late.get('wifi_led_boot_low_excess')!.note).toContain('not checked');
  }, 30_000);
});
