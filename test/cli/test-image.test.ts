import { describe, expect, test } from '@jest/globals';
import { APP_OFFSET, generateTestImage } from '../../src/bk7231/test-image.js';

describe('generateTestImage', () => {
  test('is deterministic per seed and differs across seeds', () => {
    const a = generateTestImage({ size: 128 * 1024, seed: 1 });
    expect(a.equals(generateTestImage({ size: 128 * 1024, seed: 1 }))).toBe(true);
    expect(a.equals(generateTestImage({ size: 128 * 1024, seed: 2 }))).toBe(false);
  });
  test('carries the OpenBeken build tag in the application area', () => {
    const img = generateTestImage({ size: 256 * 1024, version: '9.9.9' });
    const at = img.indexOf('OpenBK7231N_9.9.9');
    expect(at).toBe(APP_OFFSET + 0x100);
  });
  test('looks like code with erased gaps: whole 0xFF sectors and dense sectors both occur', () => {
    const img = generateTestImage({ size: 1024 * 1024 });
    let blank = 0;
    let dense = 0;
    for (let s = 0; s < img.length; s += 4096) {
      const sector = img.subarray(s, s + 4096);
      const ff = sector.reduce((n, b) => n + (b === 0xff ? 1 : 0), 0);
      if (ff === 4096) blank += 1;
      else if (ff < 64) dense += 1;
    }
    expect(blank).toBeGreaterThan(10);
    expect(dense).toBeGreaterThan(100);
  });
  test('refuses sizes without room for the application', () => {
    expect(() => generateTestImage({ size: 4096 })).toThrow(RangeError);
  });
});
