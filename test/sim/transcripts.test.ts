/** docs/bk7231n-download-protocol.md §15: the two real clients' byte sequences replayed against the simulated chip. */
import { describe, test, expect } from '@jest/globals';
import { crc32 } from 'node:zlib';
import { VirtualClock } from '../../src/core/virtual-clock.js';
import { createSimModule } from '../../src/sim/index.js';
import { Host, heldChip, hex, LINK_CHECK, LINK_REPLY } from './host.js';

/** Device CRC = NOT of zlib's CRC-32 (§4.1), computed independently of the simulator. */
const deviceCrc = (data: Buffer) => Buffer.from(new Uint32Array([(crc32(data) ^ 0xffffffff) >>> 0]).buffer);

function withAddr(frame: string, addr: number, at: number): Buffer {
  const b = Buffer.from(hex(frame));
  b.writeUInt32LE(addr >>> 0, at);
  return b;
}
const crcCmd = (start: number, end: number) => {
  const b = withAddr('01 E0 FC 09 10 00 00 00 00 00 00 00 00', start, 5);
  b.writeUInt32LE(end >>> 0, 9);
  return b;
};
const erase4k = (addr: number) => withAddr('01 E0 FC FF F4 06 00 0F 20 00 00 00 00', addr, 9);
const write4k = (addr: number, data: Buffer) => Buffer.concat([withAddr('01 E0 FC FF F4 05 10 07 00 00 00 00', addr, 8), data]);
const CRC_HEAD = hex('04 0E 08 01 E0 FC 10');

describe('§15.1 bk7231tools write_flash -b 921600 -s 0x11000 (10 000 bytes), realistic timing', () => {
  test('link from power-up, baud switch, probes, unprotect, erase/write/verify three sectors', async () => {
    const clock = new VirtualClock(); // realistic wire and flash times, in virtual time
    const module = createSimModule({ timing: 'realistic', clock }); // unpowered: the host spams first
    const host = await Host.open(module.uartPath, clock);
    try {
      // link: spam LinkCheck every 2 ms while the supply comes up
      let linked = false;
      const spam = (async () => {
        for (let i = 0; i < 200 && !linked; i++) {
          await host.write(LINK_CHECK);
          await host.wait(2);
        }
      })();
      clock.setTimeout(() => module.powerNet.setHostDrive(1), 20);
      expect((await host.read(8, 2000)).equals(LINK_REPLY)).toBe(true);
      linked = true;
      await spam;
      await host.wait(20);
      host.discard(); // replies to the checks still in flight (§6.3 step 6)
      expect(module.state).toBe('download');

      expect((await host.setBaudRate(hex('01 E0 FC 06 0F 00 10 0E 00 14'), 921600, 10)).equals(hex('04 0E 09 01 E0 FC 0F 00 10 0E 00 14'))).toBe(true);

      const boot = await host.request(crcCmd(0, 0x100), 11);
      expect(boot.subarray(7).equals(deviceCrc(module.flash.read(0, 257)))).toBe(true);
      expect((await host.request(LINK_CHECK, 8)).equals(LINK_REPLY)).toBe(true);
      const probe = await host.request(crcCmd(0x11000, 0x11100), 11);
      expect(probe.subarray(7).equals(deviceCrc(module.flash.read(0x11000, 257)))).toBe(true);
      const page = await host.request(hex('01 E0 FC FF F4 05 00 09 00 10 01 00'), 4111);
      expect(page.subarray(0, 15).equals(hex('04 0E FF 01 E0 FC F4 06 10 09 00 00 10 01 00'))).toBe(true);
      expect((await host.request(hex('01 E0 FC 05 03 00 00 80 00'), 15)).equals(hex('04 0E 0C 01 E0 FC 03 00 00 80 00 1C 23 07 00'))).toBe(true);
      const mid = await host.request(hex('01 E0 FC FF F4 05 00 0E 9F 00 00 00'), 15);
      expect(mid.subarray(12).equals(hex('EB 60 15'))).toBe(true);
      expect((await host.request(hex('01 E0 FC FF F4 02 00 0C 05'), 13)).subarray(11).equals(hex('05 04'))).toBe(true);
      expect((await host.request(hex('01 E0 FC FF F4 02 00 0C 35'), 13)).subarray(11).equals(hex('35 40'))).toBe(true);
      expect((await host.request(hex('01 E0 FC FF F4 04 00 0D 01 00 00'), 14)).equals(hex('04 0E FF 01 E0 FC F4 05 00 0D 00 01 00 00'))).toBe(true);
      await host.wait(20); // past the SR write cycle (WIP)
      expect((await host.request(hex('01 E0 FC FF F4 02 00 0C 05'), 13))[12]).toBe(0x00);
      expect((await host.request(hex('01 E0 FC FF F4 02 00 0C 35'), 13))[12]).toBe(0x00);

      const file = Buffer.alloc(3 * 4096, 0xff);
      for (let i = 0; i < 10_000; i++) file[i] = (i * 31 + 7) & 0xff;
      for (let s = 0; s < 3; s++) {
        const addr = 0x211000 + s * 4096;
        const data = file.subarray(s * 4096, (s + 1) * 4096);
        await host.request(crcCmd(addr, addr + 0xfff), 11);
        const er = await host.request(erase4k(addr), 16);
        expect(er.subarray(9).equals(Buffer.concat([hex('0F 00 20'), withAddr('00 00 00 00', addr, 0)]))).toBe(true);
        const blank = await host.request(crcCmd(addr, addr + 0xfff), 11);
        expect(blank.equals(Buffer.concat([CRC_HEAD, hex('F5 98 AB 0E')]))).toBe(true);
        const wr = await host.request(write4k(addr, data), 15);
        expect(wr.equals(Buffer.concat([hex('04 0E FF 01 E0 FC F4 06 00 07 00'), withAddr('00 00 00 00', addr, 0)]))).toBe(true);
        const check = await host.request(crcCmd(addr, addr + 0xfff), 11);
        expect(check.subarray(7).equals(deviceCrc(data))).toBe(true);
      }
      expect(module.flash.read(0x11000, 3 * 4096).equals(file)).toBe(true);
    } finally {
      await host.close();
      await module.close();
      clock.stop();
    }
  });
});

