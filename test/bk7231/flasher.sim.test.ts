/**
 * The flasher against the simulated module (an independent implementation of the ROM side),
 * with fast timing: fresh and protected flashes, differential re-flash, backup round trip,
 * read-modify-write edges, and every fault ending in its named error.
 */
import { describe, test, expect, afterEach } from '@jest/globals';
import { Flasher, type FlasherOptions } from '../../src/bk7231/flasher.js';
import { generateTestImage } from '../../src/bk7231/test-image.js';
import { sleep } from '../../src/core/clock.js';
import type { SimModuleOptions } from '../../src/sim/index.js';
import { openSimPort, simFlasher, simRig } from './sim-rig.js';

const MiB = 1024 * 1024;
const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
});

const connect = (sim: SimModuleOptions = {}, opts: Partial<FlasherOptions> = {}) => simFlasher(cleanups, sim, opts);

describe('flasher on the simulated module', () => {
  test('identifies a stock CB2S: chip, flash, MAC', async () => {
    const { flasher, module } = await connect({ mac: 'C8478C112233' }, { efuse: true });
    expect(flasher.identity.chipId).toBe(0x7231c);
    expect(flasher.identity.part?.name).toBe('TH25Q16HB');
    expect(flasher.identity.flashSize).toBe(2 * MiB);
    expect(flasher.identity.mac).toBe('C8478C112233');
    expect(module.state).toBe('download');
    expect(await flasher.status()).toBe(0x4004);
    // eFuse bytes 0..15: the Tuya code-encryption key (reference §7.3).
    expect(flasher.identity.efuse?.subarray(0, 16).toString('hex')).toBe('93b00f51dceacba37ea1935903ebadc7');
  });

  test('writes a protected stock module, clears SR, verifies, reboots', async () => {
    const { flasher, module } = await connect();
    const img = generateTestImage({ size: 300 * 1024 });
    const after = module.flash.read(0x4b000, 0x10000);
    const r = await flasher.write(img, { offset: 0 });
    expect(r.srBefore).toBe(0x4004);
    expect(module.flash.read(0, img.length).equals(img)).toBe(true);
    expect(r.plan.eraseCount.block).toBe(4);
    expect(r.plan.eraseCount.sector).toBe(11);
    // Beyond the image's last sector the factory content is untouched.
    expect(module.flash.read(0x4b000, 0x10000).equals(after)).toBe(true);
    expect(after.equals(Buffer.alloc(0x10000, 0xff))).toBe(false);
    await sleep(flasher.clock, 50);
    expect(module.state).not.toBe('download');
  });

  test('differential re-flash rewrites only the changed sector', async () => {
    const { flasher, module } = await connect({ factoryImage: false, initialSr: 0 });
    const img = generateTestImage({ size: 512 * 1024 });
    await flasher.write(img, { offset: 0, reboot: false });
    img[0x45123] = img[0x45123]! ^ 0x5a;
    const r = await flasher.write(img, { offset: 0, reboot: false, diff: true });
    expect(r.written).toBe(1);
    expect(r.skipped).toBe(127);
    expect(r.plan.ops.map((o) => o.kind)).toEqual(['erase', 'program']);
    expect(module.flash.read(0, img.length).equals(img)).toBe(true);
  });

  test('backup round trip: the whole flash reads back as the chip holds it', async () => {
    const { flasher, module } = await connect();
    const backup = await flasher.read();
    expect(backup.length).toBe(2 * MiB);
    expect(backup.equals(module.flash.read(0, 2 * MiB))).toBe(true);
    const again = await flasher.write(backup, { offset: 0, diff: true, reboot: false });
    expect(again.written).toBe(0);
  });

  test('unaligned data is merged into its edge sectors', async () => {
    const { flasher, module } = await connect();
    const before = module.flash.read(0x30000, 0x4000);
    const data = Buffer.alloc(0x1800, 0x3c);
    await flasher.write(data, { offset: 0x31100, reboot: false });
    const after = module.flash.read(0x30000, 0x4000);
    expect(after.subarray(0x1100, 0x2900).equals(data)).toBe(true);
    expect(after.subarray(0, 0x1100).equals(before.subarray(0, 0x1100))).toBe(true);
    expect(after.subarray(0x2900).equals(before.subarray(0x2900))).toBe(true);
  });

  test('verify reports equal, then the sector that differs', async () => {
    const { flasher, module } = await connect();
    const content = module.flash.read(0x11000, 0x8000);
    expect((await flasher.verify(content, 0x11000)).equal).toBe(true);
    content[0x3005] = content[0x3005]! ^ 1;
    const v = await flasher.verify(content, 0x11000);
    expect(v.equal).toBe(false);
    expect(v.differing).toEqual([0x14000]);
  });

  test('links inside a 20 ms download window', async () => {
    const { flasher } = await connect({ downloadWindowMs: 20 });
    expect(flasher.link.cycles).toBeGreaterThanOrEqual(1);
  });

  test('bare port: a chip held in download mode answers without a reset', async () => {
    const { flasher } = await connect({ downloadWindowMs: Number.POSITIVE_INFINITY }, { resets: [], link: { bareBudgetMs: 1000 } });
    expect(flasher.link.reset).toBeUndefined();
  });

  test('a chip left at 921600 by an earlier session is found by the speed probe', async () => {
    const rig = await simRig({ downloadWindowMs: Number.POSITIVE_INFINITY });
    cleanups.push(() => rig.module.close());
    const first = await Flasher.connect({ port: rig.port, resets: rig.resets, baudRate: 921600, clock: rig.clock });
    await first.close();
    const port = await openSimPort(rig.module.uartPath);
    const second = await Flasher.connect({ port, resets: [], baudRate: 921600, link: { bareBudgetMs: 300 }, clock: rig.clock });
    cleanups.push(() => second.close());
    expect(second.link.baudRate).toBe(921600);
    expect(second.identity.chipId).toBe(0x7231c);
  });
});

