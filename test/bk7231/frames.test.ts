import { describe, test, expect } from '@jest/globals';
import { ERASE_4K, ERASE_64K, ReplyParser, encode, expect as want, matches } from '../../src/bk7231/frames.js';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');

describe('command encoding (reference §3.2 byte examples)', () => {
  test.each([
    ['LinkCheck', encode.linkCheck(), '01 E0 FC 01 00'],
    ['ReadReg chip id', encode.readReg(0x00800000), '01 E0 FC 05 03 00 00 80 00'],
    ['WriteReg', encode.writeReg(0x00800074, 0x101), '01 E0 FC 09 01 74 00 80 00 01 01 00 00'],
    ['SetBaudRate 921600', encode.setBaudRate(921600, 20), '01 E0 FC 06 0F 00 10 0E 00 14'],
    ['SetBaudRate 2000000', encode.setBaudRate(2000000, 20), '01 E0 FC 06 0F 80 84 1E 00 14'],
    ['CheckCRC', encode.checkCrc(0x11000, 0x11fff), '01 E0 FC 09 10 00 10 01 00 FF 1F 01 00'],
    ['Reboot', encode.reboot(), '01 E0 FC 02 0E A5'],
    ['FlashRead4K', encode.flashRead4k(0x11000), '01 E0 FC FF F4 05 00 09 00 10 01 00'],
    ['FlashErase 4K', encode.flashErase(ERASE_4K, 0x11000), '01 E0 FC FF F4 06 00 0F 20 00 10 01 00'],
    ['FlashErase 64K', encode.flashErase(ERASE_64K, 0x20000), '01 E0 FC FF F4 06 00 0F D8 00 00 02 00'],
    ['FlashReadSR 05', encode.flashReadSr(0x05), '01 E0 FC FF F4 02 00 0C 05'],
    ['FlashWriteSR 1 byte', encode.flashWriteSr(0x01, [0]), '01 E0 FC FF F4 03 00 0D 01 00'],
    ['FlashWriteSR 2 bytes', encode.flashWriteSr(0x01, [0, 0]), '01 E0 FC FF F4 04 00 0D 01 00 00'],
    ['FlashGetMID', encode.flashGetMid(), '01 E0 FC FF F4 05 00 0E 9F 00 00 00'],
  ])('%s', (_n, got, bytes) => {
    expect(got.toString('hex')).toBe(hex(bytes).toString('hex'));
  });

  test('FlashWrite4K header and size', () => {
    const f = encode.flashWrite4k(0x11000, Buffer.alloc(4096, 0xab));
    expect(f.length).toBe(4108);
    expect(f.subarray(0, 12).toString('hex')).toBe(hex('01 E0 FC FF F4 05 10 07 00 10 01 00').toString('hex'));
    expect(() => encode.flashWrite4k(0, Buffer.alloc(100))).toThrow(RangeError);
  });
});

describe('reply parser (§2.6 host rules)', () => {
  test('short and long replies, split anywhere', () => {
    const stream = Buffer.concat([
      hex('04 0E 05 01 E0 FC 01 00'),
      hex('04 0E 0C 01 E0 FC 03 00 00 80 00 1C 23 07 00'),
      hex('04 0E FF 01 E0 FC F4 06 00 0E 00 9F EB 60 15'),
      hex('04 0E 08 01 E0 FC 10 F5 98 AB 0E'),
    ]);
    for (const cut of [1, 2, 3, 7, 9, 13]) {
      const p = new ReplyParser();
      const out = [];
      for (let i = 0; i < stream.length; i += cut) out.push(...p.push(stream.subarray(i, i + cut)));
      expect(out.map((r) => [r.form, r.code])).toEqual([
        ['short', 1],
        ['short', 3],
        ['long', 0x0e],
        ['short', 0x10],
      ]);
      expect(out[1]!.payload.readUInt32LE(4)).toBe(0x7231c);
      expect(out[2]!.status).toBe(0);
      expect([...out[2]!.payload]).toEqual([0x9f, 0xeb, 0x60, 0x15]);
      expect(out[3]!.payload.readUInt32LE(0)).toBe(0x0eab98f5);
    }
  });

  test('skips garbage and false headers, counts what it dropped', () => {
    const p = new ReplyParser();
    const out = p.push(Buffer.concat([hex('FF 00 04 0E 04 99 04 0E 05 01 E0 FC 01 00 55'), Buffer.from('reboot\r\n')]));
    expect(out).toHaveLength(1);
    expect(out[0]!.code).toBe(1);
    expect(p.discarded).toBeGreaterThanOrEqual(6);
  });

  test('a long read reply with 4096 data bytes', () => {
    const head = hex('04 0E FF 01 E0 FC F4 06 10 09 00 00 10 01 00');
    const data = Buffer.alloc(4096, 0x5a);
    const p = new ReplyParser();
    expect(p.push(head)).toHaveLength(0);
    const [r] = p.push(data);
    expect(r!.payload.length).toBe(4100);
    expect(matches(want.flashRead4k(0x11000), r!)).toBe(true);
    expect(matches(want.flashRead4k(0x12000), r!)).toBe(false);
  });

  test('matchers tell link replies from WriteReg echoes and check echoes', () => {
    const p = new ReplyParser();
    const [link, wr, erase] = p.push(
      Buffer.concat([
        hex('04 0E 05 01 E0 FC 01 00'),
        hex('04 0E 0C 01 E0 FC 01 74 00 80 00 01 01 00 00'),
        hex('04 0E FF 01 E0 FC F4 07 00 0F 00 20 00 10 01 00'),
      ]),
    );
    expect(matches(want.linkCheck(), link!)).toBe(true);
    expect(matches(want.linkCheck(), wr!)).toBe(false);
    expect(matches(want.writeReg(0x800074, 0x101), wr!)).toBe(true);
    expect(matches(want.flashErase(ERASE_4K, 0x11000), erase!)).toBe(true);
    expect(matches(want.flashErase(ERASE_64K, 0x11000), erase!)).toBe(false);
    expect(matches(want.setBaudRate(921600, 20), link!)).toBe(false);
  });
});
