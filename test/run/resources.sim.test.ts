/**
 * The rig's resources (what t.device, t.fixture and t.power are on a rig) over the sim rig and the
 * simulated OpenBeken, on one clock shared by the host and the module: pads by number or name,
 * clear errors for unwired or wrongly wired pads, the relay and button through the fixture, the
 * Wi-Fi LED's blink, the BL0937 meter, and power cycle/reset through the early-reset guard.
 */
import { describe, expect, test } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { waitForDevice } from '../../src/checks/wait-for-device.js';
import { OBK_DEFAULT_CAL } from '../../src/checks/bl0937-math.js';
import type { UnitResources } from '../../src/core/resources.js';
import { ObkClient } from '../../src/device/obk-client.js';
import { parseTemplate } from '../../src/device/template.js';
import { PACKAGE_ROOT } from '../../src/rig/config.js';
import { buildResources, padNumber, rigPower } from '../../src/run/resources/index.js';
import type { SimModule } from '../../src/sim/index.js';
import { RMC021_BACKLOG } from '../sim/firmware/helpers.js';
import { simTestFile } from './shared-clock.js';
import { openSimUnit } from './sim-unit.js';

const { clock, cleanups } = await simTestFile();

const template = parseTemplate(JSON.parse(readFileSync(resolve(PACKAGE_ROOT, 'hardware/devices/rmc021.json'), 'utf8')));

async function served(m: SimModule): Promise<string> {
  return (await waitForDevice(() => m.httpUrl(), { clock, timeoutMs: 8000, intervalMs: 10 })).url;
}

/** A simulated RMC021 on the sim rig: powered through t.power, configured, power-cycled so the profile is live. */
async function unit() {
  const path = `sim:resources-${cleanups.length}`;
  const { module, rig } = await openSimUnit(clock, cleanups, { rigSim: { downloadWindowMs: 20 }, module: { factoryImage: false, path }, testImage: true });
  const notes: string[] = [];
  const client = new ObkClient({ url: () => rig.deviceUrl(), clock, timeoutMs: 2000, retries: 2, retryDelayMs: 50 });
  const r: UnitResources = buildResources({ rig, template, client, note: (m) => notes.push(m) });
  await r.power.on();
  await fetch(`${await served(module)}/cm?cmnd=${encodeURIComponent(RMC021_BACKLOG)}`);
  const cycled = await r.power.cycle({ offMs: 100 });
  await served(module);
  return { rig, module, r, notes, cycled };
}

const bench = unit();

