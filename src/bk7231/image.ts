/**
 * Firmware images (docs/bk7231n-download-protocol.md §10.2): a BK7231N QIO image (bootloader + app, written at 0x0) or a
 * BK7231T UA image (app only, at 0x11000, for the other chip family). The family is recognised
 * from the file name and from build tags in the bytes where possible; size and offset are checked
 * before anything touches the chip.
 */
import { createHash } from 'node:crypto';
import { basename } from 'node:path';
import { PlugrigError } from '../core/errors.js';
import { SECTOR } from './plan.js';

export type ImageKind = 'bk7231n-qio' | 'bk7231t-ua' | 'raw';
export type ChipFamily = 'BK7231N' | 'BK7231T' | 'unknown';

export interface FirmwareImage {
  name: string;
  data: Buffer;
  kind: ImageKind;
  family: ChipFamily;
  /** Where this kind of image belongs in flash. */
  defaultOffset: number;
  sha256: string;
}

const QIO_OFFSET = 0x0;
const UA_OFFSET = 0x11000;

function familyFromBytes(data: Buffer): ChipFamily {
  // Build tags as OpenBeken and the Beken SDK leave them in the clear (e.g. "OpenBK7231N_1.17").
  const text = data.toString('latin1');
  const n = /OpenBK7231N|BK7231N_/.test(text);
  const t = /OpenBK7231T|BK7231T_|BK7231S_/.test(text);
  if (n && !t) return 'BK7231N';
  if (t && !n) return 'BK7231T';
  return 'unknown';
}

/** Classifies an image from its file name and bytes. */
export function describeImage(name: string, data: Buffer): FirmwareImage {
  const file = basename(name);
  const sha256 = createHash('sha256').update(data).digest('hex');
  let family = familyFromBytes(data);
  if (family === 'unknown') {
    if (/7231T|7231U/i.test(file)) family = 'BK7231T';
    else if (/7231N/i.test(file)) family = 'BK7231N';
  }
  let kind: ImageKind = 'raw';
  if (/_UA_|_enc_uart/i.test(file) || family === 'BK7231T') kind = 'bk7231t-ua';
  else if (/_QIO_|all_\d/i.test(file) || family === 'BK7231N') kind = 'bk7231n-qio';
  const defaultOffset = kind === 'bk7231t-ua' ? UA_OFFSET : QIO_OFFSET;
  return { name: file, data, kind, family, defaultOffset, sha256 };
}

/**
 * Throws the user-facing error for an image that must not go to this chip at this offset:
 * wrong family, empty, unaligned offset, or not fitting in the flash / the target range.
 */
export function checkImageFits(img: FirmwareImage, offset: number, flashSize: number, chip: ChipFamily = 'BK7231N', rangeEnd = flashSize): void {
  if (img.data.length === 0) throw new PlugrigError('E_IMAGE_EMPTY', `${img.name} is empty`, 'pass the firmware .bin file');
  if (chip !== 'unknown' && img.family !== 'unknown' && img.family !== chip) {
    throw new PlugrigError(
      'E_IMAGE_FAMILY',
      `${img.name} is a ${img.family} image but the chip is a ${chip}`,
      chip === 'BK7231N' ? 'use the OpenBK7231N *_QIO_*.bin build' : 'use the image built for this chip',
    );
  }
  if (!Number.isInteger(offset) || offset < 0 || offset % SECTOR !== 0) {
    throw new PlugrigError('E_IMAGE_OFFSET', `offset 0x${offset.toString(16)} is not 4 KiB aligned`, 'pass a multiple of 0x1000 (QIO images go to 0x0)');
  }
  if (offset >= flashSize) {
    throw new PlugrigError('E_IMAGE_OFFSET', `offset 0x${offset.toString(16)} is beyond the ${flashSize / 1024} KiB flash`, 'pick an offset inside the flash');
  }
  const end = Math.min(rangeEnd, flashSize);
  if (offset + img.data.length > end) {
    throw new PlugrigError(
      'E_IMAGE_TOO_LARGE',
      `${img.name} (${img.data.length} bytes) at 0x${offset.toString(16)} ends at 0x${(offset + img.data.length).toString(16)}, past 0x${end.toString(16)}`,
      img.data.length > flashSize ? `the flash holds ${flashSize} bytes: is this the right file?` : 'use a smaller image or a lower offset',
    );
  }
}

/** Short content hash for file names (first 8 hex digits of SHA-256). */
export function shortHash(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex').slice(0, 8);
}
