/**
 * Writing a job to flash (docs/bk7231n-download-protocol.md §9): read-modify-write of partial edge sectors, an optional
 * differential pass (chip CRC of each target; equal sectors are left alone), erases and programs
 * pipelined in plan order, a CRC check right after the first erase to catch protection that is
 * still on (§8.4), per-sector repair (erase + program + CRC, ≤ retries) for anything that failed,
 * and a final CRC over the whole range.
 */
import { PlugrigError } from '../core/errors.js';
import type { Chip } from './commands.js';
import { ERASED_SECTOR_CRC, chipCrc, crcUpdate, CRC_INIT } from './crc.js';
import { hex } from './frames.js';
import { isFatal, isTimeout, pipelinedOnChip } from './pipeline.js';
import { BLOCK, SECTOR, buildTargets, crcPieces, edgeSectors, planWrite, type SectorTarget, type WriteJob, type WriteOp, type WritePlan } from './plan.js';
import { ProgressMeter, type ProgressFn } from './progress.js';
import { readSectorVerified } from './read.js';

export interface WriteOptions {
  /** Skip sectors the chip already holds (CRC each target first). */
  diff?: boolean;
  depth?: number;
  retries?: number;
  progress?: ProgressFn;
  log?: (line: string) => void;
}

export interface WriteResult {
  plan: WritePlan;
  start: number;
  length: number;
  crc: number;
  written: number;
  skipped: number;
  repaired: number[];
}

/** CRC of the targets laid end to end, as the chip computes it over the whole range. */
function rangeCrc(targets: readonly SectorTarget[]): number {
  let reg = CRC_INIT;
  for (const t of targets) reg = crcUpdate(reg, t.data);
  return reg;
}

export async function writeJob(chip: Chip, job: WriteJob, opts: WriteOptions = {}): Promise<WriteResult> {
  const depth = opts.depth ?? 32;
  const retries = opts.retries ?? 3;
  const edges = new Map<number, Buffer>();
  for (const addr of edgeSectors(job)) edges.set(addr, await readSectorVerified(chip, addr, retries));
  const targets = buildTargets(job, edges);
  const equal = opts.diff ? await unchangedOnChip(chip, targets, depth, opts.progress) : new Set<number>();
  const plan = planWrite(job, targets, equal);
  const skip = new Set(plan.skipped);
  opts.log?.(
    `write: ${targets.length} sectors, ${equal.size} already equal (${skip.size} left alone), ${plan.eraseCount.block} block + ${plan.eraseCount.sector} sector erases, ${plan.programCount} programs`,
  );
  const failed = await runOps(chip, plan, depth, opts.progress);
  const repaired: number[] = [];
  for (const t of targets.filter((x) => failed.has(x.addr))) {
    await repairSector(chip, t, retries);
    repaired.push(t.addr);
  }
  const crc = await verifyRange(chip, plan, targets, skip, retries, repaired, opts);
  return { plan, start: plan.start, length: plan.length, crc, written: targets.length - skip.size, skipped: skip.size, repaired };
}

/** Differential pass: one chip CRC per 64 KiB piece, then per sector inside the pieces that differ. */
async function unchangedOnChip(chip: Chip, targets: SectorTarget[], depth: number, progress?: ProgressFn): Promise<Set<number>> {
  const equal = new Set<number>();
  if (targets.length === 0) return equal;
  const byAddr = new Map(targets.map((t) => [t.addr, t]));
  const start = targets[0]!.addr;
  const length = targets.length * SECTOR;
  const meter = new ProgressMeter('compare', length, progress, 100, chip.t.clock);
  const differing: number[] = [];
  await pipelinedOnChip(chip, 'the differential compare', {
    items: crcPieces(start, length, BLOCK),
    depth,
    start: async (p) => {
      const device = await chip.crc(p.start, p.length);
      const mine = rangeCrc(targetsIn(byAddr, p.start, p.length));
      if (device === mine) for (let a = p.start; a < p.start + p.length; a += SECTOR) equal.add(a);
      else for (let a = p.start; a < p.start + p.length; a += SECTOR) differing.push(a);
      meter.add(p.length);
    },
    onFailure: () => undefined, // a lost CRC reply just means "write it"
  });
  await pipelinedOnChip(chip, 'the differential compare', {
    items: differing,
    depth,
    start: async (a) => {
      if ((await chip.crc(a, SECTOR)) === chipCrc(byAddr.get(a)!.data)) equal.add(a);
    },
    onFailure: () => undefined,
  });
  meter.finish();
  return equal;
}

function targetsIn(byAddr: Map<number, SectorTarget>, start: number, length: number): SectorTarget[] {
  const out: SectorTarget[] = [];
  for (let a = start; a < start + length; a += SECTOR) out.push(byAddr.get(a)!);
  return out;
}

type Step = WriteOp | { kind: 'erase-check'; addr: number };

