/**
 * Every byte-exact example of reference §3.2, sent through the real SerialPortStream over simBinding.
 * `xx` in a reply is a byte the reference leaves open (FlashGetMID's first byte).
 */
import { describe, test, expect } from '@jest/globals';
import { hex, link, linkedChip } from './host.js';

const chip = linkedChip({ initialSr: 0x0000 });

/** Compares against a reference row; `xx` matches any byte. */
function expectReply(got: Buffer, want: string): void {
  const tokens = want.trim().split(/\s+/);
  expect(got.length).toBe(tokens.length);
  tokens.forEach((t, i) => {
    if (t !== 'xx') expect(`${i}:${got[i]!.toString(16).padStart(2, '0').toUpperCase()}`).toBe(`${i}:${t.toUpperCase()}`);
  });
}

const simpleRows: [string, string, string][] = [
  ['LinkCheck', '01 E0 FC 01 00', '04 0E 05 01 E0 FC 01 00'],
  ['ReadReg chip id', '01 E0 FC 05 03 00 00 80 00', '04 0E 0C 01 E0 FC 03 00 00 80 00 1C 23 07 00'],
  ['WriteReg', '01 E0 FC 09 01 74 00 80 00 01 01 00 00', '04 0E 0C 01 E0 FC 01 74 00 80 00 01 01 00 00'],
  ['StayRom', '01 E0 FC 02 AA 55', '04 0E 05 01 E0 FC AA 55'],
  ['FlashErase 4 KiB', '01 E0 FC FF F4 06 00 0F 20 00 10 01 00', '04 0E FF 01 E0 FC F4 07 00 0F 00 20 00 10 01 00'],
  ['FlashErase 64 KiB', '01 E0 FC FF F4 06 00 0F D8 00 00 02 00', '04 0E FF 01 E0 FC F4 07 00 0F 00 D8 00 00 02 00'],
  ['FlashErase4K (0x0B)', '01 E0 FC FF F4 05 00 0B 00 10 01 00', '04 0E FF 01 E0 FC F4 06 00 0B 00 00 10 01 00'],
  ['FlashEraseAll', '01 E0 FC FF F4 02 00 0A 04', '04 0E FF 01 E0 FC F4 03 00 0A 00 04'],
  ['FlashWriteSR 1 byte', '01 E0 FC FF F4 03 00 0D 01 00', '04 0E FF 01 E0 FC F4 04 00 0D 00 01 00'],
  ['FlashWriteSR 2 bytes', '01 E0 FC FF F4 04 00 0D 01 00 00', '04 0E FF 01 E0 FC F4 05 00 0D 00 01 00 00'],
  ['FlashGetMID', '01 E0 FC FF F4 05 00 0E 9F 00 00 00', '04 0E FF 01 E0 FC F4 06 00 0E 00 xx EB 60 15'],
];

describe('reference §3.2 byte-exact replies', () => {
  test.each(simpleRows)('%s', async (_name, cmd, reply) => {
    const n = reply.trim().split(/\s+/).length;
    expectReply(await chip.host.request(hex(cmd), n), reply);
  });

  test('FlashReadSR 0x05 and 0x35 on a stock SR of 0x4004', async () => {
    chip.module.flash.writeStatus([0x04, 0x40]);
    expectReply(await chip.host.request(hex('01 E0 FC FF F4 02 00 0C 05'), 13), '04 0E FF 01 E0 FC F4 04 00 0C 00 05 04');
    expectReply(await chip.host.request(hex('01 E0 FC FF F4 02 00 0C 35'), 13), '04 0E FF 01 E0 FC F4 04 00 0C 00 35 40');
  });

  test('CheckCRC 0x11000..0x11FFF of an erased sector', async () => {
    chip.module.flash.eraseSector(0x11000);
    expectReply(await chip.host.request(hex('01 E0 FC 09 10 00 10 01 00 FF 1F 01 00'), 11), '04 0E 08 01 E0 FC 10 F5 98 AB 0E');
  });

  test('FlashRead4K 0x11000: header, then the 4096 bytes at that address', async () => {
    const r = await chip.host.request(hex('01 E0 FC FF F4 05 00 09 00 10 01 00'), 4111);
    expectReply(r.subarray(0, 15), '04 0E FF 01 E0 FC F4 06 10 09 00 00 10 01 00');
    expect(r.subarray(15).equals(chip.module.flash.read(0x11000, 4096))).toBe(true);
  });

  test('FlashWrite4K 0x11000 programs the sector', async () => {
    chip.module.flash.eraseSector(0x11000);
    const data = Buffer.alloc(4096, 0).map((_, i) => (i * 7) & 0xff);
    const r = await chip.host.request(Buffer.concat([hex('01 E0 FC FF F4 05 10 07 00 10 01 00'), data]), 15);
    expectReply(r, '04 0E FF 01 E0 FC F4 06 00 07 00 00 10 01 00');
    expect(chip.module.flash.read(0x11000, 4096).equals(data)).toBe(true);
  });

  test('FlashWrite 16 B at 0x11100 answers with the count', async () => {
    chip.module.flash.eraseSector(0x11000);
    const data = Buffer.from('0123456789abcdef');
    const r = await chip.host.request(Buffer.concat([hex('01 E0 FC FF F4 15 00 06 00 11 01 00'), data]), 16);
    expectReply(r, '04 0E FF 01 E0 FC F4 07 00 06 00 00 11 01 00 10');
    expect(chip.module.flash.read(0x11100, 16).equals(data)).toBe(true);
  });

  test.each([
    ['921600', '01 E0 FC 06 0F 00 10 0E 00 14', '04 0E 09 01 E0 FC 0F 00 10 0E 00 14', 921600],
    ['1500000', '01 E0 FC 06 0F 60 E3 16 00 14', '04 0E 09 01 E0 FC 0F 60 E3 16 00 14', 1500000],
    ['2000000', '01 E0 FC 06 0F 80 84 1E 00 14', '04 0E 09 01 E0 FC 0F 80 84 1E 00 14', 2000000],
  ])('SetBaudRate %s, 20 ms: echo arrives at the new speed', async (_n, cmd, reply, baud) => {
    // switch after delay/2, as §6.4 says the host does (virtual time: exactly 10 ms of the 20)
    expectReply(await chip.host.setBaudRate(hex(cmd), baud as number, 10), reply);
    // and the link keeps working at that speed
    await link(chip.host);
  });

  test('Reboot, RESET and BkReg reboot produce no reply; Reboot and RESET restart the chip', async () => {
    const states: string[] = [];
    chip.module.onStateChange((s) => states.push(s));
    for (const [cmd, restarts] of [
      ['01 E0 FC 05 FE 95 27 95 27', false],
      ['01 E0 FC 02 0E A5', true],
      ['01 E0 FC 05 70 53 45 41 4E', true],
    ] as const) {
      states.length = 0;
      await link(chip.host); // back in download mode
      await chip.host.write(hex(cmd));
      expect((await chip.host.collect(30)).length).toBe(0);
      expect(states.includes('in-reset')).toBe(restarts);
    }
  });

  test('ReadBootVersion (BK7231T only) is ignored by the N ROM', async () => {
    await chip.host.write(hex('01 E0 FC 01 11'));
    expect((await chip.host.collect(30)).length).toBe(0);
  });
});
