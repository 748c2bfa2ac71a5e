/**
 * The firmware on the real simulated module, on a virtual clock shared by the test and the module:
 * the module boots it when the ROM window expires, resets stop it, and the module's early-reset
 * counter puts it in safe mode. HTTP is real loopback.
 */
import { afterEach, beforeEach, describe, expect, test } from '@jest/globals';
import { sleep as clockSleep } from '../../../src/core/clock.js';
import { VirtualClock } from '../../../src/core/virtual-clock.js';
import { createSimModule, type SimModule } from '../../../src/sim/index.js';
import { openBekenFirmware } from '../../../src/sim/firmware/index.js';
import { generateTestImage } from '../../../src/bk7231/test-image.js';
import { RMC021_BACKLOG } from './helpers.js';

let clock: VirtualClock;
beforeEach(() => {
  clock = new VirtualClock();
});
afterEach(() => clock.stop());
const sleep = (ms: number) => clockSleep(clock, ms);

/** Polls every 10 ms of virtual time; a bounded number of polls. */
async function waitFor<T>(what: string, probe: () => T | undefined, timeoutMs = 3000): Promise<T> {
  for (let i = 0; i <= timeoutMs / 10; i++) {
    const v = probe();
    if (v !== undefined) return v;
    await sleep(10);
  }
  throw new Error(`timed out waiting for ${what}`);
}

function moduleWithImage(image: boolean): SimModule {
  const m = createSimModule({ timing: 'fast', factoryImage: !image, downloadWindowMs: 20, clock });
  if (image) generateTestImage({ version: '1.18.0-plugrig' }).copy(m.flash.data, 0);
  m.setFirmware(openBekenFirmware({ rebootGapMs: 50 }));
  return m;
}

async function powerOn(m: SimModule): Promise<string> {
  m.powerNet.setHostDrive(1);
  return waitFor('firmware HTTP', () => m.httpUrl());
}

async function cm(url: string, cmd: string): Promise<string> {
  const res = await fetch(`${url}/cm?cmnd=${encodeURIComponent(cmd)}`, { signal: AbortSignal.timeout(3000) });
  return res.text();
}

describe('OpenBeken firmware on the simulated module', () => {
  test('the Tuya factory image boots silently (no HTTP)', async () => {
    const m = moduleWithImage(false);
    m.powerNet.setHostDrive(1);
    await waitFor('app state', () => (m.state === 'app' ? true : undefined));
    await sleep(50);
    expect(m.httpUrl()).toBeUndefined();
    await m.close();
  });

  test('generated image boots; configure, restart, click the button; power off stops it', async () => {
    const m = moduleWithImage(true);
    const logs: string[] = [];
    m.onLog((l) => logs.push(l));
    let url = await powerOn(m);
    const info = JSON.parse(await (await fetch(`${url}/api/info`)).text()) as Record<string, string>;
    expect(info.build).toBe('Built on Nov 29 2026 08:00:00 version 1.18.0-plugrig');
    expect(info.mac).toBe(m.mac);
    expect(await cm(url, RMC021_BACKLOG)).toBe('{}');
    await cm(url, 'restart 0');
    await sleep(150); // reboot gap 50 ms
    url = await waitFor('HTTP after restart', () => m.httpUrl());
    expect(await cm(url, 'STATUS 8')).toContain('"ENERGY"');
    const p10 = m.pads.get(10)!;
    const p26 = m.pads.get(26)!;
    expect(p26.level()).toBe(0);
    // a single click is safe at any uptime (only double clicks are hazardous in the first 5 s)
    p10.setHostDrive(0);
    await sleep(150);
    const released = clock.now();
    p10.setHostDrive('z');
    await waitFor('relay on', () => (p26.level() === 1 ? true : undefined), 2000);
    expect(clock.now() - released).toBeGreaterThan(300);
    expect(await cm(url, 'POWER')).toBe('{"POWER":"ON"}');
    m.powerNet.setHostDrive(0);
    await sleep(50);
    expect(m.httpUrl()).toBeUndefined();
    await expect(fetch(`${url}/api/info`, { signal: AbortSignal.timeout(1000) })).rejects.toThrow();
    expect(p26.moduleDrive()).toBe('z');
    expect(logs).toContain('Info:MAIN:Main_Init_Before_Delay');
    await m.close();
  });

  test('more than 4 power cuts before 5 s uptime: the next boot is in safe mode', async () => {
    const m = moduleWithImage(true);
    let url = await powerOn(m);
    await cm(url, RMC021_BACKLOG);
    for (let i = 0; i < 5; i++) {
      m.powerNet.setHostDrive(0);
      await sleep(20);
      url = await powerOn(m);
    }
    expect(m.earlyResets).toBe(5);
    const s8 = await cm(url, 'STATUS 8');
    expect(s8).not.toContain('ENERGY'); // no drivers in safe mode
    expect(m.pads.get(26)!.moduleDrive()).toBe('z');
    await m.close();
  });
});
