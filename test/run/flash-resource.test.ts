/**
 * t.flash's refusals, which happen before the chip is touched: a file that is not firmware, a
 * missing file, empty bytes, a rig with no boot sequence, a run with no rig. The flashing itself runs
 * on the simulated rig in test/plan/examples.test.ts (examples/upgrade-keeps-config.ts).
 */
import { describe, expect, test } from '@jest/globals';
import { realClock } from '../../src/core/clock.js';
import { generateTestImage } from '../../src/bk7231/test-image.js';
import type { FlashRig } from '../../src/run/flash-phases.js';
import { rigFlash } from '../../src/run/resources/flash.js';
import { noResources } from '../../src/run/resources/none.js';

function fakeRig(o: { boot?: boolean } = {}) {
  const opened: string[] = [];
  const rig: FlashRig = {
    name: 'fake',
    clock: realClock,
    resets: [],
    releaseUartPads: async () => undefined,
    deviceUrl: () => undefined,
    uart: {
      path: '/dev/fake',
      open: async () => {
        opened.push('uart');
        throw new Error('the test never links');
      },
    } as unknown as FlashRig['uart'],
    ...(o.boot === false ? {} : { boot: { name: 'boot', text: 'cen 0, wait 100, cen 1', durationMs: 100, run: async () => undefined } }),
  };
  return { rig, opened };
}

async function refusal(p: Promise<unknown>): Promise<{ code: string; message: string }> {
  const e = (await p.then(
    () => undefined,
    (err: unknown) => err,
  )) as { code: string; message: string } | undefined;
  if (!e) throw new Error('expected a refusal');
  return e;
}

describe('t.flash.write refuses before linking', () => {
  test('a file that is not an image: one line naming the file, the UART never opened', async () => {
    const { rig, opened } = fakeRig();
    const e = await refusal(rigFlash(rig).write('package.json', { diff: true }));
    expect(e.code).toBe('E_FLASH_IMAGE');
    expect(e.message).toBe('package.json is not a BK7231 firmware image (no OpenBK7231N/T build tag in it, no _QIO_/_UA_ in its name)');
    expect(opened).toEqual([]);
  });

  test('a missing file, a directory and empty bytes are named too', async () => {
    const { rig, opened } = fakeRig();
    const flash = rigFlash(rig);
    expect(await refusal(flash.write('build/nope.bin'))).toMatchObject({ code: 'E_FLASH_IMAGE', message: 'build/nope.bin: no such file' });
    expect(await refusal(flash.write('examples'))).toMatchObject({ code: 'E_FLASH_IMAGE', message: 'examples: is a directory' });
    expect(await refusal(flash.write(new Uint8Array(0)))).toMatchObject({ code: 'E_FLASH_IMAGE', message: '(bytes) is empty' });
    expect(opened).toEqual([]);
  });

  test('a real image gets as far as the link (and the link error is what the caller sees)', async () => {
    const { rig, opened } = fakeRig();
    await expect(rigFlash(rig).write(generateTestImage({ size: 0x12000 }))).rejects.toThrow('the test never links');
    expect(opened).toEqual(['uart']);
  });

  test('a rig with no boot sequence cannot flash: available false, write says why', async () => {
    const { rig, opened } = fakeRig({ boot: false });
    const flash = rigFlash(rig);
    expect(flash.available).toBe(false);
    expect(await refusal(flash.write(generateTestImage({ size: 0x12000 })))).toMatchObject({ code: 'E_NO_RESOURCE' });
    expect(opened).toEqual([]);
  });

  test('a run with no rig has an unavailable t.flash', async () => {
    const flash = noResources('run on bench').flash;
    expect(flash.available).toBe(false);
    expect(await refusal(flash.write('x.bin'))).toMatchObject({
      code: 'E_NO_RESOURCE',
      message: "run on bench has no flasher (the module's UART and a boot sequence in the rig file)",
    });
  });
});