/** Erases and programs in plan order, pipelined. Returns the sectors whose erase or program failed. */
async function runOps(chip: Chip, plan: WritePlan, depth: number, progress?: ProgressFn): Promise<Set<number>> {
  const failed = new Set<number>();
  const total = plan.targets.length - plan.skipped.length;
  const meter = new ProgressMeter('write', total * SECTOR, progress, 100, chip.t.clock);
  const steps: Step[] = [];
  for (const op of plan.ops) {
    steps.push(op);
    // §8.4: the first erase of the session is checked, so protection that is still on shows at once.
    if (op.kind === 'erase' && !steps.some((s) => s.kind === 'erase-check')) steps.push({ kind: 'erase-check', addr: op.addr });
  }
  // Sectors that are erased but not programmed (blank targets) count as done when their erase is.
  const blankIn = (addr: number, size: number) =>
    plan.targets.filter((t) => t.blank && t.addr >= addr && t.addr < addr + size && !plan.skipped.includes(t.addr)).length;
  await pipelinedOnChip(chip, 'the erase/write', {
    items: steps,
    depth,
    start: async (s) => {
      if (s.kind === 'erase') {
        await chip.erase(s.addr, s.size);
        meter.add(blankIn(s.addr, s.size) * SECTOR);
      } else if (s.kind === 'erase-check') {
        const crc = await chip.crc(s.addr, SECTOR);
        if (crc !== ERASED_SECTOR_CRC) {
          throw new PlugrigError(
            'E_PROTECTED',
            `sector 0x${hex(s.addr)} is not blank after its erase (CRC 0x${hex(crc, 8)}): the flash is still write-protected`,
            'the status register reads unprotected but erases do not take: power-cycle the module and retry',
          );
        }
      } else {
        await chip.write4k(s.target.addr, s.target.data);
        meter.add(SECTOR);
      }
    },
    onFailure: (s) => {
      if (s.kind === 'erase') {
        for (const t of plan.targets) if (t.addr >= s.addr && t.addr < s.addr + s.size && !plan.skipped.includes(t.addr)) failed.add(t.addr);
      } else if (s.kind === 'program') failed.add(s.target.addr);
      else if (s.kind === 'erase-check') failed.add(s.addr);
    },
  });
  meter.finish();
  return failed;
}

/** Erase + program + CRC of one sector that failed once, until the chip's CRC matches (≤ retries attempts). */
async function repairSector(chip: Chip, t: SectorTarget, retries: number): Promise<void> {
  let last: unknown;
  for (let i = 0; i < Math.max(1, retries); i++) {
    try {
      await chip.t.drainInput(10, 100);
      await chip.erase(t.addr, SECTOR);
      if (!t.blank) await chip.write4k(t.addr, t.data);
      const crc = await chip.crc(t.addr, SECTOR);
      if (crc === chipCrc(t.data)) return;
      last = new PlugrigError('E_CRC_MISMATCH', `CRC 0x${hex(crc, 8)} ≠ 0x${hex(chipCrc(t.data), 8)}`);
    } catch (e) {
      if (isFatal(e)) throw e;
      last = e;
      if (isTimeout(e)) await chip.ensureAlive(`the repair of sector 0x${hex(t.addr)}`);
    }
  }
  throw new PlugrigError(
    (last as PlugrigError)?.code === 'E_REPLY_TIMEOUT' ? 'E_REPLY_TIMEOUT' : 'E_CRC_MISMATCH',
    `sector 0x${hex(t.addr)} could not be written after ${Math.max(1, retries)} retries (${(last as Error)?.message ?? 'unknown'})`,
    'the chip stops answering or keeps other data: check the 3.3 V supply (brown-out) and try a lower --baud',
  );
}

/**
 * The final check. Full write: one chip CRC over the whole range. Differential: the skipped sectors
 * were just proven equal, so the rewritten ones are CRC'd (pipelined). On a mismatch the range is
 * narrowed down per 64 KiB and per sector, bad sectors are repaired, and the range is checked again.
 */
async function verifyRange(
  chip: Chip,
  plan: WritePlan,
  targets: SectorTarget[],
  skip: ReadonlySet<number>,
  retries: number,
  repaired: number[],
  opts: WriteOptions,
): Promise<number> {
  const whole = rangeCrc(targets);
  const meter = new ProgressMeter('verify', plan.length, opts.progress, 100, chip.t.clock);
  for (let round = 0; round < 2; round++) {
    let bad: SectorTarget[];
    if (skip.size === 0 || round > 0) {
      let device: number;
      try {
        device = await chip.crc(plan.start, plan.length);
      } catch (e) {
        if (!isTimeout(e)) throw e;
        await chip.ensureAlive('the final CRC');
        continue; // still there: ask again in the next round
      }
      if (device === whole) {
        meter.finish();
        return whole;
      }
      opts.log?.(`verify: range CRC 0x${hex(device, 8)} ≠ 0x${hex(whole, 8)}, locating the bad sectors`);
      bad = await locateBad(chip, targets);
    } else {
      bad = [];
      const rewritten = targets.filter((t) => !skip.has(t.addr));
      await pipelinedOnChip(chip, 'the verification', {
        items: rewritten,
        depth: opts.depth ?? 32,
        start: async (t) => {
          if ((await chip.crc(t.addr, SECTOR)) !== chipCrc(t.data)) bad.push(t);
        },
        onFailure: (t) => bad.push(t),
      });
      if (bad.length === 0) {
        meter.finish();
        return whole;
      }
    }
    for (const t of bad) {
      await repairSector(chip, t, retries);
      repaired.push(t.addr);
    }
    if (skip.size > 0 && round === 0) {
      meter.finish();
      return whole;
    }
  }
  throw new PlugrigError(
    'E_CRC_MISMATCH',
    `flash CRC over 0x${hex(plan.start)}+0x${hex(plan.length)} still differs after repair`,
    'check the supply; try a lower --baud',
  );
}

async function locateBad(chip: Chip, targets: SectorTarget[]): Promise<SectorTarget[]> {
  const bad: SectorTarget[] = [];
  const byAddr = new Map(targets.map((t) => [t.addr, t]));
  const first = targets[0]!.addr;
  for (const p of crcPieces(first, targets.length * SECTOR, BLOCK)) {
    const inPiece = targetsIn(byAddr, p.start, p.length);
    if ((await chip.crc(p.start, p.length)) === rangeCrc(inPiece)) continue;
    for (const t of inPiece) if ((await chip.crc(t.addr, SECTOR)) !== chipCrc(t.data)) bad.push(t);
  }
  return bad;
}
