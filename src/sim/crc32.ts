/**
 * The CRC the BK7231N ROM computes for CheckCRC: reflected CRC-32 (poly 0xEDB88320), register
 * seeded with 0xFFFFFFFF and no final XOR (docs/bk7231n-download-protocol.md §4.1). Written here rather than shared with the
 * flasher so a mistake on one side cannot hide on the other.
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

/** Continues a ROM-style CRC register over `data`. Start with 0xFFFFFFFF. */
export function romCrcUpdate(reg: number, data: Uint8Array): number {
  let c = reg >>> 0;
  for (let i = 0; i < data.length; i++) c = TABLE[(c ^ data[i]!) & 0xff]! ^ (c >>> 8);
  return c >>> 0;
}

/** The value the ROM reports for `data` (the bitwise NOT of the usual zlib CRC-32). */
export function romCrc(data: Uint8Array): number {
  return romCrcUpdate(0xffffffff, data);
}
