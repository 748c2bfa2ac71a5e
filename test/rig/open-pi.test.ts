/**
 * A Pi rig opened with the real onoff code over a fake sysfs GPIO kernel and a fake /sys/class/pwm:
 * the numbers exported for Pi 4 and Pi 5 layouts, what a reset does to the pins, and that every
 * line is released on close, when opening fails half-way, and on abort.
 */
import { jest, describe, test, expect, afterEach } from '@jest/globals';
import { LAYOUTS, installFakeGpioKernel } from '../io/fake-gpio-kernel.js';
import { inputLine, outputLine } from './fixture-lines.js';

const mockKernel = installFakeGpioKernel(jest);

const { resolve } = await import('node:path');
const { FakePwmKernel } = await import('../io/fake-pwm-kernel.js');
const { loadRigFile, PACKAGE_ROOT } = await import('../../src/rig/config.js');
const { openRig } = await import('../../src/rig/open.js');

const pwmKernels: InstanceType<typeof FakePwmKernel>[] = [];
afterEach(() => {
  for (const k of pwmKernels.splice(0)) k.cleanup();
  mockKernel.cleanup();
});

function kernels(layout: string, pwmDevice: string, exportDelayMs = 5) {
  mockKernel.reset(LAYOUTS[layout]!);
  const pwm = new FakePwmKernel([{ chip: 'pwmchip0', device: pwmDevice, npwm: pwmDevice.startsWith('fe2') ? 2 : 4 }], exportDelayMs);
  pwmKernels.push(pwm);
  return { gpio: { fs: mockKernel.access() }, pwm: { root: pwm.root, fs: pwm }, pwmKernel: pwm };
}

const pi4 = () => loadRigFile(resolve(PACKAGE_ROOT, 'rigs/pi4-rmc021.json'));
const pi5 = () => loadRigFile(resolve(PACKAGE_ROOT, 'rigs/pi5-rmc021.json'));

describe('a Pi rig over onoff and kernel PWM', () => {
  test('Pi 4 on a 6.6 kernel: lines exported at base 512, all released, PWM channels 0 and 1 exported', async () => {
    const k = kernels('pi4-6.6', 'fe20c000.pwm');
    const rig = await openRig(await pi4(), k);
    expect(mockKernel.exported()).toEqual([17, 22, 23, 24, 25, 27].map((b) => 512 + b));
    expect(mockKernel.exported().map((n) => mockKernel.direction(n))).toEqual(Array(6).fill('in'));
    expect(k.pwmKernel.ops.filter((o) => o.startsWith('export'))).toEqual(['export 0', 'export 1']);
    await rig.close();
    expect(mockKernel.exported()).toEqual([]);
    expect(k.pwmKernel.ops.filter((o) => o.startsWith('unexport')).sort()).toEqual(['unexport 0', 'unexport 1']);
  });

  test('Pi 5 on a 6.12 kernel: base 569 from the pinctrl-rp1 label', async () => {
    const k = kernels('pi5-6.12', '1f00098000.pwm');
    const rig = await openRig(await pi5(), k);
    expect(mockKernel.exported()).toEqual([17, 22, 23, 24, 25, 27].map((b) => 569 + b));
    expect(k.pwmKernel.ops.filter((o) => o.startsWith('export')).sort()).toEqual(['export 2', 'export 3']);
    await rig.close();
    expect(mockKernel.exported()).toEqual([]);
  });

  test('a CEN pulse: power on, button released, CEN driven low then let go (open-drain)', async () => {
    const k = kernels('pi4-6.6', 'fe20c000.pwm');
    const rig = await openRig(await pi4(), k);
    const button = outputLine(rig, 'button');
    await button.set(0);
    mockKernel.ops.length = 0;
    await rig.resets[0]!.run();
    expect(mockKernel.ops).toEqual(['direction 534 in', 'direction 529 high', 'direction 539 low', 'direction 539 in']);
    await rig.close();
  });

  test('the relay input reports edges driven on its pin', async () => {
    const k = kernels('pi4-6.6', 'fe20c000.pwm');
    const rig = await openRig(await pi4(), k);
    const relay = inputLine(rig, 'relay');
    const levels: number[] = [];
    relay.watch((e) => levels.push(e.level));
    mockKernel.drive(512 + 23, 0);
    await new Promise((r) => setTimeout(r, 10));
    mockKernel.drive(512 + 23, 1);
    await new Promise((r) => setTimeout(r, 10));
    expect(levels).toEqual([0, 1]);
    await rig.close();
  });

  test('a failure half-way (no PWM chip for the board) releases every GPIO already exported', async () => {
    const k = kernels('pi4-6.6', '1f00098000.pwm'); // a Pi 5 PWM chip under a Pi 4 rig
    await expect(openRig(await pi4(), k)).rejects.toMatchObject({ code: 'E_PWM_UNAVAILABLE' });
    expect(mockKernel.ops.some((o) => o.startsWith('export'))).toBe(true);
    expect(mockKernel.exported()).toEqual([]);
  });

  test('an abort while opening releases everything and rejects with E_ABORTED', async () => {
    const k = kernels('pi4-6.6', 'fe20c000.pwm', 200);
    const ac = new AbortController();
    const p = openRig(await pi4(), { ...k, signal: ac.signal });
    setTimeout(() => ac.abort(), 20);
    await expect(p).rejects.toMatchObject({ code: 'E_ABORTED' });
    expect(mockKernel.exported()).toEqual([]);
    expect(k.pwmKernel.ops).toEqual(['export 0', 'unexport 0']);
  });

  test('an abort after opening closes the rig', async () => {
    const k = kernels('pi4-6.6', 'fe20c000.pwm');
    const ac = new AbortController();
    await openRig(await pi4(), { ...k, signal: ac.signal });
    expect(mockKernel.exported()).toHaveLength(6);
    ac.abort();
    await new Promise((r) => setTimeout(r, 20));
    expect(mockKernel.exported()).toEqual([]);
  });
});
