/** Test scaffolding: an in-memory NOR flash, a CB2S pad set on a hand-stepped virtual clock, and a booted firmware. */
import { VirtualClock } from '../../../src/core/virtual-clock.js';
import { PadNet } from '../../../src/sim/net.js';
import type { FirmwareContext, FlashView } from '../../../src/sim/types.js';
import { openBekenFirmware, type ObkSimFirmware, type OpenBekenSimOptions } from '../../../src/sim/firmware/index.js';

export const FLASH_SIZE = 0x200000;

export class MemFlash implements FlashView {
  readonly data = Buffer.alloc(FLASH_SIZE, 0xff);
  get size(): number {
    return this.data.length;
  }
  read(addr: number, len: number): Buffer {
    return Buffer.from(this.data.subarray(addr, addr + len));
  }
  eraseSector(addr: number): void {
    const base = addr & ~0xfff;
    this.data.fill(0xff, base, base + 0x1000);
  }
  program(addr: number, bytes: Buffer): void {
    for (let i = 0; i < bytes.length; i++) this.data[addr + i]! &= bytes[i]!; // NOR: only clears bits
  }
  writeTag(tag: string, at = 0x11000 + 0x100): void {
    this.data.fill(0x5a, 0x11000, 0x11000 + 0x4000);
    Buffer.from(`${tag}\0`, 'ascii').copy(this.data, at);
  }
}

export const CB2S_GPIOS = [0, 1, 6, 7, 8, 10, 11, 23, 24, 26];

export interface Bench {
  clock: VirtualClock;
  flash: MemFlash;
  pads: Map<number, PadNet>;
  logs: string[];
  ctx(earlyResets?: number): FirmwareContext;
}

/** Stepped by hand (clock.advance) unless a test passes a clock that advances itself. */
export function makeBench(flash = new MemFlash(), clock = new VirtualClock({ startMs: 10_000, autoAdvance: false })): Bench {
  const pads = new Map<number, PadNet>(CB2S_GPIOS.map((g) => [g, new PadNet(`P${g}`, 'none', clock)]));
  const logs: string[] = [];
  return {
    clock,
    flash,
    pads,
    logs,
    ctx: (earlyResets = 0) => ({
      pads,
      flash,
      mac: 'C8478C123456',
      clock,
      bootedAtMs: clock.now(),
      earlyResets,
      log: (l: string) => logs.push(l),
    }),
  };
}

export const RMC021_BACKLOG =
  'backlog SetPinRole 6 BL0937CF1; SetPinChannel 6 0; SetPinRole 7 BL0937CF; SetPinRole 8 WifiLED_n; ' +
  'SetPinRole 10 Btn; SetPinChannel 10 1; SetPinRole 24 BL0937SEL; SetPinRole 26 Rel; SetPinChannel 26 1; ' +
  'flags 1024; StartupCommand "startDriver NTP"';

export async function bootFirmware(bench: Bench, opts: OpenBekenSimOptions = {}, earlyResets = 0): Promise<ObkSimFirmware> {
  const fw = await openBekenFirmware({ clock: bench.clock, rebootGapMs: 100, ...opts })(bench.ctx(earlyResets));
  if (!fw) throw new Error('firmware did not recognise the test image');
  return fw as ObkSimFirmware;
}

/** A fresh bench whose flash holds an OpenBeken image tagged `tag`, booted once. */
export async function bootImage(tag = 'OpenBK7231N_1.18.0', opts: OpenBekenSimOptions = {}): Promise<{ bench: Bench; fw: ObkSimFirmware }> {
  const bench = makeBench();
  bench.flash.writeTag(tag);
  return { bench, fw: await bootFirmware(bench, opts) };
}

/** A bench whose OpenBeken image was configured with `backlog` and then rebooted, so the pins apply from boot. */
export async function configuredBench(backlog: string, opts: OpenBekenSimOptions = {}, clock?: VirtualClock): Promise<{ bench: Bench; fw: ObkSimFirmware }> {
  const bench = makeBench(new MemFlash(), clock);
  bench.flash.writeTag('OpenBK7231N_1.18.0-test');
  const first = await bootFirmware(bench, opts);
  first.runtime!.runCommand(backlog);
  await first.stop();
  const fw = await bootFirmware(bench, opts);
  return { bench, fw };
}

/** A bench whose flash holds an OpenBeken image already configured as the RMC021. */
export function rmc021Bench(opts: OpenBekenSimOptions = {}, clock?: VirtualClock): Promise<{ bench: Bench; fw: ObkSimFirmware }> {
  return configuredBench(RMC021_BACKLOG, opts, clock);
}

/** Advances in 25 ms steps (the firmware tick) so net listeners see the exact tick times. */
export function run(bench: Bench, ms: number): void {
  for (let t = 0; t < ms; t += 25) bench.clock.advance(Math.min(25, ms - t));
}

/** Records every level change on a pad as [level, clock ms] from now on. */
export function edgesOf(bench: Bench, gpio: number): Array<[number, number]> {
  const seen: Array<[number, number]> = [];
  bench.pads.get(gpio)!.onChange((level, t) => seen.push([level, t]));
  return seen;
}
