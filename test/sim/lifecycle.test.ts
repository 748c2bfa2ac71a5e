/** Power / CEN state machine, download window, firmware hook, early-reset counter, UART2 banner, RX1 held low. */
import { describe, test, expect, afterEach, beforeEach } from '@jest/globals';
import { sleep } from '../../src/core/clock.js';
import { VirtualClock } from '../../src/core/virtual-clock.js';
import { createSimModule, type SimModule } from '../../src/sim/index.js';
import type { FirmwareContext, ModuleState } from '../../src/sim/types.js';
import { Host, hex, LINK_CHECK, LINK_REPLY } from './host.js';

/** Host and module share one virtual clock per test: waits cost no real time and land exactly. */
let clock: VirtualClock;
const wait = (ms: number) => sleep(clock, ms);
const cleanup: (() => Promise<void>)[] = [];
beforeEach(() => {
  clock = new VirtualClock();
});
afterEach(async () => {
  for (const c of cleanup.splice(0)) await c();
  clock.stop();
});

function make(opts: Parameters<typeof createSimModule>[0] = {}): SimModule {
  const m = createSimModule({ timing: 'fast', clock, ...opts });
  cleanup.push(() => m.close());
  return m;
}

async function open(m: SimModule): Promise<Host> {
  const h = await Host.open(m.uartPath, clock);
  cleanup.unshift(() => h.close());
  return h;
}

/** Installs a do-nothing firmware that records the early-reset count it is started with, boot by boot. */
function recordEarlyResets(m: SimModule): number[] {
  const counts: number[] = [];
  m.setFirmware((c) => {
    counts.push(c.earlyResets);
    return { stop: async () => {} };
  });
  return counts;
}

describe('power and CEN', () => {
  test('off until powered; CEN low holds reset; release → rom-listen → app after the window', async () => {
    const m = make({ downloadWindowMs: 30 });
    const seen: ModuleState[] = [];
    m.onStateChange((s) => seen.push(s));
    expect(m.state).toBe('off');
    m.cenNet.setHostDrive(0);
    m.powerNet.setHostDrive(1);
    expect(m.state).toBe('in-reset');
    m.cenNet.setHostDrive('z'); // released: pulled up on the module
    expect(m.state).toBe('rom-listen');
    await wait(60);
    expect(m.state).toBe('app');
    m.powerNet.setHostDrive(0);
    expect(seen).toEqual(['in-reset', 'rom-listen', 'app', 'off']);
  });

  test('after the window, protocol frames are ignored', async () => {
    const m = make({ downloadWindowMs: 20, powered: true });
    const h = await open(m);
    await wait(40);
    expect(m.state).toBe('app');
    await h.write(LINK_CHECK);
    expect((await h.collect(30)).length).toBe(0);
  });

  test('a LinkCheck inside the window enters download mode and stops the boot', async () => {
    const m = make({ downloadWindowMs: 20 });
    const h = await open(m);
    m.powerNet.setHostDrive(1);
    expect((await h.request(LINK_CHECK, 8)).equals(LINK_REPLY)).toBe(true);
    await wait(40);
    expect(m.state).toBe('download');
  });

  // A line the host holds low silences the ROM; letting it go brings the link check back.
  test.each([
    ['in reset the chip swallows everything (CEN low)', (m: SimModule) => m.cenNet, 1 as const],
    ['RX1 (P10) held low by the host: the ROM sees no valid bytes', (m: SimModule) => m.pads.get(10)!, 'z' as const],
  ])('%s', async (_name, netOf, letGo) => {
    const m = make({ powered: true, downloadWindowMs: Infinity });
    const h = await open(m);
    netOf(m).setHostDrive(0);
    await h.write(LINK_CHECK);
    expect((await h.collect(30)).length).toBe(0);
    netOf(m).setHostDrive(letGo);
    expect((await h.request(LINK_CHECK, 8)).equals(LINK_REPLY)).toBe(true);
  });

  test('SetBaudRate is forgotten by a reset: the ROM listens at 115200 again', async () => {
    const m = make({ powered: true, downloadWindowMs: Infinity });
    const h = await open(m);
    await h.request(LINK_CHECK, 8);
    await h.setBaudRate(hex('01 E0 FC 06 0F 00 10 0E 00 02'), 921600, 0);
    m.cenNet.setHostDrive(0);
    m.cenNet.setHostDrive(1);
    await h.write(LINK_CHECK); // still at 921600: garbage to the chip
    expect((await h.collect(30)).includes(LINK_REPLY)).toBe(false);
    await h.setBaud(115200);
    expect((await h.request(LINK_CHECK, 8)).equals(LINK_REPLY)).toBe(true);
  });
});

