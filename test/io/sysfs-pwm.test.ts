import { describe, test, expect, beforeEach, afterEach } from '@jest/globals';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { FakePwmKernel } from './fake-pwm-kernel.js';
import { openSysfsPwm } from '../../src/io/sysfs-pwm.js';
import { PI4_PWM_CLOCK_HZ, PI5_PWM_CLOCK_HZ, pwmResolutionHz, pwmSetting, writeOrder } from '../../src/io/pwm-math.js';

describe('pwm maths', () => {
  test('periods are quantised to the clock and the actual frequency is reported', () => {
    const s = pwmSetting(1234.5, 0.5, PI4_PWM_CLOCK_HZ);
    expect(s.periodNs % 100).toBe(0);
    expect(Math.abs(s.actualHz - 1234.5) / 1234.5).toBeLessThan(0.0001);
    expect(s.dutyNs).toBe(Math.round(s.periodNs / 200) * 100);
  });
  test('resolution: ~0.1 Hz at 1 kHz on a Pi 4, five times finer on a Pi 5', () => {
    const pi4 = pwmResolutionHz(1000, PI4_PWM_CLOCK_HZ);
    expect(pi4).toBeGreaterThan(0.09);
    expect(pi4).toBeLessThan(0.11);
    expect(pi4 / pwmResolutionHz(1000, PI5_PWM_CLOCK_HZ)).toBeCloseTo(5, 1);
  });
  test('write order keeps duty ≤ period', () => {
    expect(writeOrder(500_000, pwmSetting(100, 0.5, PI4_PWM_CLOCK_HZ))).toEqual(['period', 'duty_cycle']);
    expect(writeOrder(5_000_000, pwmSetting(1000, 0.5, PI4_PWM_CLOCK_HZ))).toEqual(['duty_cycle', 'period']);
  });
  test('impossible settings are refused', () => {
    expect(() => pwmSetting(0, 0.5, PI4_PWM_CLOCK_HZ)).toThrow(expect.objectContaining({ code: 'E_PWM_RANGE' }));
    expect(() => pwmSetting(100, 1.5, PI4_PWM_CLOCK_HZ)).toThrow(/duty/);
    expect(() => pwmSetting(8e6, 0.5, PI4_PWM_CLOCK_HZ)).toThrow(/above/);
  });
});

describe('sysfs PWM backend', () => {
  let k: FakePwmKernel;
  beforeEach(() => {
    k = new FakePwmKernel([
      { chip: 'pwmchip0', device: '1f0009c000.pwm', npwm: 4 }, // Pi 5 fan PWM: must not be picked
      { chip: 'pwmchip2', device: '1f00098000.pwm', npwm: 4 },
    ]);
  });
  afterEach(() => k.cleanup());

  test('finds the chip by device, waits for the export, writes ns in order, enables, changes live, unexports', async () => {
    const cf = await openSysfsPwm({ name: 'cf', chipDevice: '1f00098000.pwm', channel: 2, clockHz: PI5_PWM_CLOCK_HZ }, { pwmRoot: k.root, fs: k });
    expect(cf.chip).toBe('pwmchip2');
    expect(k.ops).toEqual(['export 2', 'pwm2/enable 0']);
    await cf.set(1000, 0.5);
    expect(k.ops.slice(2)).toEqual(['pwm2/period 1000000', 'pwm2/duty_cycle 500000', 'pwm2/enable 1']);
    k.ops.length = 0;
    await cf.set(2500, 0.5); // shorter period than the current duty: duty first, no re-enable
    expect(k.ops).toEqual(['pwm2/duty_cycle 200000', 'pwm2/period 400000']);
    expect(k.num('pwmchip2', 2, 'enable')).toBe(1);
    k.ops.length = 0;
    await cf.set(10, 0.25);
    expect(k.ops).toEqual(['pwm2/period 100000000', 'pwm2/duty_cycle 25000000']);
    expect(cf.current?.actualHz).toBeCloseTo(10, 6);
    await cf.stop();
    expect(k.num('pwmchip2', 2, 'enable')).toBe(0);
    await cf.close();
    expect(k.ops.slice(-1)).toEqual(['unexport 2']);
    expect(existsSync(join(k.root, 'pwmchip2', 'pwm2'))).toBe(false);
  });

  test('a missing chip names what was found and hints the overlay', async () => {
    await expect(
      openSysfsPwm({ name: 'cf', chipDevice: 'fe20c000.pwm', channel: 0, clockHz: PI4_PWM_CLOCK_HZ }, { pwmRoot: k.root, fs: k }),
    ).rejects.toMatchObject({
      code: 'E_PWM_UNAVAILABLE',
      message: expect.stringContaining('pwmchip2→1f00098000.pwm'),
      hint: expect.stringContaining('pwm-2chan'),
    });
  });

  test('a channel whose files never appear is unexported again after the deadline', async () => {
    const slow = new FakePwmKernel([{ chip: 'pwmchip0', device: 'fe20c000.pwm', npwm: 2 }], 10_000);
    try {
      await expect(
        openSysfsPwm({ name: 'cf1', chipDevice: 'fe20c000.pwm', channel: 1, clockHz: PI4_PWM_CLOCK_HZ }, { pwmRoot: slow.root, fs: slow, exportTimeoutMs: 40 }),
      ).rejects.toMatchObject({ code: 'E_PWM_IO' });
      expect(slow.ops).toEqual(['export 1', 'unexport 1']);
    } finally {
      slow.cleanup();
    }
  });

  test('an abort while waiting for the export releases the channel', async () => {
    const ac = new AbortController();
    const p = openSysfsPwm({ name: 'cf', chipDevice: '1f00098000.pwm', channel: 3, clockHz: PI5_PWM_CLOCK_HZ }, { pwmRoot: k.root, fs: k, signal: ac.signal });
    ac.abort();
    await expect(p).rejects.toMatchObject({ code: 'E_ABORTED' });
    expect(k.ops).toEqual(['export 3', 'unexport 3']);
  });

  test('an abort that finds the channel already exported (no wait at all) still refuses and releases it', async () => {
    // The channel is left over from an earlier run: its files are there, so the export loop never waits.
    k.write(join(k.root, 'pwmchip2', 'export'), '1');
    for (let i = 0; i < 400 && !existsSync(join(k.root, 'pwmchip2', 'pwm1', 'enable')); i++) await new Promise((r) => setTimeout(r, 5));
    k.ops.length = 0;
    const ac = new AbortController();
    ac.abort();
    await expect(
      openSysfsPwm({ name: 'cf', chipDevice: '1f00098000.pwm', channel: 1, clockHz: PI5_PWM_CLOCK_HZ }, { pwmRoot: k.root, fs: k, signal: ac.signal }),
    ).rejects.toMatchObject({
      code: 'E_ABORTED',
    });
    expect(k.ops).toEqual(['pwm1/enable 0', 'unexport 1']);
  });
});
