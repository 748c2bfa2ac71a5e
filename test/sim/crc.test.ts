/** §4.3 vectors through CheckCRC on prepared flash (end inclusive, addresses masked with the size). */
import { describe, test, expect } from '@jest/globals';
import { hex, linkedChip } from './host.js';

const chip = linkedChip({ factoryImage: false }, 'file');

function crcCommand(start: number, endInclusive: number): Buffer {
  const b = Buffer.from(hex('01 E0 FC 09 10 00 00 00 00 00 00 00 00'));
  b.writeUInt32LE(start >>> 0, 5);
  b.writeUInt32LE(endInclusive >>> 0, 9);
  return b;
}

async function deviceCrc(start: number, len: number): Promise<Buffer> {
  const r = await chip.host.request(crcCommand(start, start + len - 1), 11);
  expect(r.subarray(0, 7).equals(hex('04 0E 08 01 E0 FC 10'))).toBe(true);
  return r.subarray(7);
}

const AT = 0x40000;
function prepare(data: Buffer): void {
  chip.module.flash.data.fill(0xff, AT, AT + 0x10000);
  data.copy(chip.module.flash.data, AT);
}

describe('CheckCRC vectors (§4.3)', () => {
  const rows: [string, Buffer, string][] = [
    ['ASCII 123456789', Buffer.from('123456789'), 'D9 C6 0B 34'],
    ['4096 × FF', Buffer.alloc(4096, 0xff), 'F5 98 AB 0E'],
    ['256 × FF', Buffer.alloc(256, 0xff), 'DE 57 57 01'],
    ['8192 × FF', Buffer.alloc(8192, 0xff), 'CA CB D6 4B'],
    ['256 × 00', Buffer.alloc(256, 0), 'A7 7A 69 F2'],
    ['257 × 00', Buffer.alloc(257, 0), '31 5F 40 48'],
    ['4096 × 00', Buffer.alloc(4096, 0), 'EE FF E3 38'],
    ['bytes 00..FF', Buffer.from(Array.from({ length: 256 }, (_, i) => i)), '8C 73 FA D6'],
    ['4096 bytes i & FF', Buffer.from(Array.from({ length: 4096 }, (_, i) => i & 0xff)), '7D DF 6E 5D'],
  ];
  test.each(rows)('%s', async (_n, data, want) => {
    prepare(data);
    expect((await deviceCrc(AT, data.length)).equals(hex(want))).toBe(true);
  });

  test('2 MiB of FF, and the same range seen through the +0x200000 mirror', async () => {
    chip.module.flash.data.fill(0xff);
    expect((await deviceCrc(0, 0x200000)).equals(hex('1A F6 BE 65'))).toBe(true);
    expect((await deviceCrc(0x200000, 0x200000)).equals(hex('1A F6 BE 65'))).toBe(true);
  });

  test('the end address is inclusive: (0, 256) covers 257 bytes', async () => {
    chip.module.flash.data.fill(0, 0, 0x1000);
    const r = await chip.host.request(crcCommand(0, 256), 11);
    expect(r.subarray(7).equals(hex('31 5F 40 48'))).toBe(true);
  });
});
