import { describe, expect, test } from '@jest/globals';
import { openBekenFirmware } from '../../../src/sim/firmware/index.js';
import { CONFIG_SECTOR } from '../../../src/sim/firmware/config.js';
import { bootFirmware, bootImage, configuredBench, edgesOf, makeBench, rmc021Bench, run, type Bench } from './helpers.js';

function click(bench: Bench, holdMs = 150, afterMs = 600): void {
  const p10 = bench.pads.get(10)!;
  p10.setHostDrive(0);
  run(bench, holdMs);
  p10.setHostDrive('z');
  run(bench, afterMs);
}

describe('image recognition and boot', () => {
  test('erased flash and a foreign (Tuya) image do not boot; an OpenBK7231N_ tag does', async () => {
    const bench = makeBench();
    expect(await openBekenFirmware({ clock: bench.clock })(bench.ctx())).toBeUndefined();
    bench.flash.data.fill(0x33, 0x11000, 0x20000);
    Buffer.from('tuya_bk7231n_factory 1.2.3\0OpenBK7231N_%02X%02X').copy(bench.flash.data, 0x11100);
    expect(await openBekenFirmware({ clock: bench.clock })(bench.ctx())).toBeUndefined();
    bench.flash.writeTag('OpenBK7231N_1.17.9', 0x40000);
    const fw = await bootFirmware(bench);
    expect(fw.runtime!.model.cfg.flags).toBe(1024n);
    expect(fw.httpUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    await fw.stop();
  });

  test('fault no-boot: recognised image hangs: no HTTP, no pads driven', async () => {
    const { bench, fw } = await bootImage('OpenBK7231N_1.17.9', { faults: ['no-boot'] });
    expect(fw.httpUrl).toBeUndefined();
    run(bench, 2000);
    for (const net of bench.pads.values()) expect(net.moduleDrive()).toBe('z');
    await fw.stop();
  });

  test('stop() clears every timer and releases the pads', async () => {
    const { bench, fw } = await rmc021Bench();
    fw.runtime!.runCommand('POWER ON');
    expect(bench.pads.get(26)!.moduleDrive()).toBe(1);
    await fw.stop();
    expect(bench.clock.pending).toBe(0);
    expect(bench.pads.get(26)!.moduleDrive()).toBe('z');
  });
});

describe('RMC021 pins on the simulated pads', () => {
  test('relay starts off, follows POWER with active-high polarity; Btn gets a pull-up', async () => {
    const { bench, fw } = await rmc021Bench();
    const p26 = bench.pads.get(26)!;
    expect(p26.level()).toBe(0);
    expect(bench.pads.get(10)!.level()).toBe(1); // internal pull-up holds the button released
    fw.runtime!.runCommand('POWER ON');
    expect(p26.level()).toBe(1);
    fw.runtime!.runCommand('POWER TOGGLE');
    expect(p26.level()).toBe(0);
    await fw.stop();
  });

  test('a click on P10 toggles the relay ~375-425 ms after release', async () => {
    const { bench, fw } = await rmc021Bench();
    run(bench, 6000); // past the 5 s double-click hazard
    const relay = edgesOf(bench, 26);
    click(bench, 150, 0);
    const releasedAt = bench.clock.now();
    run(bench, 600);
    expect(relay).toHaveLength(1);
    expect(relay[0]![0]).toBe(1);
    const delay = relay[0]![1] - releasedAt;
    expect(delay).toBeGreaterThanOrEqual(375);
    expect(delay).toBeLessThanOrEqual(425);
    click(bench);
    expect(bench.pads.get(26)!.level()).toBe(0);
    await fw.stop();
  });

  test('a long press does not toggle; a 50 ms glitch is ignored', async () => {
    const { bench, fw } = await rmc021Bench();
    run(bench, 6000);
    click(bench, 1500);
    click(bench, 50);
    expect(bench.pads.get(26)!.level()).toBe(0);
    await fw.stop();
  });

  test('double click in the first 5 s triggers the open-AP hazard, not the relay (channel2 = 0)', async () => {
    const { bench, fw } = await rmc021Bench();
    run(bench, 500);
    click(bench, 100, 150);
    click(bench, 100, 600);
    expect(fw.runtime!.model.openApHazards).toBe(1);
    expect(bench.pads.get(26)!.level()).toBe(0);
    expect(bench.logs.some((l) => l.includes('Wi-Fi credentials erased'))).toBe(true);
    await fw.stop();
  });

  test('Wi-Fi LED (WifiLED_n on P8): ~5 s slow blink, then AP fast blink; low = on', async () => {
    const { bench, fw } = await rmc021Bench();
    const p8 = bench.pads.get(8)!;
    expect(p8.level()).toBe(0); // pin setup drives the pad low (LED on for WifiLED_n), see wifi-led.ts
    const seen = edgesOf(bench, 8);
    const t0 = bench.clock.now();
    run(bench, 9000);
    // first toggle (325 ms: 525 less the 200 ms SDK start-up) writes LED on = low: no edge; the second (850 ms) turns it off
    expect(seen[0]).toEqual([1, t0 + 850]);
    const times = seen.map(([, t]) => t - t0);
    const gaps = times.slice(1).map((t, i) => t - times[i]!);
    const slow = gaps.filter((_g, i) => times[i + 1]! < 5000);
    const fast = gaps.filter((_g, i) => times[i]! > 5500);
    expect(new Set(slow)).toEqual(new Set([525]));
    expect(new Set(fast)).toEqual(new Set([275]));
    await fw.stop();
  });

  test('BL0937 on the pads: SEL starts high and flips each second; the worked example reads back', async () => {
    const { bench, fw } = await rmc021Bench();
    const sel = bench.pads.get(24)!;
    const cf1 = bench.pads.get(6)!;
    const cf = bench.pads.get(7)!;
    expect(sel.level()).toBe(1);
    cf.setHostPulse({ hz: 76.67, duty: 0.5 });
    const selLevels: number[] = [];
    // the rig's side: follow SEL with the voltage or current frequency
    const follow = () => cf1.setHostPulse({ hz: sel.level() ? 1735.5 : 42.17, duty: 0.5 });
    follow();
    sel.onChange(() => follow());
    for (let s = 0; s < 6; s++) {
      run(bench, 1000);
      selLevels.push(sel.level());
    }
    expect(selLevels).toEqual([0, 1, 0, 1, 0, 1]);
    const e = fw.runtime!.model.energy;
    expect(Math.abs(e.voltage - 230)).toBeLessThanOrEqual(0.1326);
    expect(Math.abs(e.current - 0.5)).toBeLessThanOrEqual(0.0119);
    expect(Math.abs(e.power - 115)).toBeLessThanOrEqual(1.5);
    const reply = JSON.parse(fw.runtime!.runCommand('STATUS 8')) as { StatusSNS: { ENERGY: Record<string, number> } };
    expect(reply.StatusSNS.ENERGY.Voltage).toBeCloseTo(e.voltage, 4);
    await fw.stop();
  });

  test('pulses made by driving CF directly are counted too', async () => {
    const { bench, fw } = await rmc021Bench();
    const cf = bench.pads.get(7)!;
    for (let i = 0; i < 10; i++) {
      cf.setHostDrive(0);
      cf.setHostDrive('z');
      bench.clock.advance(20);
    }
    run(bench, 1000);
    expect(fw.runtime!.model.bl.rawPower + fw.runtime!.model.energy.power).toBeGreaterThan(0);
    expect(fw.runtime!.model.energy.power).toBeCloseTo((10 * 1.5 * 1000) / 1000, 0);
    await fw.stop();
  });
});

describe('config persistence, restart and safe mode', () => {
  test('config survives a reset; erasing its sector restores factory defaults; reflashing the app keeps it', async () => {
    const { bench, fw } = await rmc021Bench();
    await fw.stop();
    bench.flash.writeTag('OpenBK7231N_1.18.1'); // a fresh app image, config sector untouched
    const again = await bootFirmware(bench);
    expect(again.runtime!.model.cfg.roles[26]).toBe(1);
    expect(again.runtime!.model.drivers.has('BL0937')).toBe(true);
    await again.stop();
    bench.flash.eraseSector(CONFIG_SECTOR);
    const fresh = await bootFirmware(bench);
    expect(fresh.runtime!.model.cfg.roles.every((r) => r === 0)).toBe(true);
    expect(fresh.runtime!.model.cfg.flags).toBe(1024n);
    await fresh.stop();
  });

  test('restart reboots internally after its delay: drivers start, HTTP URL unchanged', async () => {
    const { bench, fw } = await bootImage();
    const url = fw.httpUrl;
    run(bench, 6000);
    fw.runtime!.runCommand('backlog SetPinRole 6 BL0937CF1; SetPinRole 7 BL0937CF; SetPinRole 24 BL0937SEL; restart');
    expect(fw.runtime!.model.drivers.has('BL0937')).toBe(false);
    run(bench, 2900);
    expect(fw.runtime!.boots).toBe(1);
    run(bench, 200); // 3 s delay + 100 ms reboot gap
    expect(fw.runtime!.boots).toBe(2);
    expect(fw.runtime!.model.drivers.has('BL0937')).toBe(true);
    expect(fw.httpUrl).toBe(url);
    await fw.stop();
  });

  test('more than 4 early resets: safe mode, pads untouched, no drivers, AP after 5 s', async () => {
    const { bench, fw } = await rmc021Bench();
    await fw.stop();
    const four = await bootFirmware(bench, {}, 4);
    expect(four.runtime!.model.safeMode).toBe(false);
    await four.stop();
    const safe = await bootFirmware(bench, {}, 5);
    const m = safe.runtime!.model;
    expect(m.safeMode).toBe(true);
    expect(m.drivers.size).toBe(0);
    safe.runtime!.runCommand('POWER ON');
    run(bench, 6000);
    for (const net of bench.pads.values()) expect(net.moduleDrive()).toBe('z');
    expect(m.wifiMode()).toBe('ap');
    expect(safe.runtime!.runCommand('STATUS 8')).not.toContain('ENERGY');
    expect(bench.logs).toContain('Info:MAIN:###### safe mode activated - boot failures 5');
    await safe.stop();
  });
});

describe('fault switches (each changes one behaviour)', () => {
  test('relay-stuck: POWER reports ON but P26 stays at its boot level', async () => {
    const { bench, fw } = await rmc021Bench({ faults: ['relay-stuck'] });
    expect(fw.runtime!.runCommand('POWER ON')).toBe('{"POWER":"ON"}');
    expect(bench.pads.get(26)!.level()).toBe(0);
    await fw.stop();
  });

  test('button-unwired: a click changes nothing', async () => {
    const { bench, fw } = await rmc021Bench({ faults: ['button-unwired'] });
    run(bench, 6000);
    click(bench);
    expect(bench.pads.get(26)!.level()).toBe(0);
    expect(fw.runtime!.model.channels[1]).toBe(0);
    await fw.stop();
  });

  test('led-inverted: P8 starts low and the first toggle drives it high', async () => {
    const { bench, fw } = await rmc021Bench({ faults: ['led-inverted'] });
    expect(bench.pads.get(8)!.level()).toBe(0);
    run(bench, 550);
    expect(bench.pads.get(8)!.level()).toBe(1);
    await fw.stop();
  });

  test('sel-inverted: SEL still starts high, but voltage and current swap', async () => {
    const { bench, fw } = await rmc021Bench({ faults: ['sel-inverted'] });
    const sel = bench.pads.get(24)!;
    const cf1 = bench.pads.get(6)!;
    expect(sel.level()).toBe(1);
    const follow = () => cf1.setHostPulse({ hz: sel.level() ? 1735.5 : 42.17, duty: 0.5 });
    follow();
    sel.onChange(() => follow());
    run(bench, 4000);
    const e = fw.runtime!.model.energy;
    expect(e.voltage).toBeLessThan(10);
    expect(e.current).toBeGreaterThan(15);
    await fw.stop();
  });

  test('cal-off:+5 reads 5 % high', async () => {
    const { bench, fw } = await rmc021Bench({ faults: ['cal-off'] });
    bench.pads.get(7)!.setHostPulse({ hz: 100, duty: 0.5 });
    run(bench, 3000);
    expect(fw.runtime!.model.energy.power).toBeGreaterThan(150 * 1.05 - 1.6);
    expect(fw.runtime!.model.energy.power).toBeLessThan(150 * 1.05 + 1.6);
    await fw.stop();
  });
});

describe('inverted roles', () => {
  test('Rel_n drives low for on; Btn_n is pressed when the pad reads high; clearing a role releases its pad', async () => {
    const { bench, fw } = await configuredBench('backlog SetPinRole 26 Rel_n; SetPinChannel 26 1; SetPinRole 23 Btn_n; SetPinChannel 23 1');
    const p26 = bench.pads.get(26)!;
    const p23 = bench.pads.get(23)!;
    expect(p26.level()).toBe(1); // channel off → Rel_n high
    run(bench, 6000);
    p23.setHostDrive(0); // idle level for an _n button
    run(bench, 500);
    p23.setHostDrive(1);
    run(bench, 150);
    p23.setHostDrive(0);
    run(bench, 600);
    expect(fw.runtime!.model.channels[1]).toBe(1);
    expect(p26.level()).toBe(0);
    fw.runtime!.runCommand('SetPinRole 26 None');
    expect(p26.moduleDrive()).toBe('z');
    await fw.stop();
  });
});
