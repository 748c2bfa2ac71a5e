/**
 * Clearing the flash's write protection (docs/bk7231n-download-protocol.md §8): look the part up by JEDEC id (refuse an
 * unknown one: its SR layout is a guess), clear every protect bit, and read the SR back with the
 * busy bits (WIP/WEL) masked until the protect bits read clear, for a bounded time.
 */
import { sleep } from '../core/clock.js';
import { PlugrigError } from '../core/errors.js';
import type { Chip } from './commands.js';
import { SR_BUSY_BITS, findFlashPart, type FlashPart } from './flash-table.js';
import { hex } from './frames.js';

export async function readStatus(chip: Chip, part: FlashPart): Promise<number> {
  let sr = 0;
  for (let i = 0; i < part.srBytes; i++) sr |= (await chip.readSr(part.readOpcodes[i]!)) << (8 * i);
  return sr;
}

export function requirePart(jedec: readonly [number, number, number]): FlashPart {
  const part = findFlashPart(jedec);
  if (!part) {
    throw new PlugrigError(
      'E_FLASH_UNKNOWN',
      `unknown flash id ${jedec.map((b) => hex(b, 2)).join(' ')}: its status-register layout is not known, so it cannot be unprotected safely`,
      'add the part to src/bk7231/flash-table.ts (JEDEC bytes, SR width, read opcodes, protect mask)',
    );
  }
  return part;
}

/** Returns the SR found before unprotecting (for the record). */
export async function unprotect(
  chip: Chip,
  part: FlashPart,
  opts: { timeoutMs?: number; signal?: AbortSignal } = {},
): Promise<{ before: number; after: number; written: boolean }> {
  const before = await readStatus(chip, part);
  if ((before & part.protectMask) === 0) return { before, after: before, written: false };
  const clock = chip.t.clock;
  const deadline = clock.now() + (opts.timeoutMs ?? 1000);
  let sr = before;
  for (let round = 0; round < 10 && clock.now() < deadline; round++) {
    const target = sr & ~part.protectMask & ~SR_BUSY_BITS;
    const bytes = part.srBytes === 1 ? [target & 0xff] : [target & 0xff, (target >> 8) & 0xff];
    await chip.writeSr(bytes);
    await sleep(clock, 10, opts.signal);
    sr = await readStatus(chip, part);
    while ((sr & 0x01) !== 0 && clock.now() < deadline) {
      await sleep(clock, 5, opts.signal);
      sr = await readStatus(chip, part);
    }
    if ((sr & part.protectMask) === 0) return { before, after: sr, written: true };
  }
  throw new PlugrigError(
    'E_PROTECTED',
    `flash protection will not clear: SR 0x${hex(before, 4)} → 0x${hex(sr, 4)} (protect bits 0x${hex(sr & part.protectMask, 4)} of mask 0x${hex(part.protectMask, 4)})`,
    'the SR may be locked (SRP/lock bits) or the part misidentified; power-cycle and retry, or check the flash table entry',
  );
}
