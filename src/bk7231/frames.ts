/**
 * Byte layout of the BK7231 download protocol (docs/bk7231n-download-protocol.md §2, §3): command encoders and an
 * incremental reply parser that follows the host rules of §2.6 — hunt for `04 0E`, accept the
 * short or long header, drop one byte and resynchronise on anything else. Pure: no I/O, no timers.
 */

const CMD_HEAD = [0x01, 0xe0, 0xfc] as const;
export const SECTOR_SIZE = 0x1000;

/** Command codes. The same code means different things in the short and the long form (§2.2). */
export const Cmd = {
  linkCheck: 0x00,
  writeReg: 0x01,
  readReg: 0x03,
  reboot: 0x0e,
  setBaudRate: 0x0f,
  checkCrc: 0x10,
  flashWrite4k: 0x07,
  flashRead4k: 0x09,
  flashReadSr: 0x0c,
  flashWriteSr: 0x0d,
  flashGetMid: 0x0e,
  flashErase: 0x0f,
} as const;

export const ERASE_4K = 0x20;
export const ERASE_64K = 0xd8;

export function shortCommand(code: number, payload: Uint8Array = new Uint8Array(0)): Buffer {
  if (payload.length + 1 >= 0xff) throw new RangeError('short command payload too long');
  return Buffer.from([...CMD_HEAD, payload.length + 1, code, ...payload]);
}

export function longCommand(code: number, payload: Uint8Array = new Uint8Array(0)): Buffer {
  const len = payload.length + 1;
  if (len > 0xffff) throw new RangeError('long command payload too long');
  const head = Buffer.from([...CMD_HEAD, 0xff, 0xf4, len & 0xff, len >> 8, code]);
  return Buffer.concat([head, payload]);
}

const u32 = (v: number): Buffer => {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(v >>> 0);
  return b;
};

export const encode = {
  linkCheck: () => shortCommand(Cmd.linkCheck),
  readReg: (addr: number) => shortCommand(Cmd.readReg, u32(addr)),
  writeReg: (addr: number, value: number) => shortCommand(Cmd.writeReg, Buffer.concat([u32(addr), u32(value)])),
  setBaudRate: (baud: number, delayMs: number) => shortCommand(Cmd.setBaudRate, Buffer.concat([u32(baud), Buffer.from([delayMs & 0xff])])),
  /** `end` as the chip wants it (inclusive on BK7231N; see crcCommandRange). */
  checkCrc: (start: number, end: number) => shortCommand(Cmd.checkCrc, Buffer.concat([u32(start), u32(end)])),
  reboot: () => shortCommand(Cmd.reboot, Buffer.from([0xa5])),
  flashRead4k: (addr: number) => longCommand(Cmd.flashRead4k, u32(addr)),
  flashWrite4k: (addr: number, data: Uint8Array) => {
    if (data.length !== SECTOR_SIZE) throw new RangeError('FlashWrite4K needs exactly 4096 bytes');
    return longCommand(Cmd.flashWrite4k, Buffer.concat([u32(addr), data]));
  },
  flashErase: (opcode: number, addr: number) => longCommand(Cmd.flashErase, Buffer.concat([Buffer.from([opcode]), u32(addr)])),
  flashReadSr: (opcode: number) => longCommand(Cmd.flashReadSr, Buffer.from([opcode])),
  /** One value byte for 1-byte SR parts, two (SR1, SR2) otherwise. */
  flashWriteSr: (opcode: number, values: readonly number[]) => longCommand(Cmd.flashWriteSr, Buffer.from([opcode, ...values.map((v) => v & 0xff)])),
  flashGetMid: () => longCommand(Cmd.flashGetMid, Buffer.from([0x9f, 0x00, 0x00, 0x00])),
};

/** A complete reply frame. `status` only exists in the long form; `payload` excludes CODE and STATUS. */
export interface Reply {
  form: 'short' | 'long';
  code: number;
  status?: number;
  payload: Buffer;
}

/** What a caller waits for: form, code and an optional check of the payload (echoes, lengths). */
export interface ReplyMatcher {
  form: 'short' | 'long';
  code: number;
  accept?: (r: Reply) => boolean;
  /** For messages: "FlashWrite4K @0x11000". */
  what: string;
}

export function matches(m: ReplyMatcher, r: Reply): boolean {
  return r.form === m.form && r.code === m.code && (m.accept ? m.accept(r) : true);
}

const echoesU32 = (at: number, v: number) => (r: Reply) => r.payload.length >= at + 4 && r.payload.readUInt32LE(at) === v >>> 0;

