/**
 * The few chip registers a flasher reads through ReadReg/WriteReg (docs/bk7231n-download-protocol.md §3.3, §7.3, §14.2):
 * the chip id, the eFuse access pair and the mask-ROM window. Everything else reads back what was
 * last written (0 before that).
 */
export const REG_CHIP_ID = 0x00800000;
export const REG_EFUSE_CTRL = 0x00800074;
export const REG_EFUSE_DATA = 0x00800078;
export const ROM_WINDOW_END = 0x4000;

/** The Tuya code-encryption key as eFuse bytes 0..15 (docs/bk7231n-download-protocol.md §7.3). */
export const TUYA_EFUSE_KEY = [0x93, 0xb0, 0x0f, 0x51, 0xdc, 0xea, 0xcb, 0xa3, 0x7e, 0xa1, 0x93, 0x59, 0x03, 0xeb, 0xad, 0xc7];

export class RomRegisters {
  private readonly stored = new Map<number, number>();
  private efuseData = 0;
  readonly efuse: Uint8Array;

  constructor(
    public chipId = 0x7231c,
    efuse: readonly number[] = TUYA_EFUSE_KEY,
  ) {
    this.efuse = new Uint8Array(32);
    this.efuse.set(efuse.slice(0, 32));
  }

  read(addr: number): number {
    const a = addr >>> 0;
    if (a === REG_CHIP_ID) return this.chipId >>> 0;
    if (a === REG_EFUSE_DATA) return this.efuseData >>> 0;
    if (a < ROM_WINDOW_END) return romWord(a);
    return this.stored.get(a) ?? 0;
  }

  /** An eFuse read request (bit 0 set in EFUSE_CTRL) completes at once, so the "busy" bit reads back clear. */
  write(addr: number, value: number): void {
    const a = addr >>> 0;
    const v = value >>> 0;
    if (a === REG_EFUSE_CTRL && v & 1) {
      const index = (v >>> 8) & 0x1f;
      this.efuseData = 0x100 | this.efuse[index]!;
      this.stored.set(a, v & ~1);
      return;
    }
    if (a === REG_CHIP_ID || a < ROM_WINDOW_END) return; // read-only
    this.stored.set(a, v);
  }
}

/** A fixed synthetic mask-ROM word (the genuine ROM bytes are not ours to ship). */
function romWord(addr: number): number {
  let x = (addr & ~3) ^ 0x7231c0de;
  x = Math.imul(x ^ (x >>> 16), 0x45d9f3b);
  x = Math.imul(x ^ (x >>> 16), 0x45d9f3b);
  return (x ^ (x >>> 16)) >>> 0;
}
