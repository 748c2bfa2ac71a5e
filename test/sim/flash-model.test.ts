import { describe, test, expect } from '@jest/globals';
import { NorFlash } from '../../src/sim/flash-model.js';
import { writeFactoryImage, macFromTlvSector, TLV_SECTOR, APP_START } from '../../src/sim/factory-image.js';
import { romCrc } from '../../src/sim/crc32.js';
import { VirtualClock } from '../../src/core/virtual-clock.js';

describe('NOR flash model', () => {
  test('programming only clears bits; erase brings the sector back to 0xFF', () => {
    const f = new NorFlash({ sr: 0 });
    f.program(0x1000, Buffer.from([0xf0, 0x0f]));
    f.program(0x1000, Buffer.from([0x3c, 0xff]));
    expect([...f.read(0x1000, 2)]).toEqual([0x30, 0x0f]);
    f.eraseSector(0x1abc); // any address inside the sector
    expect(f.read(0x1000, 0x1000).every((b) => b === 0xff)).toBe(true);
  });

  test('size from the JEDEC capacity code; addresses wrap at the size', () => {
    const f = new NorFlash({ sr: 0 });
    expect(f.size).toBe(0x200000);
    f.program(0x211000, Buffer.from([0x12]));
    expect(f.read(0x11000, 1)[0]).toBe(0x12);
    f.program(0x1ffffe, Buffer.from([1, 2, 3, 4])); // runs over the end into address 0
    expect([...f.read(0x1ffffe, 4)]).toEqual([1, 2, 3, 4]);
    expect([...f.read(0, 2)]).toEqual([3, 4]);
    expect(new NorFlash({ jedec: [0x85, 0x60, 0x14] }).size).toBe(0x100000);
  });

  test('ROM erase/program are ignored while SR protect bits are set, and work once cleared', () => {
    const f = new NorFlash({ sr: 0x4004 });
    f.program(0x5000, Buffer.from([0x00]));
    expect(f.romErase(0x5000, 0x1000)).toBe(false);
    expect(f.read(0x5000, 1)[0]).toBe(0x00);
    expect(f.romProgram(0x6000, Buffer.from([0x00]))).toBe(false);
    expect(f.read(0x6000, 1)[0]).toBe(0xff);
    f.writeStatus([0x00, 0x00]);
    expect(f.romErase(0x5000, 0x1000)).toBe(true);
    expect(f.read(0x5000, 1)[0]).toBe(0xff);
  });

  test('cmp-bp0 model leaves only the last 64 KiB writable under SR 0x4004', () => {
    const f = new NorFlash({ sr: 0x4004, protection: 'cmp-bp0' });
    expect(f.romProgram(0x1f0000, Buffer.from([0]))).toBe(true);
    expect(f.romProgram(0x1e0000, Buffer.from([0]))).toBe(false);
    f.writeStatus([0x1c, 0x00]); // BP0-2, no CMP: everything protected
    expect(f.romProgram(0x1f0001, Buffer.from([0]))).toBe(false);
  });

  test('a 1-byte-SR part has its own mask and ignores SR2', () => {
    const f = new NorFlash({ jedec: [0x1c, 0x70, 0x15], sr: 0x4000 });
    expect(f.writable(0, 0x1000)).toBe(true); // CMP is not a protect bit there
    f.writeStatus([0x04, 0x40]);
    expect(f.readStatus(0x35)).toBe(0);
    expect(f.writable(0, 0x1000)).toBe(false);
  });

  test('WIP reads back set right after an SR write, then clears', () => {
    const clock = new VirtualClock({ startMs: 0, autoAdvance: false });
    const f = new NorFlash({ sr: 0x4004, srWriteMs: 10, clock });
    f.writeStatus([0x00, 0x00]);
    expect(f.readStatus(0x05)).toBe(0x01);
    clock.advance(11);
    expect(f.readStatus(0x05)).toBe(0x00);
  });

  test('stuck protection: SR writes change nothing', () => {
    const f = new NorFlash({ sr: 0x4004, stuckProtection: true });
    f.writeStatus([0x00, 0x00]);
    expect(f.sr).toBe(0x4004);
  });
});

describe('factory image', () => {
  const mac = 'C8478C123456';
  const img = Buffer.alloc(0x200000, 0xff);
  writeFactoryImage(img, mac, 7);

  test('TLV sector holds the MAC where tools look for it (§7.4)', () => {
    const sector = img.subarray(TLV_SECTOR, TLV_SECTOR + 0x1000);
    expect(sector.subarray(0, 4).toString('latin1')).toBe('TLV\0');
    expect(macFromTlvSector(sector)).toBe(mac);
  });

  test('bootloader and app hold code-like content with 0xFF gaps and Tuya strings', () => {
    const boot = img.subarray(0, APP_START);
    const app = img.subarray(APP_START, 0x12a000);
    expect(boot.subarray(0x100, 0x8000).filter((b) => b === 0xff).length).toBeLessThan(0x1000);
    expect(boot.subarray(0xc000, APP_START).every((b) => b === 0xff)).toBe(true);
    expect(app.includes(Buffer.from('Tuya'))).toBe(true);
    let gapRuns = 0;
    for (let a = 0; a + 0x100 <= app.length; a += 0x100) if (app.subarray(a, a + 0x100).every((b) => b === 0xff)) gapRuns++;
    expect(gapRuns).toBeGreaterThan(2);
    expect(img.subarray(0x12a000, 0x1d0000).every((b) => b === 0xff)).toBe(true); // OTA area empty
  });

  test('deterministic per seed, different across seeds', () => {
    const again = Buffer.alloc(0x200000, 0xff);
    writeFactoryImage(again, mac, 7);
    const other = Buffer.alloc(0x200000, 0xff);
    writeFactoryImage(other, mac, 8);
    expect(romCrc(again)).toBe(romCrc(img));
    expect(romCrc(other)).not.toBe(romCrc(img));
  });
});
