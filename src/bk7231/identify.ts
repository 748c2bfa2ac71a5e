/**
 * Who is on the other end (docs/bk7231n-download-protocol.md §7): chip id from SCTRL_CHIP_ID, flash JEDEC id and size,
 * MAC from the TLV/RF sector, and optionally the 32-byte eFuse (whose first 16 bytes are the
 * code-encryption key).
 */
import { PlugrigError } from '../core/errors.js';
import type { Chip } from './commands.js';
import { findFlashPart, flashSizeOf, midOf, type FlashPart } from './flash-table.js';
import { hex } from './frames.js';

export const CHIP_ID_REG = 0x00800000;
export const BK7231N_CHIP_ID = 0x7231c;
export const TLV_SECTOR_N = 0x1d0000;
const EFUSE_CTRL = 0x00800074;
const EFUSE_DATA = 0x00800078;

const CHIP_NAMES: Record<number, string> = {
  0x7231c: 'BK7231N',
  0x7231a: 'BK7231T',
  0x7231: 'BK7231Q',
  0x7238: 'BK7238',
  0x7252: 'BK7252',
  0x7252a: 'BK7252N',
};

export interface ChipIdentity {
  chipId: number;
  chip: string;
  jedec: [number, number, number];
  /** 24-bit MID as flash tables write it (e.g. 0x1560EB). */
  mid: number;
  flashSize: number;
  part?: FlashPart;
  /** 12 upper-case hex digits, or undefined when the TLV sector has no MAC record. */
  mac?: string;
  efuse?: Buffer;
}

/** MAC from a TLV/RF sector (§7.4): record tag at 0x1C, six MAC bytes at 0x24. */
export function macFromTlv(sector: Uint8Array): string | undefined {
  const tag = [0x02, 0x11, 0x11, 0x11, 0x06, 0x00, 0x00, 0x00];
  if (!tag.every((b, i) => sector[0x1c + i] === b)) return undefined;
  return Buffer.from(sector.subarray(0x24, 0x2a)).toString('hex').toUpperCase();
}

export async function identify(chip: Chip, opts: { efuse?: boolean; mac?: boolean } = {}): Promise<ChipIdentity> {
  const chipId = await chip.readReg(CHIP_ID_REG);
  const name = CHIP_NAMES[chipId] ?? `unknown (0x${hex(chipId)})`;
  if (chipId !== BK7231N_CHIP_ID) {
    throw new PlugrigError(
      'E_CHIP_ID',
      `chip id 0x${hex(chipId)} (${name}) is not a BK7231N (0x7231C)`,
      chipId === 0x7231a ? 'BK7231T modules use the flash bootloader protocol, which this flasher does not drive' : 'check the module type',
    );
  }
  const jedec = await chip.flashId();
  const id: ChipIdentity = { chipId, chip: name, jedec, mid: midOf(jedec), flashSize: flashSizeOf(jedec) };
  const part = findFlashPart(jedec);
  if (part) id.part = part;
  if (opts.mac !== false && id.flashSize > TLV_SECTOR_N) id.mac = macFromTlv(await chip.read4k(TLV_SECTOR_N));
  if (opts.efuse) id.efuse = await readEfuse(chip);
  return id;
}

/** eFuse bytes 0..31 through SCTRL_EFUSE_CTRL/OPTR (§7.3); each poll is bounded. */
export async function readEfuse(chip: Chip): Promise<Buffer> {
  const out = Buffer.alloc(32);
  for (let i = 0; i < 32; i++) {
    const ctrl = await chip.readReg(EFUSE_CTRL);
    await chip.writeReg(EFUSE_CTRL, ((ctrl & ~0x1f02) | (i << 8) | 1) >>> 0);
    let busy = true;
    for (let poll = 0; poll < 50 && busy; poll++) busy = ((await chip.readReg(EFUSE_CTRL)) & 1) === 1;
    if (busy) throw new PlugrigError('E_EFUSE', `eFuse byte ${i} read did not complete`, 'retry; the eFuse controller stayed busy');
    const v = await chip.readReg(EFUSE_DATA);
    if ((v & 0x100) === 0) throw new PlugrigError('E_EFUSE', `eFuse byte ${i} not valid (0x${hex(v)})`, 'retry the identification');
    out[i] = v & 0xff;
  }
  return out;
}

export function describeIdentity(id: ChipIdentity): string {
  const j = id.jedec.map((b) => hex(b, 2)).join(' ');
  return `${id.chip} (0x${hex(id.chipId)}), flash ${j} ${id.part?.name ?? 'unknown part'} ${id.flashSize / 1024} KiB, MAC ${id.mac ? id.mac.replace(/(..)(?!$)/g, '$1:') : 'not found'}`;
}
