/**
 * The SPI NOR flash behind the ROM (docs/bk7231n-download-protocol.md §5, §8, §14.2): an array of `size` bytes where every
 * address wraps modulo the size, erase sets whole sectors/blocks to 0xFF, program can only clear
 * bits (new = old AND data), and a status register whose protect bits make erase and program
 * silently do nothing. The ROM commands go through the `rom*` methods (protection applies); the
 * `FlashView` methods are the firmware's own access (it unprotects what it writes, so they do not).
 */
import type { FlashView } from './types.js';
import { realSimClock, type SimClock } from './clock.js';
import { partFor, sizeFromCapacityCode, type FlashPart } from './flash-parts.js';

export const SECTOR = 0x1000;
export const BLOCK64 = 0x10000;
export const BLOCK32 = 0x8000;

/** SR bits (2-byte parts): CMP + BP0 is the stock Tuya pattern (docs/bk7231n-download-protocol.md §8.1). */
export const SR_CMP = 0x4000;
export const SR_BP0 = 0x0004;
const SR_WIP = 0x01;

/**
 * 'coarse': any protect bit set protects the whole array (what every tool assumes).
 * 'cmp-bp0': like coarse, except exactly CMP+BP0 leaves the last 64 KiB block writable
 * (TH25Q16HB's "unprotect last block" pattern).
 */
export type ProtectionModel = 'coarse' | 'cmp-bp0';

export interface NorFlashOptions {
  jedec?: readonly [number, number, number];
  /** Initial status register, SR2 << 8 | SR1. Default 0x4004. */
  sr?: number;
  protection?: ProtectionModel;
  /** Milliseconds the WIP bit stays set after an SR write (immediate read-backs see bit 0). */
  srWriteMs?: number;
  /** Fault: SR writes are accepted on the bus but never change the register. */
  stuckProtection?: boolean;
  /** Time source of the WIP window (the module's clock). */
  clock?: SimClock;
}

export class NorFlash implements FlashView {
  readonly size: number;
  readonly part: FlashPart;
  readonly data: Buffer;
  protection: ProtectionModel;
  stuckProtection: boolean;
  srWriteMs: number;
  private srValue: number;
  private wipUntil = Number.NEGATIVE_INFINITY;
  private readonly clock: SimClock;

  constructor(opts: NorFlashOptions = {}) {
    this.part = partFor(opts.jedec ?? [0xeb, 0x60, 0x15]);
    this.size = sizeFromCapacityCode(this.part.jedec[2]);
    this.data = Buffer.alloc(this.size, 0xff);
    this.srValue = (opts.sr ?? 0x4004) & 0xffff;
    this.protection = opts.protection ?? 'coarse';
    this.stuckProtection = opts.stuckProtection ?? false;
    this.srWriteMs = opts.srWriteMs ?? 0;
    this.clock = opts.clock ?? realSimClock;
  }

  get jedec(): readonly [number, number, number] {
    return this.part.jedec;
  }

  /** The status register as stored (without the transient WIP bit). */
  get sr(): number {
    return this.srValue;
  }

  mask(addr: number): number {
    return (addr >>> 0) & (this.size - 1);
  }

  read(addr: number, len: number): Buffer {
    const out = Buffer.alloc(len);
    let a = this.mask(addr);
    let done = 0;
    while (done < len) {
      const n = Math.min(len - done, this.size - a);
      this.data.copy(out, done, a, a + n);
      done += n;
      a = 0;
    }
    return out;
  }

  // --- firmware-side access (FlashView): NOR semantics, no protection check ---

  eraseSector(addr: number): void {
    this.fill(this.mask(addr) & ~(SECTOR - 1), SECTOR);
  }

  program(addr: number, data: Buffer): void {
    let a = this.mask(addr);
    for (const b of data) {
      this.data[a] = this.data[a]! & b;
      a = (a + 1) & (this.size - 1);
    }
  }

  // --- ROM-side access: protection applies, silently ---

  /** Erases the aligned region of `regionSize` bytes containing addr; false if protection ate it. */
  romErase(addr: number, regionSize: number): boolean {
    const start = this.mask(addr) & ~(regionSize - 1);
    if (!this.writable(start, regionSize)) return false;
    this.fill(start, regionSize);
    return true;
  }

  romEraseChip(): boolean {
    if (!this.writable(0, this.size)) return false;
    this.data.fill(0xff);
    return true;
  }

  romProgram(addr: number, data: Buffer): boolean {
    const start = this.mask(addr);
    if (!this.writable(start, data.length)) return false;
    this.program(start, data);
    return true;
  }

  /** FlashReadSR: 0x05 → SR1 (with WIP while an SR write is in progress), 0x35 → SR2, else 0. */
  readStatus(opcode: number): number {
    const busy = this.clock.now() < this.wipUntil ? SR_WIP : 0;
    if (opcode === 0x05) return (this.srValue & 0xff) | busy;
    if (opcode === 0x35) return this.part.srBytes === 2 ? (this.srValue >> 8) & 0xff : 0;
    return 0;
  }

  /** FlashWriteSR with one byte (SR1 only) or two (SR1, SR2). WIP/WEL are not writable. */
  writeStatus(bytes: readonly number[]): void {
    this.wipUntil = this.clock.now() + this.srWriteMs;
    if (this.stuckProtection || bytes.length === 0) return;
    const sr1 = bytes[0]! & 0xfc;
    const sr2 = bytes.length >= 2 && this.part.srBytes === 2 ? bytes[1]! : (this.srValue >> 8) & 0xff;
    this.srValue = (sr2 << 8) | sr1;
  }

  /** Whether erase/program of [start, start+len) would reach the array under the current SR. */
  writable(start: number, len: number): boolean {
    const bits = this.srValue & this.part.protectMask;
    if (bits === 0) return true;
    if (this.protection === 'cmp-bp0' && bits === (SR_CMP | SR_BP0)) {
      const firstFree = this.size - BLOCK64;
      return start >= firstFree && start + len <= this.size;
    }
    return false;
  }

  private fill(start: number, len: number): void {
    this.data.fill(0xff, start, Math.min(this.size, start + len));
  }
}
