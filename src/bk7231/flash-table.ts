/**
 * Flash parts the flasher knows how to unprotect (docs/bk7231n-download-protocol.md §8.5). Data only: to support a new
 * part add a row with its JEDEC bytes (as FlashGetMID returns them), its status-register width,
 * the opcodes that read each SR byte and the mask of the protect bits.
 */
export interface FlashPart {
  name: string;
  /** Manufacturer, memory type, capacity code — in the order the chip sends them. */
  jedec: readonly [number, number, number];
  /** Status-register bytes written by FlashWriteSR (1 or 2). */
  srBytes: 1 | 2;
  /** ReadSR opcodes, one per SR byte (low byte first). */
  readOpcodes: readonly number[];
  /** SR bits that protect the array (BP field, CMP...): all cleared to unprotect. */
  protectMask: number;
  note?: string;
}

const two = (name: string, jedec: [number, number, number], note?: string): FlashPart => ({
  name,
  jedec,
  srBytes: 2,
  readOpcodes: [0x05, 0x35],
  protectMask: 0x407c,
  ...(note ? { note } : {}),
});

export const FLASH_TABLE: readonly FlashPart[] = [
  two('TH25Q16HB', [0xeb, 0x60, 0x15], 'most common on CB2S'),
  two('TH25Q16UC', [0xcd, 0x71, 0x15]),
  { name: 'EN25QH16B', jedec: [0x1c, 0x70, 0x15], srBytes: 1, readOpcodes: [0x05], protectMask: 0x3c },
  two('XT25F16B', [0x0b, 0x40, 0x15]),
  two('XT25F16B (alt)', [0x4b, 0x40, 0x15]),
  two('GD25Q16B', [0xc8, 0x40, 0x15]),
  two('GD25WQ16E', [0xc8, 0x65, 0x15]),
  { name: 'P25Q16HB', jedec: [0x85, 0x42, 0x15], srBytes: 1, readOpcodes: [0x05], protectMask: 0x7c },
  two('P25Q16HBK', [0x85, 0x20, 0x15]),
  two('P25Q16SU', [0x85, 0x60, 0x15]),
  {
    name: 'MX25V1635F',
    jedec: [0xc2, 0x23, 0x15],
    srBytes: 2,
    readOpcodes: [0x05, 0x15],
    protectMask: 0x103c,
    note: '2nd SR byte is the MXIC config register',
  },
  two('GT25Q16B', [0xc4, 0x60, 0x15], 'three SR bytes; only the first two are written'),
  two('P25Q80', [0x85, 0x60, 0x14]),
  { name: 'PN25F08B', jedec: [0x5e, 0x40, 0x14], srBytes: 1, readOpcodes: [0x05], protectMask: 0x3c },
  two('GD25Q32', [0xc8, 0x40, 0x16], 'tables disagree on the SR width'),
];

/** 24-bit MID as flash tables write it: mfr | type << 8 | cap << 16 (EB 60 15 → 0x1560EB). */
export function midOf(jedec: readonly [number, number, number]): number {
  return jedec[0] | (jedec[1] << 8) | (jedec[2] << 16);
}

export function findFlashPart(jedec: readonly [number, number, number], table: readonly FlashPart[] = FLASH_TABLE): FlashPart | undefined {
  return table.find((p) => p.jedec[0] === jedec[0] && p.jedec[1] === jedec[1] && p.jedec[2] === jedec[2]);
}

/** Flash size in bytes from the JEDEC capacity code (2^cap). */
export function flashSizeOf(jedec: readonly [number, number, number]): number {
  return 2 ** jedec[2];
}

/** SR bits to ignore when checking protection after a write: WIP (bit 0) and WEL (bit 1). */
export const SR_BUSY_BITS = 0x03;