describe('§15.2 Beken uartprogram -u -b 2000000 -s 0 (20 000 bytes)', () => {
  test('BkReg reboot ignored, link, 2 Mbaud, erase/write from 0, CRC, re-protect, reboot ×3', async () => {
    const { module, host, done } = await heldChip({ initialSr: 0x0000 });
    try {
      await host.write(hex('01 E0 FC 05 FE 95 27 95 27'));
      expect((await host.request(LINK_CHECK, 8)).equals(LINK_REPLY)).toBe(true);
      expect((await host.setBaudRate(hex('01 E0 FC 06 0F 80 84 1E 00 14'), 2_000_000, 10)).equals(hex('04 0E 09 01 E0 FC 0F 80 84 1E 00 14'))).toBe(true);
      expect((await host.request(hex('01 E0 FC FF F4 05 00 0E 9F 00 00 00'), 15)).subarray(12).equals(hex('EB 60 15'))).toBe(true);
      expect((await host.request(hex('01 E0 FC FF F4 02 00 0C 05'), 13))[12]).toBe(0);
      expect((await host.request(hex('01 E0 FC FF F4 02 00 0C 35'), 13))[12]).toBe(0);

      const file = Buffer.alloc(0x5000, 0xff);
      for (let i = 0; i < 20_000; i++) file[i] = (i ^ (i >> 8)) & 0xff;
      // partial last sector first, then the rest
      for (const addr of [0x4000, 0x0000, 0x1000, 0x2000, 0x3000]) await host.request(erase4k(addr), 16);
      for (const addr of [0x4000, 0x0000, 0x1000, 0x2000, 0x3000]) {
        await host.request(write4k(addr, file.subarray(addr, addr + 4096)), 15);
      }
      const crc = await host.request(hex('01 E0 FC 09 10 00 00 00 00 FF 4E 00 00'), 11);
      expect(crc.subarray(7).equals(deviceCrc(file.subarray(0, 0x4f00)))).toBe(true);
      await host.request(hex('01 E0 FC FF F4 04 00 0D 01 1C 00'), 14);
      expect((await host.request(hex('01 E0 FC FF F4 02 00 0C 05'), 13))[12]! & 0xfc).toBe(0x1c);
      const states: string[] = [];
      module.onStateChange((s) => states.push(s));
      for (let i = 0; i < 3; i++) await host.write(hex('01 E0 FC 02 0E A5'));
      expect((await host.collect(30)).length).toBe(0);
      expect(states[0]).toBe('in-reset');
      expect(module.flash.read(0, 0x5000).equals(file)).toBe(true);
    } finally {
      await done();
    }
  });
});
