import { describe, test, expect } from '@jest/globals';
import { checkImageFits, describeImage } from '../../src/bk7231/image.js';
import { findFlashPart, flashSizeOf, midOf } from '../../src/bk7231/flash-table.js';
import { generateTestImage } from '../../src/bk7231/test-image.js';

const MiB = 1024 * 1024;

describe('images', () => {
  test('an OpenBK7231N build is a QIO image for 0x0', () => {
    const img = describeImage('/tmp/build.bin', generateTestImage({ size: 0x20000 }));
    expect(img.kind).toBe('bk7231n-qio');
    expect(img.family).toBe('BK7231N');
    expect(img.defaultOffset).toBe(0);
    expect(() => checkImageFits(img, 0, 2 * MiB)).not.toThrow();
  });

  test('a BK7231T UA image is refused for a BK7231N', () => {
    const data = Buffer.alloc(0x8000, 0xff);
    data.write('OpenBK7231T_1.17.1', 0x100, 'latin1');
    const img = describeImage('OpenBK7231T_UA_1.17.1.bin', data);
    expect(img.kind).toBe('bk7231t-ua');
    expect(img.defaultOffset).toBe(0x11000);
    expect(() => checkImageFits(img, 0x11000, 2 * MiB)).toThrow(expect.objectContaining({ code: 'E_IMAGE_FAMILY' }));
  });

  test('size and offset checks name the problem', () => {
    const img = describeImage('x.bin', Buffer.alloc(0x1000, 1));
    expect(() => checkImageFits(img, 0x800, 2 * MiB)).toThrow(expect.objectContaining({ code: 'E_IMAGE_OFFSET' }));
    expect(() => checkImageFits(img, 2 * MiB, 2 * MiB)).toThrow(expect.objectContaining({ code: 'E_IMAGE_OFFSET' }));
    expect(() => checkImageFits(describeImage('big.bin', Buffer.alloc(2 * MiB + 1)), 0, 2 * MiB)).toThrow(
      expect.objectContaining({ code: 'E_IMAGE_TOO_LARGE' }),
    );
    expect(() => checkImageFits(describeImage('e.bin', Buffer.alloc(0)), 0, 2 * MiB)).toThrow(expect.objectContaining({ code: 'E_IMAGE_EMPTY' }));
    expect(() => checkImageFits(img, 2 * MiB - 0x1000, 2 * MiB)).not.toThrow();
  });
});

describe('flash table', () => {
  test('TH25Q16HB: MID, size, mask', () => {
    const p = findFlashPart([0xeb, 0x60, 0x15]);
    expect(p?.name).toBe('TH25Q16HB');
    expect(p?.protectMask).toBe(0x407c);
    expect(midOf([0xeb, 0x60, 0x15])).toBe(0x1560eb);
    expect(flashSizeOf([0xeb, 0x60, 0x15])).toBe(2 * MiB);
  });
  test('one-byte SR parts read only SR1', () => {
    const p = findFlashPart([0x1c, 0x70, 0x15])!;
    expect(p.srBytes).toBe(1);
    expect(p.readOpcodes).toEqual([0x05]);
  });
  test('unknown ids are not guessed', () => {
    expect(findFlashPart([0x12, 0x34, 0x15])).toBeUndefined();
  });
});
