import { describe, test, expect } from '@jest/globals';
import { buildTargets, crcPieces, edgeSectors, planWrite, sectorRange, unchangedSectors } from '../../src/bk7231/plan.js';
import { chipCrc } from '../../src/bk7231/crc.js';

const MiB = 1024 * 1024;
const filled = (n: number, f: (i: number) => number) => Buffer.from(Array.from({ length: n }, (_, i) => f(i)));

/** A sector-aligned job on a 2 MiB flash and its targets (no edge sectors to read first). */
function alignedJob(offset: number, data: Buffer) {
  const job = { offset, data, flashSize: 2 * MiB };
  return { job, targets: buildTargets(job, new Map()) };
}

describe('write planning', () => {
  test('whole blocks get one 64 KiB erase, the rest 4 KiB erases; blank sectors are not programmed', () => {
    const data = filled(0x10000 + 0x3000, (i) => i & 0x7f);
    data.fill(0xff, 0x2000, 0x3000); // one blank sector inside the first block
    const { job, targets } = alignedJob(0x20000, data);
    const plan = planWrite(job, targets);
    expect(plan.eraseCount).toEqual({ block: 1, sector: 3 });
    expect(plan.programCount).toBe(16 + 3 - 1);
    expect(plan.ops.filter((o) => o.kind === 'erase').map((o) => (o.kind === 'erase' ? [o.addr, o.size] : 0))).toEqual([
      [0x20000, 0x10000],
      [0x30000, 0x1000],
      [0x31000, 0x1000],
      [0x32000, 0x1000],
    ]);
    // Each block's erase comes before its programs.
    const firstProgram = plan.ops.findIndex((o) => o.kind === 'program');
    expect(firstProgram).toBe(1);
  });

  test('unaligned start and end are read-modify-write edges', () => {
    const job = { offset: 0x1100, data: Buffer.alloc(0x2000, 0x11), flashSize: 2 * MiB };
    expect(edgeSectors(job)).toEqual([0x1000, 0x3000]);
    expect(sectorRange(job.offset, job.data.length)).toEqual({ start: 0x1000, length: 0x3000 });
    expect(() => buildTargets(job, new Map())).toThrow(/not read/);
    const old = Buffer.alloc(0x1000, 0x22);
    const targets = buildTargets(
      job,
      new Map([
        [0x1000, old],
        [0x3000, old],
      ]),
    );
    expect(targets.map((t) => t.addr)).toEqual([0x1000, 0x2000, 0x3000]);
    expect(targets[0]!.data[0xff]).toBe(0x22);
    expect(targets[0]!.data[0x100]).toBe(0x11);
    expect(targets[2]!.data[0x0ff]).toBe(0x11);
    expect(targets[2]!.data[0x100]).toBe(0x22);
  });

  test('aligned job has no edges', () => {
    expect(edgeSectors({ offset: 0x11000, data: Buffer.alloc(0x3000), flashSize: 2 * MiB })).toEqual([]);
  });

  test('differential: equal sectors are skipped and a partly equal block falls back to sector erases', () => {
    const data = filled(0x10000, (i) => (i >> 4) & 0xff);
    const { job, targets } = alignedJob(0, data);
    const chip = new Map(targets.map((t) => [t.addr, chipCrc(t.data)]));
    chip.set(0x5000, 0x12345678);
    const same = unchangedSectors(targets, chip);
    expect(same.size).toBe(15);
    expect(same.has(0x5000)).toBe(false);
    const plan = planWrite(job, targets, same);
    expect(plan.eraseCount).toEqual({ block: 0, sector: 1 });
    expect(plan.programCount).toBe(1);
    expect(plan.skipped).toHaveLength(15);
  });

  test('refuses a range past the flash', () => {
    const job = { offset: 2 * MiB - 0x1000, data: Buffer.alloc(0x2000), flashSize: 2 * MiB };
    expect(() => planWrite(job, buildTargets(job, new Map()))).toThrow(RangeError);
  });

  test('CRC pieces align to the piece size', () => {
    expect(crcPieces(0x1000, 0x21000, 0x10000)).toEqual([
      { start: 0x1000, length: 0xf000 },
      { start: 0x10000, length: 0x10000 },
      { start: 0x20000, length: 0x2000 },
    ]);
  });
});

describe('differential block choice', () => {
  test('a block where most sectors change is erased whole and fully reprogrammed', () => {
    const data = filled(0x20000, (i) => (i >> 3) & 0x7f);
    const { job, targets } = alignedJob(0, data);
    // Block 0: 2 sectors equal (14 change) → whole block; block 1: 14 equal (2 change) → sector erases.
    const equal = new Set([0x1000, 0x2000, ...Array.from({ length: 14 }, (_, i) => 0x10000 + i * 0x1000)]);
    const plan = planWrite(job, targets, equal);
    expect(plan.eraseCount).toEqual({ block: 1, sector: 2 });
    expect(plan.skipped).toEqual(Array.from({ length: 14 }, (_, i) => 0x10000 + i * 0x1000));
    expect(plan.programCount).toBe(16 + 2);
    expect(planWrite(job, targets, equal, { blockThreshold: 16 }).eraseCount).toEqual({ block: 0, sector: 16 });
  });
});
