/**
 * writeJob's repair logic against an in-memory chip (no serial line): a sector whose program
 * does not stick is retried a bounded number of times and then named in E_CRC_MISMATCH; a reply
 * that is lost once is repaired and the job still ends verified.
 */
import { describe, test, expect } from '@jest/globals';
import { PlugrigError } from '../../src/core/errors.js';
import type { Chip } from '../../src/bk7231/commands.js';
import { chipCrc } from '../../src/bk7231/crc.js';
import { writeJob } from '../../src/bk7231/write.js';

class MemoryChip {
  readonly flash = Buffer.alloc(0x40000, 0x00);
  readonly programs = new Map<number, number>();
  badSector?: number;
  loseReplyOnce?: number;
  readonly t = { drainInput: async () => undefined, abandonPending: () => undefined };
  async erase(addr: number, size: number) {
    this.flash.fill(0xff, addr, addr + size);
  }
  async write4k(addr: number, data: Buffer) {
    this.programs.set(addr, (this.programs.get(addr) ?? 0) + 1);
    const d = Buffer.from(data);
    if (addr === this.badSector) d[17] = d[17]! ^ 0x01; // a bit that never programs right
    for (let i = 0; i < d.length; i++) this.flash[addr + i] = this.flash[addr + i]! & d[i]!;
    if (addr === this.loseReplyOnce) {
      this.loseReplyOnce = undefined;
      throw new PlugrigError('E_REPLY_LOST', 'lost');
    }
  }
  async crc(start: number, len: number) {
    return chipCrc(this.flash.subarray(start, start + len));
  }
  async read4k(addr: number) {
    return Buffer.from(this.flash.subarray(addr, addr + 0x1000));
  }
  async ensureAlive() {}
}

const image = Buffer.from(Array.from({ length: 0x20000 }, (_, i) => (i * 13) & 0x7f));

describe('write repair', () => {
  test('a lost reply is repaired and the job ends verified', async () => {
    const chip = new MemoryChip();
    chip.loseReplyOnce = 0x3000;
    const r = await writeJob(chip as unknown as Chip, { offset: 0, data: image, flashSize: 0x40000 });
    expect(r.repaired).toEqual([0x3000]);
    expect(chip.flash.subarray(0, image.length).equals(image)).toBe(true);
  });

  test('a sector that never verifies: E_CRC_MISMATCH after the first write and 3 retries, naming it', async () => {
    const chip = new MemoryChip();
    chip.badSector = 0x15000;
    const err = await writeJob(chip as unknown as Chip, { offset: 0, data: image, flashSize: 0x40000 }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'E_CRC_MISMATCH' });
    expect((err as Error).message).toMatch(/0x15000/);
    expect(chip.programs.get(0x15000)).toBe(1 + 3);
    expect(chip.programs.get(0x14000)).toBe(1);
  });
});
