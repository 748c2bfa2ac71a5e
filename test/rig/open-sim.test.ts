/**
 * The simulated rig end to end: rigs/sim.json opened through openRig (the same assembly a Pi rig
 * gets), the flasher acquiring the link through the rig's reset sequences over the real serialport
 * stream on the sim binding, pad safety around resets, the boot guard, and release on abort.
 */
import { describe, test, expect, afterEach } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { validateRig, PACKAGE_ROOT } from '../../src/rig/config.js';
import { openRig } from '../../src/rig/open.js';
import { BootGuard } from '../../src/rig/boot-guard.js';
import { Flasher } from '../../src/bk7231/flasher.js';
import { createSimModule } from '../../src/sim/index.js';
import type { OpenRig } from '../../src/rig/assemble.js';
import type { SimModuleHandle } from '../../src/sim/types.js';
import { VirtualClock } from '../../src/core/virtual-clock.js';
import { inputLine, outputLine } from './fixture-lines.js';

const simFile = resolve(PACKAGE_ROOT, 'rigs/sim.json');
type RigJsonEdit = (json: Record<string, any>) => void;
/** rigs/sim.json on fast timing with `sim` merged into its sim section; `edit` may change the rest first. */
function simConfig(sim: Record<string, unknown> = {}, edit?: RigJsonEdit) {
  const json = JSON.parse(readFileSync(simFile, 'utf8'));
  json.sim = { ...json.sim, timing: 'fast', ...sim };
  edit?.(json);
  return validateRig(json, simFile);
}

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
});

async function open(sim: Record<string, unknown> = {}, extra: Parameters<typeof openRig>[1] = {}, edit?: RigJsonEdit) {
  const config = simConfig(sim, edit);
  const module = createSimModule(config.sim);
  cleanups.push(() => module.close());
  const rig = await openRig(config, { simulator: module, ...extra });
  cleanups.push(() => rig.close());
  return { rig, module: module as SimModuleHandle };
}