describe('faults end in their named errors', () => {
  test('silent chip: E_LINK_NO_REPLY naming the cycles', async () => {
    const rig = await simRig({ faults: { silent: true } });
    cleanups.push(() => rig.module.close());
    const t0 = rig.clock.now();
    const err = await Flasher.connect({ port: rig.port, resets: rig.resets, link: { cycles: 2, listenMs: 100 }, clock: rig.clock }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'E_LINK_NO_REPLY' });
    expect((err as Error).message).toMatch(/2 reset cycle/);
    expect(rig.clock.now() - t0).toBeLessThan(5000);
    // The port was released: it can be opened again.
    const again = await openSimPort(rig.module.uartPath);
    await new Promise<void>((r) => again.close(() => r()));
  });

  test('stuck protection: E_PROTECTED', async () => {
    const { flasher } = await connect({ faults: { stuckProtection: true } });
    await expect(flasher.write(generateTestImage({ size: 0x20000 }), { offset: 0 })).rejects.toMatchObject({ code: 'E_PROTECTED' });
  });

  test('unknown flash id: E_FLASH_UNKNOWN before anything is erased', async () => {
    const { flasher, module } = await connect({ flashId: [0x12, 0x34, 0x15] });
    const before = module.flash.read(0, 0x20000);
    await expect(flasher.write(generateTestImage({ size: 0x20000 }), { offset: 0 })).rejects.toMatchObject({ code: 'E_FLASH_UNKNOWN' });
    expect(module.flash.read(0, 0x20000).equals(before)).toBe(true);
  });

  test('other chip family: E_CHIP_ID', async () => {
    const rig = await simRig({ chipId: 0x7231a });
    cleanups.push(() => rig.module.close());
    const err = await Flasher.connect({ port: rig.port, resets: rig.resets, clock: rig.clock }).catch((e: unknown) => e);
    expect(String(err)).toMatch(/BK7231T/);
    expect(err).toMatchObject({ code: 'E_CHIP_ID' });
  });

  test('brown-out on the first erase: E_CHIP_LOST within seconds', async () => {
    const { flasher } = await connect({ faults: { brownoutOnErase: 1 } });
    const t0 = flasher.clock.now();
    await expect(flasher.write(generateTestImage({ size: 0x40000 }), { offset: 0 })).rejects.toMatchObject({ code: 'E_CHIP_LOST' });
    expect(flasher.clock.now() - t0).toBeLessThan(6000);
  });

  test('port unplugged mid-write: E_PORT_GONE within 2 s', async () => {
    const { flasher } = await connect({ faults: { vanishAfterHostBytes: 200_000 } });
    let failedAt = 0;
    const t0 = flasher.clock.now();
    const err = await flasher.write(generateTestImage({ size: MiB }), { offset: 0 }).catch((e: unknown) => {
      failedAt = flasher.clock.now();
      return e;
    });
    expect(err).toMatchObject({ code: 'E_PORT_GONE' });
    expect(failedAt - t0).toBeLessThan(2000);
  });

  test('lossy line: the write still ends verified', async () => {
    const { flasher, module } = await connect({ factoryImage: false, initialSr: 0, seed: 7 });
    module.setFaults({ dropRate: 0.00002 });
    const img = generateTestImage({ size: 256 * 1024 });
    await flasher.write(img, { offset: 0, reboot: false });
    module.setFaults({});
    expect(module.flash.read(0, img.length).equals(img)).toBe(true);
  });

  test('corrupted bytes on the line: the backup still equals the flash (sectors re-read)', async () => {
    const { flasher, module } = await connect({ seed: 11 });
    module.setFaults({ corruptRate: 3e-6 });
    const backup = await flasher.read();
    module.setFaults({});
    expect(backup.equals(module.flash.read(0, 2 * MiB))).toBe(true);
  });

  test('Ctrl-C mid-write: E_ABORTED and the port is released', async () => {
    const controller = new AbortController();
    // Aborted once the write is under way (on fast virtual time the whole write takes no time at all).
    const progress = (p: { phase: string; done: number }) => {
      if (p.phase === 'write' && p.done > 0) controller.abort();
    };
    const { flasher, module } = await connect({}, { signal: controller.signal, progress });
    await expect(flasher.write(generateTestImage({ size: MiB }), { offset: 0 })).rejects.toMatchObject({ code: 'E_ABORTED' });
    await flasher.close();
    const again = await openSimPort(module.uartPath);
    await new Promise<void>((r) => again.close(() => r()));
  });
});
