/**
 * The floor a flash job cannot beat on a given timing model: wire time of the data that must move
 * (4 KiB payload per sector that differs and is not blank, 10 bits per byte) plus the flash time of
 * the erases and programs that must happen (per 64 KiB block the cheaper of one block erase or one
 * sector erase per sector that needs erasing; one page-program time per 256 bytes programmed).
 * Protocol framing, replies, link, identification and verification are all left out of it.
 */
import { BLOCK, SECTOR, isBlank } from '../../src/bk7231/plan.js';

export interface FloorTiming {
  bitsPerByte: number;
  sectorEraseMs: number;
  blockEraseMs: number;
  pageProgramMs: number;
}

export interface Floor {
  wireMs: number;
  eraseMs: number;
  programMs: number;
  totalMs: number;
  sectorsToProgram: number;
  sectorsToErase: number;
}

/** NOR: programming clears bits only, so a sector needs an erase iff some target 1-bit is 0 now. */
function needsErase(cur: Uint8Array, tgt: Uint8Array): boolean {
  for (let i = 0; i < tgt.length; i++) if ((cur[i]! & tgt[i]!) !== tgt[i]) return true;
  return false;
}

export function flashFloor(current: Uint8Array, target: Uint8Array, offset: number, baud: number, t: FloorTiming): Floor {
  let wireBytes = 0;
  let sectorsToProgram = 0;
  let sectorsToErase = 0;
  let eraseMs = 0;
  const eraseByBlock = new Map<number, number>();
  for (let a = 0; a < target.length; a += SECTOR) {
    const tgt = Buffer.alloc(SECTOR, 0xff);
    tgt.set(target.subarray(a, Math.min(target.length, a + SECTOR)));
    const cur = current.subarray(a, a + SECTOR);
    if (Buffer.compare(Buffer.from(cur), tgt) === 0) continue;
    if (needsErase(cur, tgt)) {
      sectorsToErase++;
      const block = Math.floor((offset + a) / BLOCK);
      eraseByBlock.set(block, (eraseByBlock.get(block) ?? 0) + 1);
    }
    if (!isBlank(tgt)) {
      sectorsToProgram++;
      wireBytes += SECTOR;
    }
  }
  for (const n of eraseByBlock.values()) eraseMs += Math.min(t.blockEraseMs, n * t.sectorEraseMs);
  const wireMs = (wireBytes * t.bitsPerByte * 1000) / baud;
  const programMs = sectorsToProgram * (SECTOR / 256) * t.pageProgramMs;
  return { wireMs, eraseMs, programMs, totalMs: wireMs + eraseMs + programMs, sectorsToProgram, sectorsToErase };
}
