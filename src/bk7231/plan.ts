/**
 * Pure write planning: which sectors a job touches, which edge sectors need a read-modify-write,
 * which of them the chip already holds (differential mode), which erases (64 KiB where a whole
 * block is rewritten, 4 KiB otherwise) and which programs (never an all-0xFF sector) to issue,
 * in an order that interleaves chip-bound erases with wire-bound programs.
 */
import { chipCrc } from './crc.js';

export const SECTOR = 0x1000;
export const BLOCK = 0x10000;

export interface WriteJob {
  /** Flash address of data[0]; any alignment (edges are merged with what the flash holds). */
  offset: number;
  data: Uint8Array;
  flashSize: number;
}

export interface SectorTarget {
  addr: number;
  /** The full 4 KiB the sector must hold afterwards. */
  data: Buffer;
  blank: boolean;
}

export type WriteOp = { kind: 'erase'; addr: number; size: typeof SECTOR | typeof BLOCK } | { kind: 'program'; target: SectorTarget };

export interface WritePlan {
  /** Sector-aligned range the job covers. */
  start: number;
  length: number;
  targets: SectorTarget[];
  /** Sectors left alone because the chip already holds them (differential mode). */
  skipped: number[];
  ops: WriteOp[];
  eraseCount: { sector: number; block: number };
  programCount: number;
}

const alignDown = (v: number, a: number) => Math.floor(v / a) * a;
const alignUp = (v: number, a: number) => Math.ceil(v / a) * a;

export function sectorRange(offset: number, length: number): { start: number; length: number } {
  const start = alignDown(offset, SECTOR);
  return { start, length: alignUp(offset + length, SECTOR) - start };
}

/** Addresses of the sectors the job covers only partly: their other bytes must be read first. */
export function edgeSectors(job: WriteJob): number[] {
  const end = job.offset + job.data.length;
  const out = new Set<number>();
  if (job.data.length === 0) return [];
  if (job.offset % SECTOR !== 0) out.add(alignDown(job.offset, SECTOR));
  if (end % SECTOR !== 0) out.add(alignDown(end, SECTOR));
  return [...out].sort((a, b) => a - b);
}

export function isBlank(b: Uint8Array): boolean {
  for (let i = 0; i < b.length; i++) if (b[i] !== 0xff) return false;
  return true;
}

/** Full-sector targets; `edges` holds the current content of every address edgeSectors() named. */
export function buildTargets(job: WriteJob, edges: ReadonlyMap<number, Uint8Array>): SectorTarget[] {
  const { start, length } = sectorRange(job.offset, job.data.length);
  const out: SectorTarget[] = [];
  for (let addr = start; addr < start + length; addr += SECTOR) {
    const from = Math.max(addr, job.offset);
    const to = Math.min(addr + SECTOR, job.offset + job.data.length);
    let data: Buffer;
    if (from === addr && to === addr + SECTOR) {
      data = Buffer.from(job.data.subarray(addr - job.offset, addr - job.offset + SECTOR));
    } else {
      const old = edges.get(addr);
      if (!old || old.length !== SECTOR) throw new Error(`edge sector 0x${addr.toString(16)} was not read`);
      data = Buffer.from(old);
      data.set(job.data.subarray(from - job.offset, to - job.offset), from - addr);
    }
    out.push({ addr, data, blank: isBlank(data) });
  }
  return out;
}

/** Targets whose chip CRC already equals the CRC of what they must hold (differential mode). */
export function unchangedSectors(targets: readonly SectorTarget[], chipCrcs: ReadonlyMap<number, number>): Set<number> {
  const same = new Set<number>();
  for (const t of targets) if (chipCrcs.get(t.addr) === chipCrc(t.data)) same.add(t.addr);
  return same;
}

/**
 * Orders the work: per 64 KiB block, one block erase when every sector of the block is rewritten,
 * else one 4 KiB erase per rewritten sector; then the block's non-blank sectors are programmed.
 */
export function planWrite(job: WriteJob, targets: SectorTarget[], skip: ReadonlySet<number> = new Set(), opts: { blockThreshold?: number } = {}): WritePlan {
  const { start, length } = sectorRange(job.offset, job.data.length);
  if (start + length > job.flashSize) throw new RangeError('write range exceeds the flash');
  // A block where most sectors change is cheaper to erase whole (one block erase ≈ 5–6 sector
  // erases) and reprogram, even if a few of its sectors were already equal.
  const threshold = opts.blockThreshold ?? 12;
  const perBlock = BLOCK / SECTOR;
  const allByBlock = new Map<number, SectorTarget[]>();
  for (const t of targets) {
    const b = alignDown(t.addr, BLOCK);
    allByBlock.set(b, [...(allByBlock.get(b) ?? []), t]);
  }
  const effectiveSkip = new Set<number>();
  for (const list of allByBlock.values()) {
    const changing = list.filter((t) => !skip.has(t.addr)).length;
    const wholeBlock = list.length === perBlock && changing >= threshold;
    for (const t of list) if (skip.has(t.addr) && !wholeBlock) effectiveSkip.add(t.addr);
  }
  const ops: WriteOp[] = [];
  let sector = 0;
  let block = 0;
  let programCount = 0;
  const byBlock = new Map<number, SectorTarget[]>();
  for (const t of targets) {
    if (effectiveSkip.has(t.addr)) continue;
    const b = alignDown(t.addr, BLOCK);
    byBlock.set(b, [...(byBlock.get(b) ?? []), t]);
  }
  for (const [b, list] of [...byBlock.entries()].sort((x, y) => x[0] - y[0])) {
    if (list.length === BLOCK / SECTOR) {
      ops.push({ kind: 'erase', addr: b, size: BLOCK });
      block++;
    } else {
      for (const t of list) ops.push({ kind: 'erase', addr: t.addr, size: SECTOR });
      sector += list.length;
    }
    for (const t of list) {
      if (t.blank) continue;
      ops.push({ kind: 'program', target: t });
      programCount++;
    }
  }
  return {
    start,
    length,
    targets,
    skipped: targets.filter((t) => effectiveSkip.has(t.addr)).map((t) => t.addr),
    ops,
    eraseCount: { sector, block },
    programCount,
  };
}

/** Splits [start, start+length) into CRC pieces of at most `max` bytes, aligned to `max`. */
export function crcPieces(start: number, length: number, max = BLOCK): { start: number; length: number }[] {
  const out: { start: number; length: number }[] = [];
  let a = start;
  const end = start + length;
  while (a < end) {
    const next = Math.min(end, alignDown(a, max) + max);
    out.push({ start: a, length: next - a });
    a = next;
  }
  return out;
}
