import { describe, test, expect } from '@jest/globals';
import { crc32 } from 'node:zlib';
import { chipCrc, crcCommandRange, crcUpdate, CRC_INIT, erasedCrc, ERASED_SECTOR_CRC } from '../../src/bk7231/crc.js';

describe('chip CRC (reference §4.3 vectors)', () => {
  const vectors: [string, Buffer, number][] = [
    ['123456789', Buffer.from('123456789'), 0x340bc6d9],
    ['empty', Buffer.alloc(0), 0xffffffff],
    ['4096 × FF', Buffer.alloc(4096, 0xff), 0x0eab98f5],
    ['256 × FF', Buffer.alloc(256, 0xff), 0x015757de],
    ['257 × 00', Buffer.alloc(257, 0), 0x48405f31],
    ['4096 × 00', Buffer.alloc(4096, 0), 0x38e3ffee],
    ['0x00..0xFF', Buffer.from(Array.from({ length: 256 }, (_, i) => i)), 0xd6fa738c],
    ['4096 × (i & 0xFF)', Buffer.from(Array.from({ length: 4096 }, (_, i) => i & 0xff)), 0x5d6edf7d],
  ];
  test.each(vectors)('%s', (_name, data, want) => {
    expect(chipCrc(data)).toBe(want);
  });

  test('is the bitwise NOT of zlib crc32 on arbitrary data', () => {
    const data = Buffer.from(Array.from({ length: 5000 }, (_, i) => (i * 7919) & 0xff));
    expect(chipCrc(data)).toBe(~crc32(data) >>> 0);
  });

  test('incremental update equals one pass', () => {
    const data = Buffer.from(Array.from({ length: 9000 }, (_, i) => (i * 31) & 0xff));
    expect(crcUpdate(crcUpdate(CRC_INIT, data.subarray(0, 1234)), data.subarray(1234))).toBe(chipCrc(data));
  });

  test('erased ranges without allocation', () => {
    expect(erasedCrc(4096)).toBe(ERASED_SECTOR_CRC);
    expect(erasedCrc(8192)).toBe(0x4bd6cbca);
    expect(erasedCrc(2 * 1024 * 1024)).toBe(0x65bef61a);
  });

  test('range ends: inclusive on BK7231N, exclusive on the T bootloader', () => {
    expect(crcCommandRange(0x11000, 0x1000)).toEqual([0x11000, 0x11fff]);
    expect(crcCommandRange(0x11000, 0x1000, 'exclusive')).toEqual([0x11000, 0x12000]);
    expect(() => crcCommandRange(0, 0)).toThrow(RangeError);
  });
});
