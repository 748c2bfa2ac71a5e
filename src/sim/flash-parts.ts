/**
 * What the simulated flash needs to know about a part: its JEDEC bytes, how many status-register
 * bytes it has and which bits protect the array. From the flash table in docs/bk7231n-download-protocol.md §8.5.
 */
export interface FlashPart {
  name: string;
  /** JEDEC Read-ID bytes as the chip returns them: manufacturer, memory type, capacity code. */
  jedec: readonly [number, number, number];
  /** Status-register width in bytes (1 or 2). */
  srBytes: 1 | 2;
  /** SR bits that protect the array (BP field, CMP...). */
  protectMask: number;
}

export const FLASH_PARTS: readonly FlashPart[] = [
  { name: 'TH25Q16HB', jedec: [0xeb, 0x60, 0x15], srBytes: 2, protectMask: 0x407c },
  { name: 'TH25Q16UC', jedec: [0xcd, 0x71, 0x15], srBytes: 2, protectMask: 0x407c },
  { name: 'EN25QH16B', jedec: [0x1c, 0x70, 0x15], srBytes: 1, protectMask: 0x3c },
  { name: 'XT25F16B', jedec: [0x0b, 0x40, 0x15], srBytes: 2, protectMask: 0x407c },
  { name: 'GD25Q16B', jedec: [0xc8, 0x40, 0x15], srBytes: 2, protectMask: 0x407c },
  { name: 'P25Q16HBK', jedec: [0x85, 0x20, 0x15], srBytes: 2, protectMask: 0x407c },
  { name: 'MX25V1635F', jedec: [0xc2, 0x23, 0x15], srBytes: 2, protectMask: 0x103c },
];

/** A part by its JEDEC bytes; an unknown id behaves like a 2-byte-SR part with the common mask. */
export function partFor(jedec: readonly [number, number, number]): FlashPart {
  const known = FLASH_PARTS.find((p) => p.jedec.every((b, i) => b === jedec[i]));
  return known ?? { name: 'unknown', jedec, srBytes: 2, protectMask: 0x407c };
}

/** Flash size from the JEDEC capacity code (2^cap bytes), as every tool computes it. */
export function sizeFromCapacityCode(cap: number): number {
  return 2 ** cap;
}
