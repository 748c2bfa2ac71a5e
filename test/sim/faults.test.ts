/** Fault injection (reference §12, §14.3). */
import { describe, test, expect } from '@jest/globals';
import { closeAfterEach, heldChip, hex, link, LINK_CHECK, LINK_REPLY, type Host } from './host.js';
import { parseFault, parseFaults, type SimModule } from '../../src/sim/index.js';
import { PlugrigError } from '../../src/core/errors.js';

const cleanup = closeAfterEach();
async function chip(opts: Parameters<typeof heldChip>[0] = {}): Promise<{ module: SimModule; host: Host }> {
  const r = await heldChip(opts);
  cleanup.push(r.done);
  return r;
}

const READ_4K = hex('01 E0 FC FF F4 05 00 09 00 10 01 00');

describe('faults', () => {
  test('dropped bytes: replies come back short (and the same seed loses the same bytes)', async () => {
    const lengths: number[] = [];
    for (let run = 0; run < 2; run++) {
      const { module, host } = await chip({ seed: 42 });
      await link(host);
      module.setFaults({ dropRate: 0.01 });
      await host.write(READ_4K);
      lengths.push((await host.collect(40)).length);
    }
    expect(lengths[0]).toBeLessThan(4111);
    expect(lengths[0]).toBeGreaterThan(3900);
    expect(lengths[1]).toBe(lengths[0]);
  });

  test('corrupted bytes: full length, different content', async () => {
    const { module, host } = await chip({ seed: 2 });
    await link(host);
    const clean = await host.request(READ_4K, 4111);
    module.setFaults({ corruptRate: 0.01 });
    const dirty = await host.request(READ_4K, 4111); // seeded: this request itself gets through intact
    expect(dirty.equals(clean)).toBe(false);
    let flipped = 0;
    for (let i = 0; i < clean.length; i++) if (dirty[i] !== clean[i]) flipped++;
    expect(flipped).toBeGreaterThan(10); // ~1 % of 4111
    expect(flipped).toBeLessThan(100);
  });

  test('silent chip: no reply to anything', async () => {
    const { host } = await chip({ faults: { silent: true } });
    await host.write(LINK_CHECK);
    expect((await host.collect(30)).length).toBe(0);
  });

  test('the port vanishes mid-write: the write fails, the stream closes with a disconnect', async () => {
    const { host } = await chip({ faults: { vanishAfterHostBytes: 2000 } });
    await link(host);
    await expect(host.write(Buffer.concat([hex('01 E0 FC FF F4 05 10 07 00 10 01 00'), Buffer.alloc(4096)]))).rejects.toThrow(/EIO/);
    await host.wait(20);
    expect(host.port.isOpen).toBe(false);
    expect((host.closedWith as { disconnected?: boolean } | null)?.disconnected).toBe(true);
  });

  test('a pending read fails when the port vanishes', async () => {
    const { module, host } = await chip();
    await link(host);
    module.setFaults({ vanishAfterHostBytes: 0 });
    await expect(host.write(LINK_CHECK)).rejects.toThrow(/EIO/);
    await host.wait(20);
    expect((host.closedWith as { disconnected?: boolean } | null)?.disconnected).toBe(true);
  });

  test('brown-out on the 2nd erase: no reply, the erase is lost, the chip resets', async () => {
    const { module, host } = await chip({ initialSr: 0, faults: { brownoutOnErase: 2 } });
    await link(host);
    const states: string[] = [];
    module.onStateChange((s) => states.push(s));
    await host.request(hex('01 E0 FC FF F4 06 00 0F 20 00 10 01 00'), 16); // 1st erase fine
    const before = module.flash.read(0x20000, 4096);
    await host.write(hex('01 E0 FC FF F4 06 00 0F 20 00 00 02 00'));
    expect((await host.collect(30)).length).toBe(0);
    expect(module.flash.read(0x20000, 4096).equals(before)).toBe(true);
    expect(states).toEqual(['in-reset', 'rom-listen']);
    expect((await host.request(LINK_CHECK, 8)).equals(LINK_REPLY)).toBe(true); // the held chip waits again
  });

  test('flash that will not unprotect: SR write echoed, SR unchanged, erase ignored', async () => {
    const { module, host } = await chip({ faults: { stuckProtection: true } });
    await link(host);
    const r = await host.request(hex('01 E0 FC FF F4 04 00 0D 01 00 00'), 14);
    expect(r.equals(hex('04 0E FF 01 E0 FC F4 05 00 0D 00 01 00 00'))).toBe(true);
    expect((await host.request(hex('01 E0 FC FF F4 02 00 0C 35'), 13))[12]).toBe(0x40);
    const before = module.flash.read(0x11000, 64);
    await host.request(hex('01 E0 FC FF F4 06 00 0F 20 00 10 01 00'), 16);
    expect(module.flash.read(0x11000, 64).equals(before)).toBe(true);
  });

  test('another chip id and another flash id', async () => {
    const { host } = await chip({ chipId: 0x7231a, flashId: [0x1c, 0x70, 0x15] });
    await link(host);
    expect((await host.request(hex('01 E0 FC 05 03 00 00 80 00'), 15)).subarray(11).equals(hex('1A 23 07 00'))).toBe(true);
    expect((await host.request(hex('01 E0 FC FF F4 05 00 0E 9F 00 00 00'), 15)).subarray(12).equals(hex('1C 70 15'))).toBe(true);
  });

  test('eFuse read sequence returns the Tuya key bytes (§7.3)', async () => {
    const { host } = await chip();
    await link(host);
    const key: number[] = [];
    for (let i = 0; i < 4; i++) {
      const w = Buffer.from(hex('01 E0 FC 09 01 74 00 80 00 00 00 00 00'));
      w.writeUInt32LE((i << 8) | 1, 9);
      await host.request(w, 15);
      const ctrl = await host.request(hex('01 E0 FC 05 03 74 00 80 00'), 15);
      expect(ctrl.readUInt32LE(11) & 1).toBe(0);
      const v = (await host.request(hex('01 E0 FC 05 03 78 00 80 00'), 15)).readUInt32LE(11);
      expect(v & 0x100).toBe(0x100);
      key.push(v & 0xff);
    }
    expect(Buffer.from(key).readUInt32LE(0)).toBe(0x510fb093);
  });
});

describe('fault names', () => {
  test('parse with defaults and arguments', () => {
    expect(parseFault('drop:0.02')).toEqual({ dropRate: 0.02 });
    expect(parseFault('vanish')).toEqual({ vanishAfterHostBytes: 20000 });
    expect(parseFaults(['silent', 'brownout:3', 'stuck-protect'])).toEqual({ silent: true, brownoutOnErase: 3, stuckProtection: true });
  });
  test.each(['drop:2', 'brownout:0', 'silent:1', 'melt', 'vanish:1:2'])('rejects %s with a PlugrigError', (t) => {
    expect(() => parseFault(t)).toThrow(PlugrigError);
  });
});