describe('the simulated rig', () => {
  test('exposes every fixture line by pad with the kind the rig file gave', async () => {
    const { rig } = await open();
    expect([...rig.fixture.values()].map((f) => [f.pad, f.kind])).toEqual([
      [6, 'pulse'],
      [7, 'pulse'],
      [8, 'input'],
      [10, 'output'],
      [24, 'input'],
      [26, 'input'],
    ]);
    expect(rig.resets.map((r) => r.name)).toEqual(['cen-pulse', 'power-cycle']);
    expect(rig.line('button')?.pad).toBe(10);
  });

  test('the flasher gets the link through the rig’s CEN pulse on the first cycle and identifies the chip', async () => {
    const { rig, module } = await open({ mac: 'C8478C0A0B0C' });
    const port = await rig.uart.open({ baudRate: 115200 });
    const flasher = await Flasher.connect({ port, resets: rig.resets, baudRate: 921600, link: { cycles: 3, listenMs: 300 } });
    cleanups.push(() => flasher.close());
    expect(flasher.link).toMatchObject({ cycles: 1, reset: 'cen-pulse' });
    expect(flasher.identity.mac).toBe('C8478C0A0B0C');
    expect(flasher.identity.chipId).toBe(0x7231c);
    expect(module.state).toBe('download');
    expect(module.powerNet.level()).toBe(1); // the reset powered the module first
  });

  test('when the CEN pulse does not reach the chip, the flasher falls back to the rig’s power cycle', async () => {
    const { rig, module } = await open({ downloadWindowMs: 20 }, {}, (json) => {
      json.sequences = { 'cen-pulse': 'cen=1; wait 120ms; cen=1' }; // a CEN wire that is not connected
    });
    await rig.power!.set(1);
    await new Promise((r) => setTimeout(r, 60)); // past the download window: the app runs
    expect(module.state).toBe('app');
    const port = await rig.uart.open({ baudRate: 115200 });
    const flasher = await Flasher.connect({ port, resets: rig.resets, baudRate: 115200, link: { cycles: 4, listenMs: 200 } });
    cleanups.push(() => flasher.close());
    expect(flasher.link).toMatchObject({ cycles: 2, reset: 'power-cycle' });
  });

  test('a held button (P10 = RX1) is released before every reset', async () => {
    const { rig, module } = await open();
    const button = outputLine(rig, 'button');
    await button.set(0);
    expect(module.pads.get(10)!.level()).toBe(0);
    let p10AtReset: number | undefined;
    const off = module.cenNet.onChange((level) => {
      if (level === 0) p10AtReset = module.pads.get(10)!.level();
    });
    await rig.resets[0]!.run();
    off();
    expect(p10AtReset).toBe(1);
    expect(module.pads.get(10)!.hostDrive()).toBe('z');
  });

  test('releaseUartPads, and opening the flashing UART, stop driving P10', async () => {
    const { rig, module } = await open();
    const button = outputLine(rig, 'button');
    await button.set(0);
    await rig.releaseUartPads();
    expect(module.pads.get(10)!.hostDrive()).toBe('z');
    await button.set(0);
    const port = await rig.uart.open({ baudRate: 115200 });
    expect(module.pads.get(10)!.hostDrive()).toBe('z');
    await new Promise<void>((r) => port.close(() => r()));
  });

  test('a module the rig creates boots the firmware it is given', async () => {
    let booted = 0;
    const rig = await openRig(simConfig({ downloadWindowMs: 5 }), { firmware: () => (booted++, { stop: async () => {} }) });
    cleanups.push(() => rig.close());
    await rig.boot!.run();
    const end = Date.now() + 2000;
    while (booted === 0 && Date.now() < end) await new Promise((r) => setTimeout(r, 5));
    expect(booted).toBe(1);
  });

  test('after boot a second reset within 6 s is refused (OpenBeken safe-mode counter)', async () => {
    let now = 0;
    const { rig } = await open({}, { bootGuard: new BootGuard(6000, () => now) });
    await rig.boot!.run();
    now = 1500;
    await expect(rig.resets[0]!.run()).rejects.toMatchObject({ code: 'E_RESET_TOO_SOON', hint: 'wait 4500 ms before resetting the module again' });
    await expect(rig.boot!.run()).rejects.toMatchObject({ code: 'E_RESET_TOO_SOON' });
    now = 6000;
    await rig.resets[0]!.run();
  });

  test('Rig.clock: the reset sequences and the boot guard run on the clock the rig was opened with', async () => {
    const clock = new VirtualClock({ autoAdvance: false });
    const { rig } = await open({}, { clock });
    expect(rig.clock).toBe(clock);
    /** Steps the hand-driven clock until `p` settles; returns the virtual ms it took. */
    const stepThrough = async (p: Promise<void>) => {
      let done = false;
      void p.finally(() => (done = true)).catch(() => undefined);
      const t0 = clock.now();
      for (let i = 0; i < 2000 && !done; i++) {
        await new Promise((r) => setImmediate(r));
        if (!done) clock.advance(10);
      }
      await p;
      return clock.now() - t0;
    };
    const reset = rig.resets[0]!;
    expect(await stepThrough(reset.run())).toBeGreaterThanOrEqual(reset.durationMs);
    await stepThrough(rig.boot!.run());
    await expect(reset.run()).rejects.toMatchObject({ code: 'E_RESET_TOO_SOON' });
    clock.advance(6000);
    await stepThrough(reset.run());
  });

  test('an abort closes the rig: every line released, power net back to its pull-down', async () => {
    const ac = new AbortController();
    const { rig, module } = await open({}, { signal: ac.signal });
    await rig.resets[0]!.run();
    expect(module.powerNet.hostDrive()).toBe(1);
    ac.abort();
    await new Promise((r) => setTimeout(r, 10));
    expect(module.powerNet.hostDrive()).toBe('z');
    expect(module.cenNet.hostDrive()).toBe('z');
    await expect(rig.resets[0]!.run()).rejects.toMatchObject({ code: 'E_RIG_CLOSED' });
  });

  test('without a given simulator the rig creates one from the sim options and closes it with the rig', async () => {
    const rig: OpenRig = await openRig(simConfig());
    const port = await rig.uart.open({ baudRate: 115200 });
    expect(port.path).toMatch(/^sim:/);
    await new Promise<void>((r) => port.close(() => r()));
    await rig.close();
  });

  test('the debounceMs of an input in the rig file is the default of its watches', async () => {
    const { rig, module } = await open({}, {}, (json) => {
      json.fixture.relay.debounceMs = 20;
    });
    const relay = inputLine(rig, 'relay');
    const debounced: number[] = [];
    const raw: number[] = [];
    relay.watch((e) => debounced.push(e.level));
    relay.watch((e) => raw.push(e.level), 0);
    const p26 = module.pads.get(26)!;
    p26.setModuleDrive(0);
    p26.setModuleDrive(1);
    p26.setModuleDrive(0);
    expect(raw).toEqual([0, 1, 0]);
    expect(debounced).toEqual([]);
    await new Promise((r) => setTimeout(r, 50));
    expect(debounced).toEqual([0]);
  });

  test('a pulse output on P7 is seen by the module as a counted train', async () => {
    const { rig, module } = await open();
    const cf = rig.line('cf')!;
    if (cf.kind !== 'pulse') throw new Error('cf should be a pulse output');
    await cf.line.set(2000, 0.5);
    const p7 = module.pads.get(7)!;
    const t0 = p7.clock.now(); // the module's time base
    await new Promise((r) => setTimeout(r, 50));
    const n = p7.fallingEdgesBetween(t0, p7.clock.now());
    expect(n).toBeGreaterThan(60);
    expect(n).toBeLessThan(400);
  });
});
