/**
 * What the BK7231N ROM does with one complete frame (docs/bk7231n-download-protocol.md §3, §14.2): dispatch on form and
 * CODE (the same CODE means different things short and long), change the flash or registers, and
 * say what to send back and when. Pure apart from the flash/register objects it is handed; the
 * module turns the result into bytes on the wire and state changes.
 */
import type { NorFlash } from '../flash-model.js';
import { BLOCK32, BLOCK64, SECTOR } from '../flash-model.js';
import { romCrcUpdate } from '../crc32.js';
import { crcMs, opMs, programMs, type TimingModel } from '../timing.js';
import type { RomFrame } from './frame-reader.js';
import type { RomRegisters } from './registers.js';
import { longReply, shortReply, u32le } from './replies.js';

export interface RomEnv {
  flash: NorFlash;
  regs: RomRegisters;
  timing: TimingModel;
  /** Asked before each erase; true = the supply browns out now (fault injection). */
  brownoutNow?: () => boolean;
}

export type RomOutcome =
  /** Send `bytes` after `afterMs` of chip work. */
  | { kind: 'reply'; bytes: Buffer; afterMs: number }
  /** Wait `delayMs`, switch UART1 to `baud`, then send `bytes` at the new speed. */
  | { kind: 'set-baud'; baud: number; delayMs: number; bytes: Buffer }
  /** Reboot (Reboot A5, RESET "SEAN"): no reply. */
  | { kind: 'reboot' }
  /** The supply dipped during an erase: nothing was erased, the chip resets, no reply. */
  | { kind: 'brownout' }
  /** Unknown, malformed or not-a-ROM command: silently ignored. */
  | { kind: 'ignore' };

const IGNORE: RomOutcome = { kind: 'ignore' };

export function executeRomCommand(frame: RomFrame, env: RomEnv): RomOutcome {
  return frame.form === 'short' ? shortCommand(frame, env) : longCommand(frame, env);
}

function reply(bytes: Buffer, env: RomEnv, workMs = 0): RomOutcome {
  return { kind: 'reply', bytes, afterMs: env.timing.commandOverheadMs + workMs };
}

function shortCommand({ code, payload: p }: RomFrame, env: RomEnv): RomOutcome {
  switch (code) {
    case 0x00: // LinkCheck, answered with CODE 0x01
      return reply(shortReply(0x01, Buffer.from([0x00])), env);
    case 0x01: {
      if (p.length < 8) return IGNORE;
      env.regs.write(p.readUInt32LE(0), p.readUInt32LE(4));
      return reply(shortReply(0x01, p.subarray(0, 8)), env);
    }
    case 0x03: {
      if (p.length < 4) return IGNORE;
      const addr = p.readUInt32LE(0);
      return reply(shortReply(0x03, Buffer.concat([u32le(addr), u32le(env.regs.read(addr))])), env);
    }
    case 0x0e: // Reboot
      return p[0] === 0xa5 ? { kind: 'reboot' } : IGNORE;
    case 0x0f: {
      if (p.length < 5) return IGNORE;
      const baud = p.readUInt32LE(0);
      if (baud === 0) return IGNORE;
      return { kind: 'set-baud', baud, delayMs: p[4]!, bytes: shortReply(0x0f, p.subarray(0, 5)) };
    }
    case 0x10: {
      if (p.length < 8) return IGNORE;
      const { crc, bytes } = checkCrc(env.flash, p.readUInt32LE(0), p.readUInt32LE(4));
      return reply(shortReply(0x10, u32le(crc)), env, crcMs(env.timing, bytes));
    }
    case 0x70: // RESET "SEAN"
      return p.toString('latin1') === 'SEAN' ? { kind: 'reboot' } : IGNORE;
    case 0xaa: // StayRom
      return p[0] === 0x55 ? reply(shortReply(0xaa, Buffer.from([0x55])), env) : IGNORE;
    default:
      return IGNORE; // 0x11 ReadBootVersion and 0xFE BkReg reboot are not ROM commands
  }
}

