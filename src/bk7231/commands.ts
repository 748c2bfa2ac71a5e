/**
 * The chip's commands as typed calls over a Transport, each with its deadline budget
 * (docs/bk7231n-download-protocol.md §11, values in docs/timing-sources.md §1: wire time is added by the transport; here is the chip's own time, taken at the slow end of
 * datasheet maxima so a healthy chip never trips them) and its reply checks (status, echoes).
 */
import { PlugrigError } from '../core/errors.js';
import { crcCommandRange, type CrcEndConvention } from './crc.js';
import { ERASE_4K, ERASE_64K, SECTOR_SIZE, encode, expect, hex, type Reply } from './frames.js';
import type { Transport } from './transport.js';

export const OP_MS = {
  register: 20,
  srWrite: 60,
  erase4k: 400,
  erase64k: 2500,
  program4k: 60,
  read4k: 20,
  /** CheckCRC runs at ~400 kB/s on the chip (§4.4); budget for 300 kB/s. */
  crcPerByte: 1 / 300,
} as const;

function okStatus(r: Reply, what: string): Reply {
  if (r.status !== undefined && r.status !== 0) {
    throw new PlugrigError('E_CHIP_STATUS', `${what} failed with status 0x${hex(r.status, 2)}`, 'retry; if it persists, lower --baud and check the supply');
  }
  return r;
}

export class Chip {
  crcEnd: CrcEndConvention = 'inclusive';
  constructor(
    readonly t: Transport,
    readonly signal?: AbortSignal,
  ) {}

  async readReg(addr: number): Promise<number> {
    const r = await this.t.request(encode.readReg(addr), expect.readReg(addr), { opMs: OP_MS.register, replyBytes: 15, signal: this.signal });
    return r.payload.readUInt32LE(4);
  }

  async writeReg(addr: number, value: number): Promise<void> {
    await this.t.request(encode.writeReg(addr, value), expect.writeReg(addr, value), { opMs: OP_MS.register, replyBytes: 15, signal: this.signal });
  }

  /** JEDEC bytes: manufacturer, type, capacity (the byte before them is ignored, §3.3). */
  async flashId(): Promise<[number, number, number]> {
    const r = okStatus(
      await this.t.request(encode.flashGetMid(), expect.flashGetMid(), { opMs: OP_MS.register, replyBytes: 15, signal: this.signal }),
      'FlashGetMID',
    );
    const p = r.payload;
    return [p[p.length - 3]!, p[p.length - 2]!, p[p.length - 1]!];
  }

  async readSr(opcode: number): Promise<number> {
    const r = okStatus(
      await this.t.request(encode.flashReadSr(opcode), expect.flashReadSr(opcode), { opMs: OP_MS.register, replyBytes: 13, signal: this.signal }),
      'FlashReadSR',
    );
    return r.payload[1]!;
  }

  async writeSr(values: readonly number[]): Promise<void> {
    okStatus(
      await this.t.request(encode.flashWriteSr(0x01, values), expect.flashWriteSr(0x01, values), { opMs: OP_MS.srWrite, replyBytes: 14, signal: this.signal }),
      'FlashWriteSR',
    );
  }

  /** Chip CRC of `len` bytes from `start`. */
  async crc(start: number, len: number): Promise<number> {
    const [s, e] = crcCommandRange(start, len, this.crcEnd);
    const r = await this.t.request(encode.checkCrc(s, e), expect.checkCrc(s), { opMs: len * OP_MS.crcPerByte, replyBytes: 11, signal: this.signal });
    return r.payload.readUInt32LE(0);
  }

  async read4k(addr: number): Promise<Buffer> {
    const r = okStatus(
      await this.t.request(encode.flashRead4k(addr), expect.flashRead4k(addr), { opMs: OP_MS.read4k, replyBytes: 4111, signal: this.signal }),
      `FlashRead4K @0x${hex(addr)}`,
    );
    const data = r.payload.subarray(4);
    if (data.length !== SECTOR_SIZE) {
      throw new PlugrigError('E_SHORT_READ', `FlashRead4K @0x${hex(addr)} returned ${data.length} bytes`, 'lower --baud; check the adapter');
    }
    return Buffer.from(data);
  }

  async erase(addr: number, size: 0x1000 | 0x10000): Promise<void> {
    const op = size === 0x1000 ? ERASE_4K : ERASE_64K;
    okStatus(
      await this.t.request(encode.flashErase(op, addr), expect.flashErase(op, addr), {
        opMs: size === 0x1000 ? OP_MS.erase4k : OP_MS.erase64k,
        replyBytes: 16,
        signal: this.signal,
      }),
      `FlashErase @0x${hex(addr)}`,
    );
  }

  async write4k(addr: number, data: Buffer): Promise<void> {
    okStatus(
      await this.t.request(encode.flashWrite4k(addr, data), expect.flashWrite4k(addr), { opMs: OP_MS.program4k, replyBytes: 15, signal: this.signal }),
      `FlashWrite4K @0x${hex(addr)}`,
    );
  }

  /**
   * After a reply timeout: is the chip still in download mode? Two link checks with short
   * deadlines; if neither is answered the session is over (E_CHIP_LOST).
   */
  async ensureAlive(context: string): Promise<void> {
    for (let i = 0; i < 2; i++) {
      await this.t.drainInput(10, 200);
      try {
        await this.t.request(encode.linkCheck(), expect.linkCheck(), { marginMs: 150, signal: this.signal });
        await this.t.drainInput(5, 50);
        return;
      } catch (e) {
        if (!(e instanceof PlugrigError) || e.code !== 'E_REPLY_TIMEOUT') throw e;
      }
    }
    throw new PlugrigError(
      'E_CHIP_LOST',
      `the chip stopped answering during ${context} and does not answer link checks any more`,
      'it most likely reset (brown-out): check the 3.3 V supply and its current capacity, then run again',
    );
  }

  /** Reboot has no reply; sent a few times, as HID does, in case one is lost. */
  async reboot(): Promise<void> {
    for (let i = 0; i < 3; i++) this.t.write(encode.reboot());
    await this.t.drain();
  }
}
