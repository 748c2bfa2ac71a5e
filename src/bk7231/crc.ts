/**
 * The CRC the BK7231 ROM computes for CheckCRC (docs/bk7231n-download-protocol.md §4): reflected CRC-32, polynomial
 * 0xEDB88320, register seeded with 0xFFFFFFFF and *no* final XOR — the bitwise NOT of zlib's crc32.
 * On BK7231N the command's end address is inclusive; on the BK7231T bootloader it is exclusive.
 */
const TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

export const CRC_INIT = 0xffffffff;

/** Continues a CRC register over `data` (start with CRC_INIT); returns the register as the chip reports it. */
export function crcUpdate(reg: number, data: Uint8Array): number {
  let c = reg >>> 0;
  for (let i = 0; i < data.length; i++) c = TABLE[(c ^ data[i]!) & 0xff]! ^ (c >>> 8);
  return c >>> 0;
}

/** The value the chip reports for CheckCRC over exactly these bytes. */
export function chipCrc(data: Uint8Array): number {
  return crcUpdate(CRC_INIT, data);
}

/** Chip CRC of `len` bytes of 0xFF (an erased range), without allocating the range. */
export function erasedCrc(len: number): number {
  const chunk = new Uint8Array(Math.min(len, 0x10000)).fill(0xff);
  let reg = CRC_INIT;
  for (let done = 0; done < len; done += chunk.length) reg = crcUpdate(reg, chunk.subarray(0, Math.min(chunk.length, len - done)));
  return reg;
}

/** Chip CRC of one erased 4 KiB sector (docs/bk7231n-download-protocol.md §4.3). */
export const ERASED_SECTOR_CRC = 0x0eab98f5;

export type CrcEndConvention = 'inclusive' | 'exclusive';

/** The (start, end) pair to send for `len` bytes from `start` under the chip's end convention. */
export function crcCommandRange(start: number, len: number, end: CrcEndConvention = 'inclusive'): [number, number] {
  if (len <= 0) throw new RangeError('CRC range must not be empty');
  return [start >>> 0, (end === 'inclusive' ? start + len - 1 : start + len) >>> 0];
}