/** CheckCRC on the ROM: both bounds wrap with the flash size, the end is inclusive (§4.2, §5). */
export function checkCrc(flash: NorFlash, start: number, end: number): { crc: number; bytes: number } {
  if (end >>> 0 < start >>> 0) return { crc: 0xffffffff, bytes: 0 };
  const total = Math.min((end >>> 0) - (start >>> 0) + 1, 4 * flash.size);
  let reg = 0xffffffff;
  for (let done = 0; done < total; done += BLOCK64) {
    reg = romCrcUpdate(reg, flash.read(start + done, Math.min(BLOCK64, total - done)));
  }
  return { crc: reg, bytes: total };
}

function eraseSizeFor(opcode: number): number | undefined {
  return opcode === 0x20 ? SECTOR : opcode === 0x52 ? BLOCK32 : opcode === 0xd8 ? BLOCK64 : undefined;
}

function eraseMsFor(t: TimingModel, size: number): number {
  return opMs(t, size === SECTOR ? t.sectorEraseMs : size === BLOCK32 ? t.halfBlockEraseMs : t.blockEraseMs);
}

function longCommand({ code, payload: p }: RomFrame, env: RomEnv): RomOutcome {
  const { flash, timing } = env;
  switch (code) {
    case 0x06: {
      // FlashWrite ≤ 256 B; the count byte is the length modulo 256 (its meaning at 256 is unknown, §3.3)
      if (p.length < 5 || p.length > 4 + 256) return IGNORE;
      const data = p.subarray(4);
      flash.romProgram(p.readUInt32LE(0), data);
      return reply(longReply(0x06, 0, Buffer.concat([p.subarray(0, 4), Buffer.from([data.length & 0xff])])), env, programMs(timing, data.length));
    }
    case 0x07: {
      if (p.length < 5) return IGNORE;
      const data = p.subarray(4);
      flash.romProgram(p.readUInt32LE(0), data);
      return reply(longReply(0x07, 0, p.subarray(0, 4)), env, programMs(timing, data.length));
    }
    case 0x08: {
      // Generic read (address, u16 length) — payload layout inferred, no tool uses it (§3.1)
      if (p.length < 6) return IGNORE;
      const addr = p.readUInt32LE(0);
      return reply(longReply(0x08, 0, Buffer.concat([p.subarray(0, 4), flash.read(addr, p.readUInt16LE(4))])), env);
    }
    case 0x09: {
      if (p.length < 4) return IGNORE;
      const addr = p.readUInt32LE(0);
      return reply(longReply(0x09, 0, Buffer.concat([p.subarray(0, 4), flash.read(addr, SECTOR)])), env);
    }
    case 0x0a: {
      if (p.length < 1) return IGNORE;
      if (env.brownoutNow?.()) return { kind: 'brownout' };
      flash.romEraseChip();
      return reply(longReply(0x0a, 0, p.subarray(0, 1)), env, opMs(timing, timing.chipEraseMs));
    }
    case 0x0b: {
      if (p.length < 4) return IGNORE;
      if (env.brownoutNow?.()) return { kind: 'brownout' };
      flash.romErase(p.readUInt32LE(0), SECTOR);
      return reply(longReply(0x0b, 0, p.subarray(0, 4)), env, eraseMsFor(timing, SECTOR));
    }
    case 0x0c: {
      if (p.length < 1) return IGNORE;
      return reply(longReply(0x0c, 0, Buffer.from([p[0]!, flash.readStatus(p[0]!)])), env);
    }
    case 0x0d: {
      if (p.length < 2) return IGNORE;
      flash.writeStatus([...p.subarray(1, 3)]);
      return reply(longReply(0x0d, 0, p.subarray(0, 3)), env);
    }
    case 0x0e: {
      if (p.length < 1) return IGNORE;
      const [mfr, type, cap] = flash.jedec;
      return reply(longReply(0x0e, 0, Buffer.from([p[0]!, mfr, type, cap])), env);
    }
    case 0x0f: {
      if (p.length < 5) return IGNORE;
      const size = eraseSizeFor(p[0]!);
      if (size !== undefined) {
        if (env.brownoutNow?.()) return { kind: 'brownout' };
        flash.romErase(p.readUInt32LE(1), size);
      }
      return reply(longReply(0x0f, 0, p.subarray(0, 5)), env, size === undefined ? 0 : eraseMsFor(timing, size));
    }
    default:
      return IGNORE;
  }
}
