/** §8: with protect bits set, erase and program are answered with STATUS 0 and change nothing. */
import { describe, test, expect, beforeEach, afterEach } from '@jest/globals';
import { heldChip, hex, link, type Host } from './host.js';
import type { SimModule } from '../../src/sim/index.js';

let module: SimModule;
let host: Host;
let done: () => Promise<void>;

beforeEach(async () => {
  ({ module, host, done } = await heldChip()); // stock SR 0x4004, factory image
  await link(host);
});
afterEach(() => done());

const ERASE_11000 = hex('01 E0 FC FF F4 06 00 0F 20 00 10 01 00');
const ERASED_CRC_11000 = hex('01 E0 FC 09 10 00 10 01 00 FF 1F 01 00');

async function readSr(): Promise<number> {
  const lo = await host.request(hex('01 E0 FC FF F4 02 00 0C 05'), 13);
  const hi = await host.request(hex('01 E0 FC FF F4 02 00 0C 35'), 13);
  return (hi[12]! << 8) | lo[12]!;
}

describe('write protection', () => {
  test('stock SR reads 0x4004; erase is acknowledged with STATUS 0 but the sector keeps its data', async () => {
    expect(await readSr()).toBe(0x4004);
    const before = module.flash.read(0x11000, 4096);
    expect(before.every((b) => b === 0xff)).toBe(false);
    const r = await host.request(ERASE_11000, 16);
    expect(r[10]).toBe(0x00);
    expect(module.flash.read(0x11000, 4096).equals(before)).toBe(true);
    const crc = await host.request(ERASED_CRC_11000, 11);
    expect(crc.subarray(7).equals(hex('F5 98 AB 0E'))).toBe(false); // what BKT's §8.4 check catches
  });

  test('write 4K under protection: STATUS 0, nothing programmed', async () => {
    const before = module.flash.read(0x20000, 4096);
    const r = await host.request(Buffer.concat([hex('01 E0 FC FF F4 05 10 07 00 00 02 00'), Buffer.alloc(4096, 0)]), 15);
    expect(r[10]).toBe(0x00);
    expect(module.flash.read(0x20000, 4096).equals(before)).toBe(true);
  });

  test('after clearing 0x407C the erase lands', async () => {
    await host.request(hex('01 E0 FC FF F4 04 00 0D 01 00 00'), 14);
    expect((await readSr()) & 0x407c).toBe(0);
    await host.request(ERASE_11000, 16);
    const crc = await host.request(ERASED_CRC_11000, 11);
    expect(crc.subarray(7).equals(hex('F5 98 AB 0E'))).toBe(true);
  });

  test('re-protect (SR1 := 0x1C as HID does) blocks writes again', async () => {
    await host.request(hex('01 E0 FC FF F4 04 00 0D 01 00 00'), 14);
    await host.request(hex('01 E0 FC FF F4 04 00 0D 01 1C 00'), 14);
    expect(await readSr()).toBe(0x001c);
    const before = module.flash.read(0x11000, 16);
    await host.request(ERASE_11000, 16);
    expect(module.flash.read(0x11000, 16).equals(before)).toBe(true);
  });
});