describe('firmware hook and UART2', () => {
  test('boot banner on UART2, then the firmware starts with the context; stop() on reset', async () => {
    const m = make({ downloadWindowMs: 10, mac: 'C8478C010203' });
    const lines: string[] = [];
    m.onLog((l) => lines.push(l));
    let ctx: FirmwareContext | undefined;
    let stopped = 0;
    m.setFirmware((c) => {
      ctx = c;
      c.log('OpenBK start');
      return { httpUrl: 'http://127.0.0.1:1/', stop: async () => void stopped++ };
    });
    m.powerNet.setHostDrive(1);
    await wait(40);
    expect(lines[0]).toBe('V:BK7231N_1.0.1');
    expect(lines).toContain('OpenBK start');
    expect(ctx!.mac).toBe('C8478C010203');
    expect(ctx!.pads.get(26)).toBe(m.pads.get(26));
    expect(ctx!.flash.read(0x1d0000, 4).toString('latin1')).toBe('TLV\0');
    expect(m.httpUrl()).toBe('http://127.0.0.1:1/');
    m.cenNet.setHostDrive(0);
    expect(stopped).toBe(1);
    expect(m.httpUrl()).toBeUndefined();
  });

  test('no firmware: a silent app, no HTTP', async () => {
    const m = make({ downloadWindowMs: 5, powered: true });
    await wait(30);
    expect(m.state).toBe('app');
    expect(m.httpUrl()).toBeUndefined();
  });

  test('early-reset counter: counts resets before 5 s of uptime, kept across resets', async () => {
    const m = make({ downloadWindowMs: 5 });
    const counts = recordEarlyResets(m);
    m.powerNet.setHostDrive(1);
    for (let i = 0; i < 3; i++) {
      await wait(20);
      m.cenNet.setHostDrive(0);
      m.cenNet.setHostDrive('z');
    }
    await wait(20);
    expect(counts).toEqual([0, 1, 2, 3]);
    expect(m.earlyResets).toBe(3);
    // a power cycle counts the same way (OpenBeken keeps it in flash)
    m.powerNet.setHostDrive(0);
    m.powerNet.setHostDrive(1);
    await wait(20);
    expect(counts.at(-1)).toBe(4);
  });

  test('early-reset counter clears once the app has run long enough', async () => {
    const m = make({ downloadWindowMs: 5, earlyResetClearMs: 40 });
    const counts = recordEarlyResets(m);
    m.powerNet.setHostDrive(1);
    await wait(15);
    m.cenNet.setHostDrive(0); // early: counts
    m.cenNet.setHostDrive('z');
    await wait(80); // app survives past the threshold: cleared
    expect(m.earlyResets).toBe(0);
    m.cenNet.setHostDrive(0); // a late reset does not count
    m.cenNet.setHostDrive('z');
    await wait(15);
    expect(counts).toEqual([0, 1, 0]);
  });

  test('a reset while an async firmware is starting stops it when it arrives', async () => {
    const m = make({ downloadWindowMs: 1, powered: true });
    let stopped = false;
    m.setFirmware(async () => {
      await wait(30);
      return { stop: async () => void (stopped = true) };
    });
    await wait(10);
    m.cenNet.setHostDrive(0);
    await wait(40);
    expect(stopped).toBe(true);
  });
});