/** Expected replies, one per command (§2.5, §3.3). */
export const expect = {
  linkCheck: (): ReplyMatcher => ({ form: 'short', code: 0x01, what: 'LinkCheck', accept: (r) => r.payload.length === 1 && r.payload[0] === 0 }),
  readReg: (addr: number): ReplyMatcher => ({
    form: 'short',
    code: Cmd.readReg,
    what: `ReadReg 0x${hex(addr)}`,
    accept: (r) => r.payload.length >= 8 && echoesU32(0, addr)(r),
  }),
  writeReg: (addr: number, value: number): ReplyMatcher => ({
    form: 'short',
    code: Cmd.writeReg,
    what: `WriteReg 0x${hex(addr)}`,
    accept: (r) => r.payload.length >= 8 && echoesU32(0, addr)(r) && echoesU32(4, value)(r),
  }),
  setBaudRate: (baud: number, delayMs: number): ReplyMatcher => ({
    form: 'short',
    code: Cmd.setBaudRate,
    what: `SetBaudRate ${baud}`,
    accept: (r) => r.payload.length >= 5 && echoesU32(0, baud)(r) && r.payload[4] === (delayMs & 0xff),
  }),
  checkCrc: (start: number): ReplyMatcher => ({ form: 'short', code: Cmd.checkCrc, what: `CheckCRC @0x${hex(start)}`, accept: (r) => r.payload.length === 4 }),
  flashRead4k: (addr: number): ReplyMatcher => ({
    form: 'long',
    code: Cmd.flashRead4k,
    what: `FlashRead4K @0x${hex(addr)}`,
    accept: (r) => echoesU32(0, addr)(r),
  }),
  flashWrite4k: (addr: number): ReplyMatcher => ({ form: 'long', code: Cmd.flashWrite4k, what: `FlashWrite4K @0x${hex(addr)}`, accept: echoesU32(0, addr) }),
  flashErase: (opcode: number, addr: number): ReplyMatcher => ({
    form: 'long',
    code: Cmd.flashErase,
    what: `FlashErase 0x${opcode.toString(16)} @0x${hex(addr)}`,
    accept: (r) => r.payload[0] === opcode && echoesU32(1, addr)(r),
  }),
  flashReadSr: (opcode: number): ReplyMatcher => ({
    form: 'long',
    code: Cmd.flashReadSr,
    what: `FlashReadSR 0x${opcode.toString(16)}`,
    accept: (r) => r.payload.length >= 2 && r.payload[0] === opcode,
  }),
  flashWriteSr: (opcode: number, values: readonly number[]): ReplyMatcher => ({
    form: 'long',
    code: Cmd.flashWriteSr,
    what: 'FlashWriteSR',
    accept: (r) => r.payload[0] === opcode && values.every((v, i) => r.payload[1 + i] === (v & 0xff)),
  }),
  flashGetMid: (): ReplyMatcher => ({ form: 'long', code: Cmd.flashGetMid, what: 'FlashGetMID', accept: (r) => r.payload.length >= 4 }),
};

export function hex(v: number, width = 0): string {
  return (v >>> 0).toString(16).toUpperCase().padStart(width, '0');
}

/**
 * Incremental reply parser. Feed chunks with push(); it returns every complete frame and counts
 * the bytes it had to throw away (the link diagnosis tells "garbage" from "silence" with it).
 */
export class ReplyParser {
  private buf: Buffer = Buffer.alloc(0);
  /** Bytes dropped while hunting for a header, since construction or the last reset(). */
  discarded = 0;
  /** Total bytes seen. */
  received = 0;

  push(chunk: Uint8Array): Reply[] {
    this.received += chunk.length;
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : Buffer.from(chunk);
    const out: Reply[] = [];
    for (;;) {
      const r = this.next();
      if (r === 'need-more') break;
      out.push(r);
    }
    return out;
  }

  /** Forgets partial input (after a baud change or a drain). */
  reset(): void {
    this.buf = Buffer.alloc(0);
  }

  /** Bytes held as a possible partial frame. */
  get pending(): number {
    return this.buf.length;
  }

  private drop(n: number): void {
    this.discarded += n;
    this.buf = this.buf.subarray(n);
  }

  private next(): Reply | 'need-more' {
    for (;;) {
      const b = this.buf;
      // Hunt for 04 0E.
      const start = findHeader(b);
      if (start < 0) {
        // Keep a trailing 0x04: it may be the first header byte of the next chunk.
        const keep = b.length > 0 && b[b.length - 1] === 0x04 ? 1 : 0;
        this.drop(b.length - keep);
        return 'need-more';
      }
      if (start > 0) this.drop(start);
      const f = this.buf;
      if (f.length < 3) return 'need-more';
      const len = f[2]!;
      if (len === 0xff) {
        if (f.length < 9) return 'need-more';
        if (f[3] !== 0x01 || f[4] !== 0xe0 || f[5] !== 0xfc || f[6] !== 0xf4) {
          this.drop(1);
          continue;
        }
        const n = f.readUInt16LE(7);
        if (n < 2) {
          this.drop(1);
          continue;
        }
        if (f.length < 9 + n) return 'need-more';
        const reply: Reply = { form: 'long', code: f[9]!, status: f[10]!, payload: Buffer.from(f.subarray(11, 9 + n)) };
        this.buf = f.subarray(9 + n);
        return reply;
      }
      if (f.length < 6) return 'need-more';
      if (len < 4 || f[3] !== 0x01 || f[4] !== 0xe0 || f[5] !== 0xfc) {
        this.drop(1);
        continue;
      }
      if (f.length < 3 + len) return 'need-more';
      const reply: Reply = { form: 'short', code: f[6]!, payload: Buffer.from(f.subarray(7, 3 + len)) };
      this.buf = f.subarray(3 + len);
      return reply;
    }
  }
}

function findHeader(b: Buffer): number {
  for (let i = 0; i + 1 < b.length; i++) if (b[i] === 0x04 && b[i + 1] === 0x0e) return i;
  return -1;
}