describe('rigFixture over the sim rig', () => {
  test('pads by number or name; unwired and wrongly wired pads are errors naming the pad and the rig', async () => {
    const { r } = await bench;
    expect(padNumber('P26')).toBe(26);
    expect(r.fixture.has(26)).toBe(true);
    expect(r.fixture.has('P26')).toBe(true);
    expect(r.fixture.has(23)).toBe(false);
    expect(() => r.fixture.has('X26' as never)).toThrow(/not a module pad/);
    await expect(r.fixture.press(23, 100)).rejects.toMatchObject({ code: 'E_FIXTURE_PAD', message: 'press: pad P23 is not wired on rig sim' });
    await expect(r.fixture.press('P26', 100)).rejects.toMatchObject({
      code: 'E_FIXTURE_PAD',
      message: 'press: pad P26 (Rel) is wired as an input on rig sim, this needs an output',
    });
    expect(() => r.fixture.watch(10)).toThrow(/pad P10 \(Btn\) is wired as an output on rig sim, this needs an input/);
  });

  test('the relay pad follows POWER (waitFor, level), and a press on the button toggles it', async () => {
    const { r } = await bench;
    await r.device.setPower('ON');
    expect(await r.fixture.waitFor(26, 1, { timeoutMs: 1000 })).toMatchObject({ level: 1 });
    expect(await r.fixture.level('P26')).toBe(1);
    await r.device.setPower('OFF');
    expect(await r.fixture.waitFor(26, 0, { timeoutMs: 1000 })).toMatchObject({ level: 0 });
    // a short press after 6 s of uptime (never a double-click in the first seconds)
    const up = (await r.device.info()).uptimeS;
    if (up < 7) await new Promise<void>((ok) => clock.setTimeout(ok, (7 - up) * 1000));
    const w = r.fixture.watch(26);
    const { pressedNs, releasedNs } = await r.fixture.press(10, 300);
    expect(Number(releasedNs - pressedNs) / 1e6).toBeGreaterThanOrEqual(300);
    const edge = await w.waitFor(1, { timeoutMs: 1500 });
    w.stop();
    expect(edge).toBeDefined();
    expect((await r.device.power()).get('POWER')).toBe(true);
    await r.device.setPower('OFF');
  }, 30_000);

  test('blink: the Wi-Fi LED in AP mode blinks at ~550 ms, 50 %', async () => {
    const { r } = await bench;
    const s = await r.fixture.blink(8, { windowMs: 2500, onLevel: 0 });
    expect(s.periodMs).toBeGreaterThan(480);
    expect(s.periodMs).toBeLessThan(620);
    expect(s.duty).toBeGreaterThan(0.4);
    expect(s.duty).toBeLessThan(0.6);
  }, 30_000);

  test('meter: a load on CF/CF1 following SEL reads back through STATUS 8; off() stops it', async () => {
    const { r } = await bench;
    const meter = r.fixture.meter!;
    expect(meter).toBeDefined();
    expect(meter.selInverted).toBe(false);
    expect(meter.constants).toEqual(OBK_DEFAULT_CAL);
    await meter.load({ volts: 230, amps: 0.5, watts: 115 });
    expect(await meter.waitForSelEdges(4, { timeoutMs: 6000 })).toBe(true);
    const e = (await r.device.energy())!;
    expect(Math.abs(e.voltage - 230)).toBeLessThan(2);
    expect(Math.abs(e.power - 115)).toBeLessThan(3);
    expect(meter.worstFollowMs(1)).toBeLessThan(5);
    await meter.off();
    expect(meter.selEdges).toEqual([]);
  }, 30_000);
});

describe('rigPower over the sim rig', () => {
  test('cycle switches the supply; a reset right after a boot waits out the early-reset window first', async () => {
    const { r, module, notes, cycled } = await bench;
    expect(r.power.switchable).toBe(true);
    expect(cycled).toBe('supply off 100 ms, then on');
    await r.power.reset();
    const bootedAt = clock.now();
    await r.power.reset();
    expect(clock.now() - bootedAt).toBeGreaterThanOrEqual(6000);
    expect(notes.join('\n')).toMatch(/reset: waiting \d+ ms so the reset does not count toward OpenBeken's safe mode/);
    await served(module);
    expect((await r.device.info()).uptimeS).toBeLessThan(3);
  }, 30_000);

  test('no power line: not switchable, cycle falls back to a CEN reset and says so; no CEN either is an error naming the rig', async () => {
    const { rig } = await bench;
    const notes: string[] = [];
    const noPower = rigPower(
      { ...rig, name: rig.name, clock: rig.clock, power: undefined, releaseUartPads: () => rig.releaseUartPads() },
      { note: (m) => notes.push(m) },
    );
    expect(noPower.switchable).toBe(false);
    const text = await noPower.cycle();
    expect(text).toBe('rig sim cannot switch the supply (no power line): reset through CEN instead');
    expect(notes).toContain(text);
    await expect(noPower.off()).rejects.toMatchObject({ code: 'E_NO_RESOURCE', message: 'power off: rig sim has no power line' });
    const nothing = rigPower({ name: 'bare', clock, resets: [], releaseUartPads: async () => undefined });
    await expect(nothing.reset()).rejects.toMatchObject({ code: 'E_NO_RESOURCE', message: 'reset: rig bare has no cen line' });
  }, 30_000);
});
