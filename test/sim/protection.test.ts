/** §8: with protect bits set, erase and program are answered with STATUS 0 and change nothing. */
import { describe, test, expect } from '@jest/globals';
import { hex, linkedChip } from './host.js';

const chip = linkedChip(); // stock SR 0x4004, factory image

const ERASE_11000 = hex('01 E0 FC FF F4 06 00 0F 20 00 10 01 00');
const ERASED_CRC_11000 = hex('01 E0 FC 09 10 00 10 01 00 FF 1F 01 00');

async function readSr(): Promise<number> {
  const lo = await chip.host.request(hex('01 E0 FC FF F4 02 00 0C 05'), 13);
  const hi = await chip.host.request(hex('01 E0 FC FF F4 02 00 0C 35'), 13);
  return (hi[12]! << 8) | lo[12]!;
}

describe('write protection', () => {
  test('stock SR reads 0x4004; erase is acknowledged with STATUS 0 but the sector keeps its data', async () => {
    expect(await readSr()).toBe(0x4004);
    const before = chip.module.flash.read(0x11000, 4096);
    expect(before.every((b) => b === 0xff)).toBe(false);
    const r = await chip.host.request(ERASE_11000, 16);
    expect(r[10]).toBe(0x00);
    expect(chip.module.flash.read(0x11000, 4096).equals(before)).toBe(true);
    const crc = await chip.host.request(ERASED_CRC_11000, 11);
    expect(crc.subarray(7).equals(hex('F5 98 AB 0E'))).toBe(false); // what BKT's §8.4 check catches
  });

  test('write 4K under protection: STATUS 0, nothing programmed', async () => {
    const before = chip.module.flash.read(0x20000, 4096);
    const r = await chip.host.request(Buffer.concat([hex('01 E0 FC FF F4 05 10 07 00 00 02 00'), Buffer.alloc(4096, 0)]), 15);
    expect(r[10]).toBe(0x00);
    expect(chip.module.flash.read(0x20000, 4096).equals(before)).toBe(true);
  });

  test('after clearing 0x407C the erase lands', async () => {
    await chip.host.request(hex('01 E0 FC FF F4 04 00 0D 01 00 00'), 14);
    expect((await readSr()) & 0x407c).toBe(0);
    await chip.host.request(ERASE_11000, 16);
    const crc = await chip.host.request(ERASED_CRC_11000, 11);
    expect(crc.subarray(7).equals(hex('F5 98 AB 0E'))).toBe(true);
  });

  test('re-protect (SR1 := 0x1C as HID does) blocks writes again', async () => {
    await chip.host.request(hex('01 E0 FC FF F4 04 00 0D 01 00 00'), 14);
    await chip.host.request(hex('01 E0 FC FF F4 04 00 0D 01 1C 00'), 14);
    expect(await readSr()).toBe(0x001c);
    const before = chip.module.flash.read(0x11000, 16);
    await chip.host.request(ERASE_11000, 16);
    expect(chip.module.flash.read(0x11000, 16).equals(before)).toBe(true);
  });
});
