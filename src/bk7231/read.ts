/**
 * Reading any sector-aligned range with every sector checked by the chip's CRC: sectors are read
 * pipelined, each 64 KiB piece is CRC'd on the chip (one cheap command hidden behind the read
 * replies on the wire) and compared with the host CRC of what arrived; a piece that disagrees is
 * checked sector by sector and the bad sectors are read again (bounded).
 */
import { PlugrigError } from '../core/errors.js';
import type { Chip } from './commands.js';
import { chipCrc } from './crc.js';
import { hex } from './frames.js';
import { isFatal, isTimeout, pipelinedOnChip } from './pipeline.js';
import { BLOCK, SECTOR, crcPieces } from './plan.js';
import { ProgressMeter, type ProgressFn } from './progress.js';

export interface ReadOptions {
  depth?: number;
  retries?: number;
  progress?: ProgressFn;
  phase?: string;
}

export async function readRange(chip: Chip, start: number, length: number, opts: ReadOptions = {}): Promise<Buffer> {
  if (start % SECTOR !== 0 || length % SECTOR !== 0 || length <= 0) {
    throw new PlugrigError('E_READ_RANGE', `read range 0x${hex(start)}+0x${hex(length)} is not whole 4 KiB sectors`, 'use 4 KiB-aligned start and length');
  }
  const out = Buffer.alloc(length, 0xff);
  const meter = new ProgressMeter(opts.phase ?? 'read', length, opts.progress, 100, chip.t.clock);
  const bad = new Set<number>();
  const pieces = crcPieces(start, length, BLOCK);
  type Item = { kind: 'read'; addr: number } | { kind: 'crc'; start: number; length: number };
  const items: Item[] = [];
  for (const p of pieces) {
    for (let a = p.start; a < p.start + p.length; a += SECTOR) items.push({ kind: 'read', addr: a });
    items.push({ kind: 'crc', ...p });
  }
  const suspectPieces: { start: number; length: number }[] = [];
  await pipelinedOnChip(chip, 'the read', {
    items,
    depth: opts.depth ?? 16,
    start: async (it) => {
      if (it.kind === 'read') {
        const data = await chip.read4k(it.addr);
        data.copy(out, it.addr - start);
        meter.add(SECTOR);
      } else {
        const device = await chip.crc(it.start, it.length);
        if (device !== chipCrc(out.subarray(it.start - start, it.start - start + it.length))) suspectPieces.push(it);
      }
    },
    onFailure: (it, e) => {
      if (it.kind === 'read') bad.add(it.addr);
      else if (!(e instanceof PlugrigError && e.code === 'E_CHIP_STATUS')) suspectPieces.push(it);
    },
  });
  // Pieces that disagree (or whose CRC reply was lost): find the bad sectors one by one.
  for (const p of suspectPieces) {
    for (let a = p.start; a < p.start + p.length; a += SECTOR) {
      if (bad.has(a)) continue;
      try {
        if ((await chip.crc(a, SECTOR)) !== chipCrc(out.subarray(a - start, a - start + SECTOR))) bad.add(a);
      } catch (e) {
        if (isFatal(e)) throw e;
        bad.add(a);
      }
    }
  }
  for (const addr of [...bad].sort((x, y) => x - y)) {
    const data = await readSectorVerified(chip, addr, opts.retries ?? 3);
    data.copy(out, addr - start);
  }
  meter.finish();
  return out;
}

/** One sector read and CRC-checked, up to `retries` extra attempts. */
export async function readSectorVerified(chip: Chip, addr: number, retries = 3): Promise<Buffer> {
  let last: unknown;
  for (let i = 0; i <= retries; i++) {
    try {
      const data = await chip.read4k(addr);
      const device = await chip.crc(addr, SECTOR);
      if (device === chipCrc(data)) return data;
      last = new PlugrigError('E_CRC_MISMATCH', `sector 0x${hex(addr)} read back with a CRC that differs from the chip's`);
    } catch (e) {
      if (isFatal(e)) throw e;
      last = e;
      if (isTimeout(e)) await chip.ensureAlive(`the read of sector 0x${hex(addr)}`);
    }
    await chip.t.drainInput(10, 100);
  }
  throw new PlugrigError(
    'E_READ_FAILED',
    `could not read sector 0x${hex(addr)} intact after ${retries + 1} attempts (${(last as Error)?.message ?? 'unknown'})`,
    'lower --baud, check the supply and the wiring',
  );
}
